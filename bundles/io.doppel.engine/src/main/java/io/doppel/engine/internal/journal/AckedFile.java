package io.doppel.engine.internal.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/** The journal's acknowledged sequence: 8 bytes and their CRC32C, replaced atomically. */
final class AckedFile {

    private static final String NAME = "acked";

    private AckedFile() {
    }

    static long read(Path dir) throws IOException {
        Path file = dir.resolve(NAME);
        if (!Files.exists(file)) {
            return 0;
        }
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length != 12) {
            throw new IOException(file + " is damaged (" + bytes.length + " bytes); the job needs a resynchronisation");
        }
        long seq = b.getLong();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 8);
        if ((int) crc.getValue() != b.getInt() || seq < 0) {
            throw new IOException(file + " is damaged (checksum); the job needs a resynchronisation");
        }
        return seq;
    }

    static void write(Path dir, long seq) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(12).putLong(seq);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 8);
        b.putInt((int) crc.getValue()).flip();
        Path tmp = dir.resolve(NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        Files.move(tmp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
