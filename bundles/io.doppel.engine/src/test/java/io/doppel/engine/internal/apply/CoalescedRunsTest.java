package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;
import io.doppel.engine.internal.codec.Coalescer;
import io.doppel.engine.internal.codec.SequencedOp;

/** Runs of coalesced ops on the target: the same image as the ops one by one, and the cursor's rules. */
class CoalescedRunsTest extends ApplierFixture {

    @TempDir
    Path tmp;

    /** Mostly writes that touch or overlap, with attribute changes, truncates, fsyncs and renames between. */
    private static List<Op> randomOps(Random random, int count) {
        String[] files = {"a", "d/b", "d/c"};
        long[] ends = new long[files.length];
        List<Op> ops = new ArrayList<>(List.of(mkdir("d")));
        for (String f : files) {
            ops.add(create(f));
        }
        while (ops.size() < count) {
            int i = random.nextInt(files.length);
            String f = files[random.nextInt(10) < 9 ? 0 : i]; // long runs on one file, interleaved now and then
            int which = f.equals("a") ? 0 : i;
            int dice = random.nextInt(100);
            if (dice < 85) {
                long offset = random.nextInt(4) == 0 ? Math.max(0, ends[which] - random.nextInt(64)) : ends[which];
                byte[] data = new byte[1 + random.nextInt(300)];
                random.nextBytes(data);
                ops.add(new Op.Write(p(f), offset, data));
                ends[which] = Math.max(ends[which], offset + data.length);
            } else if (dice < 89) {
                ops.add(new Op.SetMode(p(f), 0600 | random.nextInt(0100)));
            } else if (dice < 92) {
                ops.add(new Op.SetTimes(p(f), random.nextBoolean() ? Op.TIME_OMIT : random.nextInt(1 << 30) * 1000L,
                        random.nextInt(1 << 30) * 1000L));
            } else if (dice < 94) {
                ends[which] = random.nextInt((int) ends[which] + 1);
                ops.add(new Op.Truncate(p(f), ends[which]));
            } else if (dice < 97) {
                ops.add(new Op.Fsync(p(f)));
            } else {
                ops.add(rename(f, "moved", Op.RenameMode.NOREPLACE));
                ops.add(rename("moved", f, Op.RenameMode.NOREPLACE));
            }
        }
        return ops;
    }

    @Test
    void coalescedBatchesLeaveTheSameImageAsEveryOpOnItsOwn() throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            List<Op> ops = randomOps(random, 400);
            Path dir = tmp.resolve("seed" + seed);
            Path one = reference(dir.resolve("one"), ops);
            List<SequencedOp> numbered = new ArrayList<>();
            for (Op op : ops) {
                numbered.add(new SequencedOp(numbered.size() + 1, 0, op));
            }
            int sent = 0;
            try (ImageApplier applier = ImageApplier.open(dir.resolve("runs/image"), dir.resolve("runs/state"))) {
                for (int at = 0; at < numbered.size(); ) {
                    int end = Math.min(numbered.size(), at + 1 + random.nextInt(80));
                    for (SequencedOp s : Coalescer.coalesce(numbered.subList(at, end), 64 + random.nextInt(2000))) {
                        assertTrue(applier.apply(s.seq(), s.lastSeq(), s.op()));
                        sent++;
                    }
                    at = end;
                }
                assertEquals(ops.size(), applier.appliedSequence());
            }
            assertEquals(Trees.content(one), Trees.content(dir.resolve("runs/image")), "seed " + seed);
            assertTrue(sent < ops.size() * 3 / 4, "seed " + seed + ": " + sent + " ops sent for " + ops.size());
        }
    }

    @Test
    void aRunAppliedBeforeIsADuplicateAndOneStartingWithinWhatIsAppliedIsAppliedAgain() throws Exception {
        try (ImageApplier applier = ImageApplier.open(tmp.resolve("image"), tmp.resolve("state"))) {
            applyAll(applier, create("f"), write("f", 0, "abc"), write("f", 3, "def"));
            // a resend after a rewind may cut runs differently: 2..5 while 1..3 are applied
            assertTrue(applier.apply(2, 5, write("f", 0, "abcdefghij")));
            assertEquals(5, applier.appliedSequence());
            assertFalse(applier.apply(4, 5, write("f", 3, "XXXXXXX")), "wholly applied: a duplicate");
            assertFalse(applier.apply(1, 1, create("f")));
            assertEquals("abcdefghij", Files.readString(tmp.resolve("image/f")));
            GapException gap = assertThrows(GapException.class, () -> applier.apply(7, 9, write("f", 0, "x")));
            assertEquals(6, gap.expected());
            assertThrows(ApplyException.class, () -> applier.apply(6, 8, rename("f", "g", Op.RenameMode.REPLACE)),
                    "only kinds that overwrite what they set may stand for a run");
            assertEquals(5, applier.appliedSequence());
        }
    }

    @Test
    void theCursorAfterARunSurvivesAKilledProcess() throws Exception {
        ImageApplier applier = ImageApplier.open(tmp.resolve("image"), tmp.resolve("state"));
        applyAll(applier, create("f"));
        applier.apply(2, 40, write("f", 0, "run"));
        applier.apply(41, 41, write("f", 3, "!"));
        applier.apply(42, 50, new Op.SetMode(p("f"), 0600));
        applier.abandon();
        try (ImageApplier reopened = ImageApplier.open(tmp.resolve("image"), tmp.resolve("state"))) {
            assertEquals(50, reopened.appliedSequence());
            assertEquals("run!", Files.readString(tmp.resolve("image/f")));
        }
    }
}
