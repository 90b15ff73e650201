package io.doppel.interceptor.watch.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/** Restarts from the persisted snapshot, and crashes at every point of a scan. */
class RestartTest {

    @TempDir
    Path base;

    @Test
    void aRestartWithNothingChangedEmitsNothing() throws Exception {
        Fixture f = new Fixture(base);
        f.write("a/b", Trees.random(200_000, 5));
        f.start().scan();

        assertEquals(List.of(), f.start().scan());
    }

    @Test
    void aRestartEmitsOnlyWhatChangedWhileTheAgentWasDown() throws Exception {
        Fixture f = new Fixture(base);
        f.write("a/b", Trees.random(200_000, 5));
        f.write("a/c", "same".getBytes());
        f.start().scan();
        f.write("a/new", "new".getBytes());
        Files.delete(f.src.resolve("a/c"));

        List<Op> ops = f.start().scan();

        assertEquals(List.of(new Op.Unlink(RelPath.of("a/c"))), Fixture.only(ops, Op.Unlink.class));
        assertEquals(RelPath.of("a/new"), Fixture.only(ops, Op.Rename.class).get(0).to());
        assertTrue(ops.stream().noneMatch(op -> op.path().value().equals("a/b")), ops.toString());
        f.assertMirrored();
    }

    @Test
    void aCrashAfterTheSinkTookTheOpsReEmitsThemSafely() throws Exception {
        Fixture f = new Fixture(base);
        f.write("d/f", "v1".getBytes());
        f.start().scan();
        f.write("d/f", "v2-longer".getBytes());
        Trees.touch(f.src.resolve("d/f"), 5);
        f.write("d/g", "g".getBytes());
        f.write("n/h", "h".getBytes());
        f.crash = where -> {
            if (where.equals("accepted")) {
                throw new RecordingSink.SimulatedCrash();
            }
        };
        assertThrows(RecordingSink.SimulatedCrash.class, f::scan);
        f.crash = Rounds.CrashPoint.NONE;

        List<Op> again = f.start().scan(); // the mirror applier throws CONFLICT on any unsafe repeat

        for (Op.Create c : Fixture.only(again, Op.Create.class)) {
            assertTrue(c.path().name().startsWith(Rounds.TEMP_PREFIX), "no Create of a final name: " + c);
        }
        assertTrue(Fixture.only(again, Op.Mkdir.class).isEmpty(), "the recorded Mkdir is not repeated: " + again);
        f.assertMirrored();
        assertFalse(Files.exists(f.state.resolve(InflightLog.FILE)));
        assertEquals(List.of(), f.start().scan());
    }

    /**
     * The agent dies before the sink takes the n-th op of a scan with every kind of change, for
     * every n; then the file the interrupted scan changed is changed back. The next start must
     * bring the mirror to the source without a single op the target would refuse.
     */
    @Test
    void aCrashAtAnyOpOfAScanRecoversWithoutConflicts() throws Exception {
        for (int n = 1;; n++) {
            Path dir = Files.createDirectories(base.resolve("run" + n));
            Fixture f = new Fixture(dir);
            byte[] original = Trees.random(3 * Fixture.BLOCK, 6);
            f.write("keep/file", original);
            f.write("gone/a", "a".getBytes());
            f.write("gone/sub/b", "b".getBytes());
            f.write("typechange", "file first".getBytes());
            Files.createSymbolicLink(f.src.resolve("link"), Path.of("one"));
            f.start().scan();

            try (RandomAccessFile raf = new RandomAccessFile(f.src.resolve("keep/file").toFile(), "rw")) {
                raf.seek(Fixture.BLOCK + 7);
                raf.write(0x55);
            }
            Trees.touch(f.src.resolve("keep/file"), 30);
            try (var walk = Files.walk(f.src.resolve("gone"))) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            Files.delete(f.src.resolve("typechange"));
            f.write("typechange/inner", "now a directory".getBytes());
            f.write("fresh/dir/file", Trees.random(100_000, 7));
            Files.delete(f.src.resolve("link"));
            Files.createSymbolicLink(f.src.resolve("link"), Path.of("two"));

            f.sink.crashAt(n);
            try {
                f.scan();
                assertTrue(n > 25, "a scan with every kind of change has many ops, got " + (n - 1));
                return; // n is past the last op: every crash point was tried
            } catch (RecordingSink.SimulatedCrash expected) {
                // the agent died
            }
            Files.write(f.src.resolve("keep/file"), original); // changed back while the agent was down
            Trees.touch(f.src.resolve("keep/file"), 20);

            f.start().scan();

            Trees.assertSameTree(f.src, f.mirror, false);
            assertEquals(List.of(), f.start().scan(), "settled after a crash at op " + n);
            assertTrue(n < 200, "the scan should have far fewer ops");
        }
    }
}
