package io.doppel.engine.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.codec.CodecException;
import io.doppel.engine.internal.codec.SequencedOp;

class CompressorTest {

    private static final Random RANDOM = new Random(7);

    private static Frame.Ops writes(int count, int size, boolean compressible) {
        List<SequencedOp> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] data;
            if (compressible) {
                data = ("line " + i + " of a log file that repeats itself\n").repeat(size / 40 + 1)
                        .substring(0, size).getBytes(StandardCharsets.US_ASCII);
            } else {
                data = new byte[size];
                RANDOM.nextBytes(data);
            }
            ops.add(new SequencedOp(1 + i, i, new Op.Write(RelPath.of("d/f" + i), 0, data)));
        }
        return new Frame.Ops(ops);
    }

    private static int type(byte[] frame) {
        return frame[4];
    }

    private static Frame decode(byte[] frame) throws CodecException {
        ByteBuffer b = ByteBuffer.wrap(frame);
        assertEquals(frame.length - 4, b.getInt(), "the length prefix");
        int type = b.get();
        return Frame.decode(type, b.slice());
    }

    @Test
    void aCompressibleBatchTravelsCompressedAndDecodesToTheSameOps() throws CodecException {
        Compressor c = new Compressor(1);
        Frame.Ops ops = writes(4, 256 * 1024, true);
        byte[] frame = c.encode(ops).bytes();
        assertEquals(7, type(frame));
        assertTrue(frame.length < FrameCodec.encodeFrame(ops).length / 5, "compressed: " + frame.length);
        assertEquals(ops, decode(frame));
        // byte for byte what the codec makes of a Compressed frame
        assertArrayEquals(FrameCodec.encodeFrame(new Frame.Compressed(ops, 1)), frame);
        c.close();
    }

    @Test
    void incompressibleDataTravelsAsItIsAndLaterBatchesAreNotEvenSampled() throws CodecException {
        Compressor c = new Compressor(1);
        Frame.Ops random = writes(1, 1024 * 1024, false);
        byte[] first = c.encode(random).bytes();
        assertEquals(3, type(first));
        assertArrayEquals(FrameCodec.encodeFrame(random), first);
        assertEquals(random, decode(first));
        // the next batch is not sampled, even if it would compress
        Frame.Ops text = writes(1, 1024 * 1024, true);
        assertEquals(3, type(c.encode(text).bytes()));
        assertEquals(1, c.skippedBatches());
        // then sampled again: it compresses, and the run of misses is over
        assertEquals(7, type(c.encode(text).bytes()));
        assertEquals(3, type(c.encode(random).bytes()));
        assertEquals(3, type(c.encode(text).bytes()), "one skipped batch after a single miss");
        assertEquals(7, type(c.encode(text).bytes()));
        assertEquals(2, c.skippedBatches());
    }

    @Test
    void aRunOfMissesBacksOffUpToItsBound() {
        Compressor c = new Compressor(6);
        Frame.Ops random = writes(2, 128 * 1024, false);
        int sampled = 0;
        for (int i = 0; i < 400; i++) {
            long skipped = c.skippedBatches();
            assertEquals(3, type(c.encode(random).bytes()));
            if (c.skippedBatches() == skipped) {
                sampled++;
            }
        }
        // samples after 1, 2, 4, 8, 16 and then every 32 skipped batches
        assertTrue(sampled >= 400 / (Compressor.MAX_SKIP + 1) && sampled <= 6 + 400 / Compressor.MAX_SKIP,
                "sampled " + sampled + " of 400");
        assertEquals(c.rawBytes(), c.sentBytes());
    }

    @Test
    void smallBatchesAreCompressedWholeOnlyIfThatMakesThemSmaller() throws CodecException {
        Compressor c = new Compressor(9);
        // below two samples' size a batch is compressed whole, and 100 KiB of random bytes do not shrink
        Frame.Ops random = writes(1, 100 * 1024, false);
        byte[] frame = c.encode(random).bytes();
        assertEquals(3, type(frame));
        assertArrayEquals(FrameCodec.encodeFrame(random), frame);
        Compressor d = new Compressor(9);
        Frame.Ops text = writes(3, 2000, true);
        frame = d.encode(text).bytes();
        assertEquals(7, type(frame));
        assertEquals(text, decode(frame));
        assertTrue(d.sentBytes() < d.rawBytes());
    }

    @Test
    void levelZeroNeverCompressesAndBadLevelsAreRefused() {
        Compressor c = new Compressor(0);
        Frame.Ops text = writes(2, 100_000, true);
        assertArrayEquals(FrameCodec.encodeFrame(text), c.encode(text).bytes());
        assertThrows(IllegalArgumentException.class, () -> new Compressor(10));
        assertThrows(IllegalArgumentException.class, () -> new Compressor(-1));
    }
}
