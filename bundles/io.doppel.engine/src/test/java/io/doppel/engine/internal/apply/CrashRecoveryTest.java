package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;
import io.doppel.api.op.Op.RenameMode;

/**
 * Kills the applier (an {@link Error} thrown from the {@link CrashHook}, then
 * {@link ImageApplier#abandon()}) at every point between an op's intent, its effect and the cursor
 * write, reopens, re-sends the whole stream from op 1 and expects the image of applying each op
 * exactly once.
 */
class CrashRecoveryTest extends ApplierFixture {

    /** What a kill -9 looks like from inside: nothing after this point runs. */
    static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;
    }

    @TempDir
    Path tmp;

    /** Every op kind, with the non-idempotent ones in places where doing them twice would show. */
    static final List<Op> SCRIPT = List.of(
            mkdir("d"),
            new Op.Create(p("d/f"), 04750, Op.NO_OWNER, Op.NO_OWNER),
            write("d/f", 0, "first"),
            write("d/f", 3, "ST and more"),
            new Op.Truncate(p("d/f"), 9),
            create("g"),
            write("g", 0, "gee"),
            new Op.Link(p("g"), p("d/g-link")),
            write("d/g-link", 3, "+linked"),
            new Op.Symlink(p("sym"), "d/f", Op.NO_OWNER, Op.NO_OWNER),
            rename("g", "d/g-moved", RenameMode.REPLACE),
            create("g"),
            write("g", 0, "second g"),
            rename("g", "d/g-moved", RenameMode.REPLACE),
            rename("d/g-link", "h", RenameMode.NOREPLACE),
            mkdir("e"),
            create("e/inner"),
            rename("h", "e", RenameMode.EXCHANGE),
            rename("d", "e", RenameMode.EXCHANGE),
            new Op.SetMode(p("e/f"), 0600),
            new Op.SetTimes(p("e/f"), 1_000_000_001L, 2_000_000_002L),
            new Op.SetXattr(p("e/f"), "user.k", bytes("v")),
            new Op.RemoveXattr(p("e/f"), "user.k"),
            new Op.SetXattr(p("e/f"), "user.k2", bytes("v2")),
            new Op.Fallocate(p("e/f"), 1, 2, true, true),
            new Op.Fallocate(p("e/f"), 0, 64, false, false),
            new Op.Fsync(p("")),
            new Op.Unlink(p("sym")),
            create("sym"),
            new Op.Unlink(p("h/inner")),
            new Op.Rmdir(p("h")),
            new Op.Unlink(p("d")),
            mkdir("d"),
            new Op.SetOwner(p("e/f"), Op.NO_OWNER, Op.NO_OWNER),
            write("e/f", 100, "tail"));

    private static final List<String> MID_OP_POINTS = List.of("create:noted", "create:created", "mkdir:noted",
            "mkdir:created", "symlink:noted", "symlink:created", "link:noted", "link:effect", "unlink:noted",
            "unlink:effect", "rmdir:noted", "rmdir:effect", "rename:noted", "rename:effect", "exchange:noted",
            "exchange:1", "exchange:2", "exchange:3");

    @Test
    void theScriptAppliesCleanly() throws Exception {
        Path image = reference(tmp.resolve("ref"), SCRIPT);
        assertEquals("second g", Files.readString(image.resolve("e/g-moved")));
        assertTrue(Files.isDirectory(image.resolve("d")));
        assertEquals(List.of("d", "e", "sym"), Files.list(image).map(x -> x.getFileName().toString()).sorted().toList());
    }

    @TestFactory
    Stream<DynamicTest> crashAfterTheEffectOfEachOpBeforeItsCursorWrite() throws Exception {
        Map<String, String> expected = Trees.content(reference(tmp.resolve("ref"), SCRIPT));
        List<DynamicTest> tests = new ArrayList<>();
        for (int k = 1; k <= SCRIPT.size(); k++) {
            int at = k;
            tests.add(DynamicTest.dynamicTest("op " + k + " " + SCRIPT.get(k - 1).kind(),
                    () -> crashAndRecover(tmp.resolve("applied-" + at), "applied", at, expected)));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> crashInsideEachNonIdempotentOp() throws Exception {
        Map<String, String> expected = Trees.content(reference(tmp.resolve("ref"), SCRIPT));
        List<DynamicTest> tests = new ArrayList<>();
        for (String point : MID_OP_POINTS) {
            tests.add(DynamicTest.dynamicTest(point, () -> {
                int hits = 0;
                for (int k = 1; k <= SCRIPT.size(); k++) {
                    if (reaches(SCRIPT.get(k - 1), point) && crashAndRecover(tmp.resolve(point.replace(':', '-') + "-" + k), point, k, expected)) {
                        hits++;
                    }
                }
                assertTrue(hits > 0, "the script never reaches " + point);
            }));
        }
        return tests.stream();
    }

    private static boolean reaches(Op op, String point) {
        String kind = op instanceof Op.Rename r && r.mode() == RenameMode.EXCHANGE ? "exchange" : op.kind();
        return point.startsWith(kind + ":");
    }

    @Test
    void aCrashWithoutCloseKeepsTheAppliedSequence() throws Exception {
        Path dir = tmp.resolve("plain");
        ImageApplier applier = ImageApplier.open(dir.resolve("image"), dir.resolve("state"));
        for (Op op : SCRIPT.subList(0, 10)) {
            applier.apply(applier.appliedSequence() + 1, op);
        }
        applier.abandon();
        try (ImageApplier again = ImageApplier.open(dir.resolve("image"), dir.resolve("state"))) {
            assertEquals(10, again.appliedSequence());
        }
    }

    /**
     * Applies the script, crashing at {@code point} during op {@code k}; reopens and re-sends
     * everything. Returns whether the crash happened (the point lies on op k's path).
     */
    private static boolean crashAndRecover(Path dir, String point, int k, Map<String, String> expected)
            throws Exception {
        Path image = dir.resolve("image");
        Path state = dir.resolve("state");
        ImageApplier applier = ImageApplier.open(image, state);
        applier.setCrashHook(reached -> {
            if (reached.equals(point) && applier.appliedSequence() + 1 == k) {
                throw new SimulatedCrash();
            }
        });
        boolean crashed = false;
        for (int seq = 1; seq <= SCRIPT.size() && !crashed; seq++) {
            if (seq == k) {
                try {
                    applier.apply(seq, SCRIPT.get(seq - 1));
                } catch (SimulatedCrash e) {
                    crashed = true;
                }
            } else {
                applier.apply(seq, SCRIPT.get(seq - 1));
            }
        }
        applier.abandon();
        if (!crashed) {
            deleteTree(dir);
            return false;
        }
        try (ImageApplier again = ImageApplier.open(image, state)) {
            assertTrue(again.appliedSequence() == k - 1 || again.appliedSequence() == k,
                    "after a crash in op " + k + " the cursor says " + again.appliedSequence());
            long resumed = again.appliedSequence();
            for (int seq = 1; seq <= SCRIPT.size(); seq++) {
                assertEquals(seq > resumed, again.apply(seq, SCRIPT.get(seq - 1)), "op " + seq);
            }
        }
        assertEquals(expected, Trees.content(image), "crash at " + point + " in op " + k);
        deleteTree(dir);
        return true;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void aDuplicateIsIgnoredAndAGapRefused() throws Exception {
        try (ImageApplier applier = ImageApplier.open(tmp.resolve("i"), tmp.resolve("s"))) {
            assertEquals(0, applier.appliedSequence());
            assertTrue(applier.apply(1, create("f")));
            assertEquals(false, applier.apply(1, create("f")));
            assertEquals(false, applier.apply(0, create("f")));
            assertEquals(false, applier.apply(-5, create("f")));
            GapException gap = assertThrows(GapException.class, () -> applier.apply(5, create("g")));
            assertEquals(2, gap.expected());
            assertEquals(1, applier.appliedSequence());
        }
    }
}
