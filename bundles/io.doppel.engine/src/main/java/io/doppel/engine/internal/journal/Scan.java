package io.doppel.engine.internal.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

import io.doppel.engine.internal.codec.CodecException;
import io.doppel.engine.internal.codec.OpCodec;
import io.doppel.engine.internal.codec.SequencedOp;

/** One pass over a segment at open: how much of it is valid, and what is wrong after that. */
final class Scan {

    long records;
    long validBytes;
    long nextSeq;
    String problem;
    /** Whether the problem is only a record cut short at the very end (a crash mid-append). */
    boolean tornOnly;

    /** Told where each valid record ends in its segment. */
    interface Ends {
        void at(long seq, long end);
    }

    static Scan of(Path file, long firstSeq, Ends ends) throws IOException {
        Scan s = new Scan();
        s.nextSeq = firstSeq;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long pos = 0;
            ByteBuffer header = ByteBuffer.allocate(8);
            while (pos < size) {
                header.clear();
                if (size - pos < 8) {
                    return s.fail("record header cut short", true);
                }
                ch.read(header, pos);
                int length = header.getInt(0);
                if (length <= 0 || length > OpCodec.MAX_DATA_BYTES + 70_000) {
                    return s.fail("impossible record length " + length + " at byte " + pos, false);
                }
                if (size - pos - 8 < length) {
                    return s.fail("record cut short at byte " + pos, true);
                }
                ByteBuffer payload = ByteBuffer.allocate(length);
                while (payload.hasRemaining()) {
                    ch.read(payload, pos + 8 + payload.position());
                }
                CRC32C crc = new CRC32C();
                crc.update(payload.array());
                if ((int) crc.getValue() != header.getInt(4)) {
                    return s.fail("checksum mismatch at byte " + pos, pos + 8 + length == size);
                }
                SequencedOp op;
                try {
                    op = OpCodec.decode(payload.array());
                } catch (CodecException e) {
                    return s.fail("undecodable record at byte " + pos + ": " + e.getMessage(), false);
                }
                if (op.seq() != s.nextSeq) {
                    return s.fail("expected seq " + s.nextSeq + " at byte " + pos + ", found " + op.seq(), false);
                }
                s.nextSeq++;
                s.records++;
                pos += 8 + length;
                s.validBytes = pos;
                ends.at(op.seq(), pos);
            }
        }
        return s;
    }

    private Scan fail(String why, boolean torn) {
        problem = why;
        tornOnly = torn;
        return this;
    }
}
