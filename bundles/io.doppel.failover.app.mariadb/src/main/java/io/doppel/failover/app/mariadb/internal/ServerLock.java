package io.doppel.failover.app.mariadb.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Who holds a MariaDB data directory on this machine. The replica is a copy of a server that
 * crashed: the source's pid file came along and names a process that means nothing here, while the
 * locks a running server holds (InnoDB's on {@code ibdata1}, Aria's on {@code aria_log_control})
 * live in the kernel and never travel with a copy. So a server runs on this data directory when a
 * process here holds one of those locks ({@code /proc/locks}) or, in the moment before it takes
 * them, when a pid file names a process that works in it ({@code /proc/<pid>/cwd}: the server
 * changes into its data directory).
 */
final class ServerLock {

    private static final List<String> LOCKED = List.of("ibdata1", "aria_log_control");

    private final Path dataDirectory;
    private final Path locks;

    ServerLock(Path dataDirectory) {
        this(dataDirectory, Path.of("/proc/locks"));
    }

    ServerLock(Path dataDirectory, Path locks) {
        this.dataDirectory = dataDirectory;
        this.locks = locks;
    }

    /** The server that runs on this data directory here, if one does; {@code started} is checked too. */
    OptionalLong running(OptionalLong started) throws IOException {
        OptionalLong holder = lockHolder();
        if (holder.isPresent()) {
            return holder;
        }
        if (started.isPresent() && worksHere(started.getAsLong())) {
            return started;
        }
        for (Path f : pidFiles()) {
            OptionalLong pid = pid(f);
            if (pid.isPresent() && worksHere(pid.getAsLong())) {
                return pid;
            }
        }
        return OptionalLong.empty();
    }

    /** The pid files at the data directory's top level (the server's default is {@code <host>.pid} there). */
    List<Path> pidFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dataDirectory, "*.pid")) {
            for (Path f : s) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    files.add(f);
                }
            }
        }
        return files;
    }

    /** Removes the pid files of servers that do not run here; returns each removed file with the pid it named. */
    Map<Path, String> removeStale() throws IOException {
        Map<Path, String> removed = new LinkedHashMap<>();
        for (Path f : pidFiles()) {
            OptionalLong pid = pid(f);
            if (pid.isPresent() && worksHere(pid.getAsLong())) {
                continue;
            }
            Files.deleteIfExists(f);
            removed.put(f, pid.isPresent() ? Long.toString(pid.getAsLong()) : "none");
        }
        return removed;
    }

    static OptionalLong pid(Path pidFile) throws IOException {
        try {
            String text = Files.readString(pidFile, StandardCharsets.US_ASCII).strip();
            return text.matches("[0-9]{1,10}") ? OptionalLong.of(Long.parseLong(text)) : OptionalLong.empty();
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
    }

    /** The process holding InnoDB's or Aria's lock on this data directory, from the kernel's lock table. */
    OptionalLong lockHolder() throws IOException {
        Map<Long, String> inodes = new LinkedHashMap<>();
        for (String name : LOCKED) {
            Path f = dataDirectory.resolve(name);
            try {
                long dev = (Long) Files.getAttribute(f, "unix:dev", LinkOption.NOFOLLOW_LINKS);
                long ino = (Long) Files.getAttribute(f, "unix:ino", LinkOption.NOFOLLOW_LINKS);
                inodes.put(ino, device(dev));
            } catch (NoSuchFileException e) {
                // MySQL has no Aria files; a fresh directory may lack ibdata1
            }
        }
        if (inodes.isEmpty() || !Files.isReadable(locks)) {
            return OptionalLong.empty();
        }
        for (String line : Files.readAllLines(locks, StandardCharsets.US_ASCII)) {
            // "1: POSIX  ADVISORY  WRITE 782 fe:00:2211950 0 EOF"; a waiter's line has "->" after the number
            String[] f = line.replace("->", "").trim().split("\\s+");
            if (f.length < 6 || !f[4].matches("[0-9]+")) {
                continue; // OFD locks show pid -1: no process to name (the server takes POSIX locks)
            }
            int colon = f[5].lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            String device = f[5].substring(0, colon);
            long ino;
            try {
                ino = Long.parseLong(f[5].substring(colon + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            long pid = Long.parseLong(f[4]);
            // the device number stat shows may differ from the lock table's (overlay, btrfs): then the holder's
            // working directory decides
            if (inodes.containsKey(ino) && (inodes.get(ino).equals(device) || worksHere(pid))) {
                return OptionalLong.of(pid);
            }
        }
        return OptionalLong.empty();
    }

    /** Whether a process here works in this data directory. */
    private boolean worksHere(long pid) {
        try {
            return Path.of("/proc", Long.toString(pid), "cwd").toRealPath().equals(dataDirectory.toRealPath());
        } catch (IOException e) {
            return false; // no such process here, or not one we may see: not a server on this data
        }
    }

    /** A device number as /proc/locks prints it ({@code MAJOR:MINOR} in hex), decoded as glibc encodes it. */
    static String device(long dev) {
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        return String.format("%02x:%02x", major, minor);
    }
}
