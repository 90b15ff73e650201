package io.doppel.fuse.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.doppel.interceptor.linux.fuse.internal.FuseCapture;

/**
 * Every name the kernel caches holds a node, and every node an open descriptor: a tree of more
 * files than the agent may open must not exhaust them. With a budget of 300 nodes, 2,400 files are
 * created, read and appended to; the mount keeps working, its descriptors stay near the budget,
 * and the image still equals the directory (names dropped and looked up again keep their paths).
 */
class FuseNodeBudgetTest {

    private static final int BUDGET = 300;
    private Path base;

    @BeforeEach
    void setUp() throws Exception {
        FuseTesting.requireFuse();
        base = FuseTesting.scratch("budget");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (base != null) {
            FuseTesting.delete(base);
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void aTreeOfMoreFilesThanTheBudgetKeepsItsDescriptorsNearTheBudget() throws Exception {
        Protected p;
        long before = openDescriptors();
        long peak = 0;
        try (Protected prot = new Protected(Files.createDirectories(base.resolve("protected")), base.resolve("image"),
                base.resolve("state"), path -> true, new FuseCapture.Settings(4, 10, 30_000, BUDGET))) {
            p = prot;
            Path d = prot.dir;
            for (int i = 0; i < 40; i++) {
                Path dir = Files.createDirectories(d.resolve("d" + i));
                for (int j = 0; j < 60; j++) {
                    Files.writeString(dir.resolve("f" + j), "first " + i + "/" + j + "\n");
                }
                peak = Math.max(peak, openDescriptors());
            }
            // every file again, after most of their names were dropped: read, appended to, one renamed
            for (int i = 0; i < 40; i++) {
                for (int j = 0; j < 60; j++) {
                    Path f = d.resolve("d" + i).resolve("f" + j);
                    assertEquals("first " + i + "/" + j + "\n", Files.readString(f));
                    Files.writeString(f, "second\n", StandardOpenOption.APPEND);
                }
                Files.move(d.resolve("d" + i).resolve("f0"), d.resolve("d" + i).resolve("renamed"));
                peak = Math.max(peak, openDescriptors());
            }
            Files.move(d.resolve("d0"), d.resolve("moved"));
            Files.writeString(d.resolve("moved/f1"), "third\n", StandardOpenOption.APPEND);
            assertTrue(prot.capture.namesDropped() > 0, "the kernel was asked to drop names");
            awaitCondition(Duration.ofSeconds(30), () -> prot.capture.nodes() <= BUDGET,
                    "the nodes to shrink to the budget of " + BUDGET + " (now " + prot.capture.nodes() + ")");
        }
        // 2,400 files and 40 directories: without the budget, as many descriptors more
        assertTrue(peak - before < BUDGET + 600, "descriptors grew by " + (peak - before) + " for a budget of " + BUDGET);
        assertEquals(List.of(), p.applyErrors.stream().limit(5).toList(), "every captured op applies to the image");
        assertEquals("first 0/1\nsecond\nthird\n", Files.readString(p.image.resolve("moved/f1")));
        FuseTesting.assertSameTree(p.dir, p.image);
    }
}
