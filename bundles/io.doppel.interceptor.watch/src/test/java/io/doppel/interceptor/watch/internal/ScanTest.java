package io.doppel.interceptor.watch.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/** Full scans against a real file system, the ops applied to a mirror with the target's strictness. */
class ScanTest {

    @TempDir
    Path base;
    Fixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(base);
    }

    @Test
    void aNewJobReplicatesTheWholeTree() throws Exception {
        f.write("a/b/data.bin", Trees.random(300_000, 1));
        f.write("a/empty", new byte[0]);
        f.write("top.txt", "hello".getBytes());
        Path secret = f.write("a/secret", "x".getBytes());
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(f.src.resolve("a/b"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.createSymbolicLink(f.src.resolve("a/link"), Path.of("b/data.bin"));
        Files.createSymbolicLink(f.src.resolve("dangling"), Path.of("/nowhere/at/all"));
        try (RandomAccessFile sparse = new RandomAccessFile(f.src.resolve("a/sparse").toFile(), "rw")) {
            sparse.write(new byte[] { 1, 2, 3 });
            sparse.seek(4 << 20);
            sparse.write(new byte[] { 4, 5, 6 });
        }
        Trees.touch(f.src.resolve("top.txt"), 3600);
        Trees.touch(f.src.resolve("a"), 7200);

        List<Op> ops = f.start().scan();

        f.assertMirrored();
        for (Op.Create c : Fixture.only(ops, Op.Create.class)) {
            assertTrue(c.path().name().startsWith(Rounds.TEMP_PREFIX), "created under a temporary name: " + c);
        }
        assertInstanceOf(Op.Fsync.class, ops.get(ops.size() - 1), "a consistency point ends the scan");
        long sparseBytes = Fixture.only(ops, Op.Write.class).stream()
                .filter(w -> w.path().parent().equals(RelPath.of("a")) && w.offset() < 8 << 20)
                .mapToLong(w -> w.data().length).sum();
        assertTrue(sparseBytes < 3 * Fixture.BLOCK, "zero blocks of the sparse file are not sent: " + sparseBytes);
    }

    @Test
    void directoriesAreCreatedBeforeWhatTheyContain() throws Exception {
        f.write("x/y/z/file", "1".getBytes());
        List<Op> ops = f.start().scan();
        List<String> order = new ArrayList<>();
        for (Op op : ops) {
            if (op instanceof Op.Mkdir || op instanceof Op.Rename) {
                order.add(op instanceof Op.Rename r ? r.to().value() : op.path().value());
            }
        }
        assertEquals(List.of("x", "x/y", "x/y/z", "x/y/z/file"), order);
    }

    @Test
    void oneChangedByteInAFiveMegabyteFileSendsOneBlock() throws Exception {
        Path big = f.write("big.bin", Trees.random(5 << 20, 2));
        f.start().scan();
        try (RandomAccessFile raf = new RandomAccessFile(big.toFile(), "rw")) {
            raf.seek(3_000_000);
            raf.write(raf.read() ^ 0xff);
        }
        Trees.touch(big, 10);

        List<Op> ops = f.scan();

        List<Op.Write> writes = Fixture.only(ops, Op.Write.class);
        assertEquals(1, writes.size(), "writes: " + writes);
        assertEquals(3_000_000 / Fixture.BLOCK * Fixture.BLOCK, writes.get(0).offset());
        assertEquals(Fixture.BLOCK, writes.get(0).data().length);
        assertTrue(Fixture.only(ops, Op.Create.class).isEmpty(), "changed in place, not sent again");
        assertEquals(1, Fixture.only(ops, Op.SetTimes.class).size());
        f.assertMirrored();
    }

    @Test
    void aShrunkFileIsTruncatedAndAGrownOneSendsOnlyTheNewBlocks() throws Exception {
        byte[] data = Trees.random(10 * Fixture.BLOCK, 3);
        Path file = f.write("f", data);
        f.start().scan();

        Files.write(file, java.util.Arrays.copyOf(data, 4 * Fixture.BLOCK + 100));
        List<Op> shrink = f.scan();
        assertEquals(List.of(new Op.Truncate(RelPath.of("f"), 4 * Fixture.BLOCK + 100)),
                Fixture.only(shrink, Op.Truncate.class));
        // the last, now partial, block differs from the full block the snapshot has
        assertEquals(1, Fixture.only(shrink, Op.Write.class).size());
        f.assertMirrored();

        byte[] grown = java.util.Arrays.copyOf(data, 6 * Fixture.BLOCK);
        Files.write(file, grown);
        List<Op.Write> writes = Fixture.only(f.scan(), Op.Write.class);
        assertEquals(List.of(4L * Fixture.BLOCK, 5L * Fixture.BLOCK), writes.stream().map(Op.Write::offset).toList());
        f.assertMirrored();
    }

    @Test
    void aDeletedSubtreeIsRemovedChildrenFirst() throws Exception {
        f.write("d/e/f1", "1".getBytes());
        f.write("d/e/f2", "2".getBytes());
        f.write("d/g", "3".getBytes());
        f.write("keep", "4".getBytes());
        f.start().scan();
        try (var walk = Files.walk(f.src.resolve("d"))) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }

        List<Op> ops = f.scan();

        List<String> removed = ops.stream().filter(op -> op instanceof Op.Unlink || op instanceof Op.Rmdir)
                .map(op -> op.path().value()).toList();
        assertEquals(5, removed.size(), "removed: " + removed);
        for (int i = 0; i < removed.size(); i++) {
            for (int j = i + 1; j < removed.size(); j++) {
                assertFalse(RelPath.of(removed.get(i)).contains(RelPath.of(removed.get(j))),
                        removed.get(i) + " removed before " + removed.get(j) + ", which is beneath it");
            }
        }
        f.assertMirrored();
    }

    @Test
    void aRenameIsSeenAsDeleteAndCreate() throws Exception {
        Path from = f.write("old-name", Trees.random(100_000, 4));
        f.start().scan();
        Files.move(from, f.src.resolve("new-name"));

        List<Op> ops = f.scan();

        assertEquals(List.of(new Op.Unlink(RelPath.of("old-name"))), Fixture.only(ops, Op.Unlink.class));
        Op.Rename rename = Fixture.only(ops, Op.Rename.class).get(0);
        assertEquals(RelPath.of("new-name"), rename.to());
        assertEquals(100_000, Fixture.only(ops, Op.Write.class).stream().mapToInt(w -> w.data().length).sum(),
                "the data travels again");
        f.assertMirrored();
    }

    @Test
    void modeOwnerAndTimeChangesAreReplicated() throws Exception {
        Path file = f.write("f", "abc".getBytes());
        Files.createDirectories(f.src.resolve("d"));
        f.start().scan();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r-----"));
        Files.setPosixFilePermissions(f.src.resolve("d"), PosixFilePermissions.fromString("rwx------"));
        Trees.touch(file, 100);
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) { // only root can give a file away
            Files.setAttribute(file, "unix:uid", 4242);
        }

        List<Op> ops = f.scan();

        assertTrue(ops.contains(new Op.SetMode(RelPath.of("f"), 0440)), ops.toString());
        if (root) {
            assertEquals(4242, Fixture.only(ops, Op.SetOwner.class).get(0).uid());
        }
        assertTrue(ops.contains(new Op.SetMode(RelPath.of("d"), 0700)), ops.toString());
        assertTrue(Fixture.only(ops, Op.Write.class).isEmpty(), "content unchanged: " + ops);
        f.assertMirrored();
    }

    @Test
    void aChangedSymlinkTargetReplacesTheLinkWithoutUnlink() throws Exception {
        Path link = Files.createSymbolicLink(f.src.resolve("l"), Path.of("one"));
        f.start().scan();
        Files.delete(link);
        Files.createSymbolicLink(link, Path.of("two"));

        List<Op> ops = f.scan();

        assertTrue(Fixture.only(ops, Op.Unlink.class).isEmpty(), ops.toString());
        assertEquals("two", Fixture.only(ops, Op.Symlink.class).get(0).target());
        f.assertMirrored();
    }

    @Test
    void excludedPathsAreNeitherSentNorEntered() throws Exception {
        f.write("cache/deep/tmp", "x".getBytes());
        f.write("cachet", "kept".getBytes());
        f.write("data/x", "y".getBytes());
        RelPath cache = RelPath.of("cache");
        f.included = p -> !cache.contains(p);

        List<Op> ops = f.start().scan();

        assertTrue(ops.stream().noneMatch(op -> cache.contains(op.path())), ops.toString());
        assertFalse(f.entered.contains("cache"), "the excluded directory is not listed: " + f.entered);
        assertTrue(Files.exists(f.mirror.resolve("cachet")));
        assertFalse(Files.exists(f.mirror.resolve("cache")));
    }

    @Test
    void aVanishedRootStopsTheScanWithAReadableReason() throws Exception {
        f.start().scan();
        Files.delete(f.src);
        Walker.RootFailure failure = assertThrows(Walker.RootFailure.class, f::scan);
        assertTrue(failure.getMessage().contains("no longer exists"), failure.getMessage());
    }

    @Test
    void theStateDirectoryInsideTheRootIsNotReplicated() throws Exception {
        Fixture inside = new Fixture(base.resolve("other"));
        Path state = inside.src.resolve(".doppel-state");
        RecordingSink sink = new RecordingSink(new MirrorApplier(inside.mirror));
        Rounds rounds = new Rounds(new io.doppel.api.capture.CaptureRequest("t", inside.src, p -> true, sink, state),
                Fixture.BLOCK, Emitter.Opener.NIO, (r, d) -> { }, Rounds.CrashPoint.NONE);
        rounds.load();
        Files.write(inside.src.resolve("a"), "1".getBytes());
        rounds.run(java.util.Set.of(""));
        rounds.run(java.util.Set.of(""));
        assertTrue(sink.ops().stream().noneMatch(op -> op.path().value().startsWith(".doppel-state")), sink.ops().toString());
        assertTrue(Files.exists(state.resolve(SnapshotStore.FILE)));
    }
}
