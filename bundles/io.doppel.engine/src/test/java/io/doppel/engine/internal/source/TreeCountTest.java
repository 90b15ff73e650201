package io.doppel.engine.internal.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.RelPath;

/**
 * A mirror's count of what it has to do, taken through directories held open, is the count the
 * JDK's walk gives: every entry once, the directory itself too, no symlink followed, nothing
 * beneath an excluded directory.
 */
class TreeCountTest {

    @TempDir
    Path root;
    @TempDir
    Path outside;

    private final Predicate<RelPath> noTmp = p -> !p.name().endsWith(".tmp");

    @BeforeEach
    void tree() throws IOException, InterruptedException {
        Files.createDirectories(root.resolve("a/b/c"));
        Files.write(root.resolve("a/one"), new byte[1000]);
        Files.write(root.resolve("a/b/two"), new byte[20_000]);
        Files.write(root.resolve("a/b/c/empty"), new byte[0]);
        Files.createLink(root.resolve("a/second name"), root.resolve("a/one"));
        Files.write(root.resolve("skip.tmp"), new byte[5]);
        Files.createDirectories(root.resolve("excluded.tmp/inside"));
        Files.write(root.resolve("excluded.tmp/inside/f"), new byte[7]);
        Files.write(outside.resolve("big"), new byte[1 << 20]);
        Files.createSymbolicLink(root.resolve("a/link to outside"), outside);
        Process p = new ProcessBuilder("mkfifo", root.resolve("a/fifo").toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "mkfifo");
    }

    @Test
    void countsWhatTheJdksWalkCounts() throws IOException {
        TreeCount count = new TreeCount(root, noTmp, () -> { });
        long[] expected = new long[2];
        count.throughTheJdk(root, expected);
        // the root, a, b, c; one, two, empty, second name, link, fifo
        assertArrayEquals(new long[] {10, 1000 + 20_000 + 1000}, expected);
        long[] got = new long[2];
        count.from(root, got);
        assertArrayEquals(expected, got);

        long[] sub = new long[2];
        count.from(root.resolve("a/b"), sub);
        assertArrayEquals(new long[] {4, 20_000}, sub, "from a directory beneath the root");
        long[] file = new long[2];
        count.from(root.resolve("a/one"), file);
        assertArrayEquals(new long[] {1, 1000}, file, "from a file");
        long[] excluded = new long[2];
        count.from(root.resolve("excluded.tmp"), excluded);
        assertArrayEquals(new long[] {0, 0}, excluded, "from an excluded directory");
    }

    @Test
    void stopsWhenAskedTo() {
        AtomicInteger dirs = new AtomicInteger();
        TreeCount count = new TreeCount(root, noTmp, () -> {
            if (dirs.incrementAndGet() > 2) {
                throw new IllegalStateException("stopped");
            }
        });
        assertThrows(IllegalStateException.class, () -> count.from(root, new long[2]));
        assertEquals(3, dirs.get());
    }
}
