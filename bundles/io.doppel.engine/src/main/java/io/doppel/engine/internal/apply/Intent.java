package io.doppel.engine.internal.apply;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A note, written just before an op that is not idempotent touches the image, of what it is about
 * to do; read at open to tell whether an op interrupted by a crash took effect.
 *
 * <p>One positional write per note, no fsync: it only has to survive a process crash, and the page
 * cache does. A note is only meaningful while its sequence is the applied sequence plus one.
 */
final class Intent implements Closeable {

    /** The ops that need a note, and how {@link Recovery} settles each after a crash. */
    enum Kind {
        /** Created entries are removed again (rolled back); the op will be re-sent. */
        CREATE, MKDIR, SYMLINK, LINK,
        /** Removals and renames are rolled forward when their source is gone. */
        UNLINK, RMDIR, RENAME,
        /** Exchange is three renames, rolled forward from whichever step it reached. */
        EXCHANGE
    }

    /** @param a the op's path, {@code b} its second path or "", {@code tmp} exchange's parking name or "" */
    record Note(long seq, Kind kind, int phase, String a, String b, String tmp) {
        Note withPhase(int next) {
            return new Note(seq, kind, next, a, b, tmp);
        }
    }

    private static final byte[] MAGIC = "DPLINT01".getBytes(StandardCharsets.US_ASCII);

    private final FileChannel channel;

    private Intent(FileChannel channel) {
        this.channel = channel;
    }

    static Intent open(Path file) throws IOException {
        return new Intent(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE));
    }

    void write(Note note) throws IOException {
        byte[] a = note.a().getBytes(StandardCharsets.UTF_8);
        byte[] b = note.b().getBytes(StandardCharsets.UTF_8);
        byte[] t = note.tmp().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 8 + 2 + 12 + a.length + b.length + t.length + 8);
        buf.put(MAGIC).putLong(note.seq()).put((byte) note.kind().ordinal()).put((byte) note.phase());
        buf.putInt(a.length).put(a).putInt(b.length).put(b).putInt(t.length).put(t);
        buf.putLong(crc(buf.array(), buf.position()));
        buf.flip();
        long at = 0;
        while (buf.hasRemaining()) {
            at += channel.write(buf, at);
        }
    }

    /** Forgets the note (after a failed op was rolled back, so it is not settled again at open). */
    void clear() throws IOException {
        ByteBuffer zero = ByteBuffer.allocate(MAGIC.length);
        long at = 0;
        while (zero.hasRemaining()) {
            at += channel.write(zero, at);
        }
    }

    /** The note on disk, or null if there is none or it is torn (then it never took effect). */
    Note read() throws IOException {
        long size = Math.min(channel.size(), 64 * 1024);
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        while (buf.hasRemaining() && channel.read(buf, buf.position()) >= 0) {
            // read fully
        }
        buf.flip();
        try {
            byte[] magic = new byte[MAGIC.length];
            buf.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                return null;
            }
            long seq = buf.getLong();
            int kind = buf.get();
            int phase = buf.get();
            String a = string(buf);
            String b = string(buf);
            String t = string(buf);
            int end = buf.position();
            if (buf.getLong() != crc(buf.array(), end) || kind < 0 || kind >= Kind.values().length) {
                return null;
            }
            return new Note(seq, Kind.values()[kind], phase, a, b, t);
        } catch (RuntimeException e) {
            return null; // truncated or garbage: a note that was never completely written
        }
    }

    private static String string(ByteBuffer buf) {
        byte[] bytes = new byte[buf.getInt()];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static long crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    void force() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
