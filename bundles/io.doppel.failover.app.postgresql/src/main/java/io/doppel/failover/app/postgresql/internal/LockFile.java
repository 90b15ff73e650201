package io.doppel.failover.app.postgresql.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * A cluster's {@code postmaster.pid}. The replica holds the source's copy: its process id means
 * nothing here, so it is stale unless a server on this machine runs in this very data directory
 * (PostgreSQL works in its data directory, which {@code /proc/<pid>/cwd} shows).
 */
final class LockFile {

    private final Path file;
    private final Path dataDirectory;

    LockFile(Path dataDirectory) {
        this.dataDirectory = dataDirectory;
        this.file = dataDirectory.resolve("postmaster.pid");
    }

    boolean exists() {
        return Files.exists(file);
    }

    /** The process id in the file, if it has one. */
    OptionalLong pid() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
        if (lines.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(lines.get(0).strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The server that runs on this data directory here, if one does. */
    OptionalLong running() throws IOException {
        OptionalLong pid = pid();
        if (pid.isEmpty()) {
            return OptionalLong.empty();
        }
        Path cwd = Path.of("/proc", Long.toString(pid.getAsLong()), "cwd");
        try {
            Path where = cwd.toRealPath();
            return where.equals(dataDirectory.toRealPath()) ? pid : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty(); // no such process here, or not one we can see: not ours
        }
    }

    /** Removes a stale file; returns the process id it named. */
    OptionalLong removeStale() throws IOException {
        OptionalLong pid = pid();
        Files.deleteIfExists(file);
        return pid;
    }
}
