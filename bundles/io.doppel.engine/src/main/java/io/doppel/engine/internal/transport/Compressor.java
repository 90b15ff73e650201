package io.doppel.engine.internal.transport;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * Encodes a job's batches of ops, compressed where compression pays.
 *
 * <p>Data that is already compressed or encrypted (media, archives, encrypted volumes, random
 * data) does not shrink, and DEFLATE on it costs a core for nothing: at level 1 it runs at about
 * the speed of a disk, so the replica falls behind. Before a large batch is compressed, a sample
 * of 64 KiB from its middle is; unless the sample shrinks to {@value #KEEP_PERCENT} % or less, the
 * batch travels as it is. Each batch in a row that does not compress doubles the number of
 * batches sent without even a sample (up to {@value #MAX_SKIP}); one that does resets it. A batch
 * that compresses no smaller than it is, whole, travels as it is too. Not thread-safe: one per
 * sending thread.
 */
public final class Compressor {

    /** The sample of a large batch that decides whether it is compressed. */
    static final int SAMPLE = 64 * 1024;
    /** The share of its size that a compressed sample may keep for the batch to be compressed. */
    static final int KEEP_PERCENT = 90;
    /** Batches sent uncompressed without a sample, at most, after batches in a row did not compress. */
    static final int MAX_SKIP = 32;

    private final int level;
    private Deflater deflater;
    private byte[] scratch = new byte[0];
    private int misses;
    private int skip;
    private long rawBytes;
    private long sentBytes;
    private long skippedBatches;

    /** {@code level}: 0 for none, else DEFLATE's level (1 fast … 9 max). */
    public Compressor(int level) {
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("compression level " + level + " is not 0..9");
        }
        this.level = level;
    }

    /**
     * The frame for {@code ops}: a {@link Frame.Compressed} one if that pays, else a plain one (in
     * pieces when it is not compressed: large writes' data are not copied into it).
     */
    public FrameCodec.Encoded encode(Frame.Ops ops) {
        if (level == 0 || skip > 0) {
            if (skip > 0) {
                skip--;
                skippedBatches++;
            }
            FrameCodec.Encoded plain = FrameCodec.encodeInPieces(ops);
            rawBytes += plain.length();
            sentBytes += plain.length();
            return plain;
        }
        byte[] plain = FrameCodec.encodeFrame(ops);
        rawBytes += plain.length;
        byte[] frame = compressIfItPays(plain);
        if (frame == plain) {
            misses++;
            skip = Math.min(MAX_SKIP, 1 << Math.min(misses - 1, 5));
        } else {
            misses = 0;
        }
        sentBytes += frame.length;
        return FrameCodec.Encoded.of(frame);
    }

    public int level() {
        return level;
    }

    /** Bytes of plain frames encoded so far. */
    public long rawBytes() {
        return rawBytes;
    }

    /** Bytes of the frames returned so far (compressed or not). */
    public long sentBytes() {
        return sentBytes;
    }

    /** Batches sent uncompressed without a sample, after others in a row did not compress. */
    public long skippedBatches() {
        return skippedBatches;
    }

    /** Frees the compressor's native memory; it can still be used (it takes new memory). */
    public void close() {
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
    }

    private byte[] compressIfItPays(byte[] plain) {
        int bodyOffset = 5;
        int bodyLength = plain.length - bodyOffset;
        if (bodyLength >= 2 * SAMPLE) {
            int from = bodyOffset + (bodyLength - SAMPLE) / 2;
            int size = deflate(plain, from, SAMPLE, SAMPLE);
            if (size < 0 || (long) size * 100 > (long) SAMPLE * KEEP_PERCENT) {
                return plain;
            }
        }
        // The whole body; compressed output larger than the body is not wanted.
        int size = deflate(plain, bodyOffset, bodyLength, bodyLength - 4);
        if (size < 0) {
            return plain;
        }
        // type 7: u32 uncompressed length | deflate data (as Frame.Compressed)
        ByteBuffer out = ByteBuffer.allocate(5 + 4 + size);
        out.putInt(1 + 4 + size).put((byte) 7).putInt(bodyLength).put(scratch, 0, size);
        return out.array();
    }

    /**
     * Compresses {@code data[from, from + length)} into {@link #scratch}; returns the compressed
     * size, or -1 if it exceeds {@code limit}.
     */
    private int deflate(byte[] data, int from, int length, int limit) {
        if (limit <= 0) {
            return -1;
        }
        if (deflater == null) {
            deflater = new Deflater(level);
        }
        deflater.reset();
        deflater.setInput(data, from, length);
        deflater.finish();
        if (scratch.length < limit + 1) {
            scratch = new byte[limit + 1];
        }
        int size = 0;
        while (!deflater.finished()) {
            if (size > limit) {
                return -1;
            }
            size += deflater.deflate(scratch, size, limit + 1 - size);
            if (size > limit) {
                return -1;
            }
        }
        return size;
    }
}
