package io.doppel.engine.internal.transport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import io.doppel.engine.internal.codec.CodecException;

/**
 * DEFLATE for batches of ops: {@code u32 uncompressed length | deflate data}. Decompression never
 * produces more than the declared length, nor more than a limit, so a small hostile frame cannot
 * expand into a large allocation.
 */
final class Deflate {

    private Deflate() {
    }

    static byte[] compress(byte[] data, int level) {
        Deflater deflater = new Deflater(level);
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
            byte[] header = ByteBuffer.allocate(4).putInt(data.length).array();
            out.write(header, 0, 4);
            byte[] buffer = new byte[64 * 1024];
            while (!deflater.finished()) {
                int n = deflater.deflate(buffer);
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    static byte[] decompress(ByteBuffer b, int limit) throws CodecException {
        int length = b.getInt();
        if (length < 0 || length > limit) {
            throw new CodecException("compressed batch declares " + length + " bytes, beyond the limit of " + limit);
        }
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(b.slice());
            byte[] out = new byte[length];
            int done = 0;
            while (done < length) {
                int n = inflater.inflate(out, done, length - done);
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                done += n;
            }
            if (done != length || !inflater.finished()) {
                throw new CodecException("compressed batch does not inflate to its declared " + length + " bytes");
            }
            b.position(b.limit());
            return out;
        } catch (DataFormatException e) {
            throw new CodecException("compressed batch is not valid DEFLATE data: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }
}
