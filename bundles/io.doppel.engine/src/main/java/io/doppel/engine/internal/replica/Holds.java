package io.doppel.engine.internal.replica;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import io.doppel.engine.ReplicaImages.Hold;

/**
 * The failover holds of images, one small file each ({@code <dir>/<source>/<image>}), written by
 * temp file, fsync and rename, so a hold survives a crash of the agent at any point.
 */
final class Holds {

    private final Path dir;

    Holds(Path dir) {
        this.dir = dir;
    }

    Hold of(String source, String image) {
        try {
            String text = Files.readString(file(source, image), StandardCharsets.US_ASCII).strip();
            return Hold.valueOf(text);
        } catch (NoSuchFileException e) {
            return Hold.NONE;
        } catch (IOException | IllegalArgumentException e) {
            // unreadable or damaged: the safe reading is the strictest one
            return Hold.PROMOTED;
        }
    }

    synchronized void set(String source, String image, Hold hold) throws IOException {
        Path file = file(source, image);
        if (hold == Hold.NONE) {
            Files.deleteIfExists(file);
            force(file.getParent());
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(image + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap((hold.name() + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        force(file.getParent());
    }

    private Path file(String source, String image) {
        return dir.resolve(source).resolve(image);
    }

    private static void force(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }
    }
}
