package io.doppel.interceptor.watch.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Tree comparison and small file helpers for the tests. */
final class Trees {

    private Trees() {
    }

    /** Asserts same names, types, contents, permission bits, symlink targets and file mtimes. */
    static void assertSameTree(Path expected, Path actual, boolean directoryTimes) {
        Map<String, Path> a = list(expected);
        Map<String, Path> b = list(actual);
        assertEquals(a.keySet(), b.keySet(), "names in the mirror");
        for (String rel : a.keySet()) {
            Path x = a.get(rel);
            Path y = b.get(rel);
            try {
                assertEquals(Files.isSymbolicLink(x), Files.isSymbolicLink(y), rel + ": symlink");
                if (Files.isSymbolicLink(x)) {
                    assertEquals(Files.readSymbolicLink(x), Files.readSymbolicLink(y), rel + ": link target");
                    continue;
                }
                assertEquals(Files.isDirectory(x), Files.isDirectory(y), rel + ": directory");
                assertEquals(Files.getPosixFilePermissions(x), Files.getPosixFilePermissions(y), rel + ": mode");
                if (Files.isRegularFile(x)) {
                    assertArrayEquals(Files.readAllBytes(x), Files.readAllBytes(y), rel + ": content");
                }
                if (!Files.isDirectory(x) || directoryTimes) {
                    assertEquals(mtime(x), mtime(y), rel + ": mtime");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Map<String, Path> list(Path root) {
        Map<String, Path> result = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(p -> result.put(root.relativize(p).toString(), p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    static long mtime(Path p) throws IOException {
        return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).to(TimeUnit.NANOSECONDS);
    }

    /** Sets a distinct mtime, so a change is visible even on file systems with coarse timestamps. */
    static void touch(Path p, long secondsAgo) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(System.currentTimeMillis() / 1000 - secondsAgo, TimeUnit.SECONDS));
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes. */
    static void awaitCondition(String what, Duration timeout, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out after " + timeout + " waiting for: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // poll interval
            if (Thread.interrupted()) {
                fail("interrupted waiting for: " + what);
            }
        }
    }
}
