package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.api.job.RestoreReport;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.testing.Trees;

/**
 * The reverse direction between this agent and itself over real sockets: a source damaged in every
 * way a restore knows, then wiped, is rebuilt from the target image by differences; what the
 * target never applied is dropped; replication resumes with the journal continuing after the
 * image's last op.
 */
class RestoreTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static SelfPair pair;

    @BeforeAll
    static void pairWithItself() throws Exception {
        pair = SelfPair.open(RestoreTest.class, "restore-work");
    }

    private static RestoreReport restore(String name, boolean checksumAll, boolean keepExtra) throws Exception {
        RestoreReport started = pair.jobs.restore(name, checksumAll, keepExtra);
        assertTrue(started.running(), started.toString());
        RestoreReport r = awaitDone(name);
        assertNull(r.error(), "the restore failed");
        assertEquals("done", r.phase(), r.toString());
        awaitCondition(WAIT, () -> {
            JobStatus s = pair.job(name);
            if (s.state() == JobState.ERROR) {
                throw new AssertionError("job failed after the restore: " + s.lastError());
            }
            return s.state() == JobState.REPLICATING;
        }, name + " to replicate again after the restore");
        return r;
    }

    private static RestoreReport awaitDone(String name) throws Exception {
        return pair.jobs.restoreDone(name).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void aDamagedThenWipedSourceIsRestoredFromTheImageAndReplicationResumes() throws Exception {
        String name = "restored";
        Path source = pair.mirrored(name, 400, 17, WAIT);
        Path img = pair.image(name);
        long contentBytes = regularBytes(img);
        assertThrows(IllegalStateException.class, () -> pair.jobs.restore(name, false, false),
                "a running job is not restored: it would capture the restore and send it back");

        // changes the target never applies: captured while paused, then the job stops
        pair.jobs.pause(name);
        Files.writeString(source.resolve("never-sent.txt"), "captured, never sent");
        pair.engine.capture(name, new Op.Create(RelPath.of("never-sent.txt"), 0644, -1, -1));
        pair.engine.capture(name, new Op.Write(RelPath.of("never-sent.txt"), 0,
                "captured, never sent".getBytes(StandardCharsets.UTF_8)));
        pair.jobs.stop(name);
        long unsent = pair.job(name).lastSeq() - pair.job(name).ackedSeq();
        assertEquals(2, unsent, "the ops the target never applied wait in the journal");

        // damage the source, one way per kind of difference
        Path largest = MirrorTest.Generated.largest(source);
        FileTime t = Files.getLastModifiedTime(largest);
        try (RandomAccessFile f = new RandomAccessFile(largest.toFile(), "rw")) {
            f.seek(Files.size(largest) / 2);
            int b = f.read();
            f.seek(Files.size(largest) / 2);
            f.write(b ^ 1); // same size and time: only content comparison finds it
        }
        Files.setLastModifiedTime(largest, t);
        Path truncated = find(source, p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && size(p) > 10_000
                && !p.equals(largest) && links(p) == 1);
        try (RandomAccessFile f = new RandomAccessFile(truncated.toFile(), "rw")) {
            f.setLength(size(truncated) / 3);
        }
        Path chmodded = find(source, p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !p.equals(truncated)
                && !p.equals(largest) && links(p) == 1);
        Files.setPosixFilePermissions(chmodded, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path subtree = find(source, p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !p.equals(source)
                && !p.startsWith(source.resolve("empty")) && !truncated.startsWith(p) && !chmodded.startsWith(p)
                && !largest.startsWith(p));
        Trees.delete(subtree);
        Path symlink = find(source, p -> Files.isSymbolicLink(p));
        Files.delete(symlink);
        Files.createSymbolicLink(symlink, Path.of("somewhere/else"));
        Path linked = find(source, p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && links(p) > 1);
        Path copy = linked.resolveSibling(linked.getFileName() + ".copy");
        Files.copy(linked, copy, StandardCopyOption.COPY_ATTRIBUTES);
        Files.move(copy, linked, StandardCopyOption.REPLACE_EXISTING); // same bytes, no longer the same file
        Path tagged = find(source, p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && hasXattr(p));
        Files.getFileAttributeView(tagged, UserDefinedFileAttributeView.class).delete("doppel.test");
        Files.writeString(source.resolve("stray.txt"), "only on the source");
        Files.createDirectories(source.resolve("stray-dir/inner"));
        assertFalse(MirrorTest.Generated.rsyncDifferences(img, source, false).isEmpty(), "the source is damaged");

        RestoreReport r = restore(name, true, false);
        assertEquals("", MirrorTest.Generated.rsyncDifferences(img, source, true),
                "the source equals the image again: " + r);
        assertFalse(Files.exists(source.resolve("never-sent.txt")), "the image is the authority");
        assertEquals(unsent, r.droppedOps(), r.toString());
        assertTrue(r.removed() >= 3 && r.created() > 0 && r.updated() >= 5, r.toString());
        assertTrue(r.bytesFetched() < contentBytes / 4,
                "only what differs travels: " + r.bytesFetched() + " of " + contentBytes + " bytes");
        List<String> codes = pair.eventCodes(name);
        assertTrue(codes.containsAll(List.of("mirror.started", "mirror.progress", "mirror.done", "restore.started",
                "job.state RESTORING",
                "restore.done", "job.state REPLICATING")), "the event log tells the story: " + codes);
        assertTrue(codes.indexOf("restore.started") < codes.indexOf("job.state RESTORING")
                && codes.indexOf("job.state RESTORING") < codes.lastIndexOf("restore.done"), codes.toString());
        long imageOp = r.imageApplied();
        assertTrue(pair.job(name).lastSeq() >= imageOp, pair.job(name).toString());

        // the normal direction: a change after the restore reaches the image, numbered after it
        Files.writeString(source.resolve("after-restore.txt"), "replicated again");
        pair.engine.capture(name, new Op.Create(RelPath.of("after-restore.txt"), 0644, -1, -1));
        pair.engine.capture(name, new Op.Write(RelPath.of("after-restore.txt"), 0,
                "replicated again".getBytes(StandardCharsets.UTF_8)));
        pair.awaitApplied(name, WAIT);
        assertEquals("replicated again", Files.readString(img.resolve("after-restore.txt")));
        assertTrue(pair.job(name).ackedSeq() > imageOp, pair.job(name).toString());

        // a wiped source: everything comes back, holes included
        pair.jobs.stop(name);
        Trees.delete(source);
        RestoreReport wiped = restore(name, false, false);
        assertEquals("", MirrorTest.Generated.rsyncDifferences(img, source, true), "the wiped source is whole: " + wiped);
        assertTrue(wiped.created() >= 400 && wiped.removed() == 0, wiped.toString());
        assertTrue(wiped.bytesFetched() <= contentBytes + 1024 * 1024, "blocks of zeros are not fetched: " + wiped);
        assertEquals(0, wiped.droppedOps());

        // keep what only the source has, when asked
        pair.jobs.stop(name);
        Files.writeString(source.resolve("keep-me.txt"), "mine");
        RestoreReport keeping = restore(name, false, true);
        assertEquals(1, keeping.kept(), keeping.toString());
        assertEquals(0, keeping.bytesFetched(), "nothing else differs: " + keeping);
        assertTrue(Files.exists(source.resolve("keep-me.txt")));
        pair.jobs.stop(name);
    }

    @Test
    void aRestoreWithoutAnImageFailsWithAReasonAndTheSourceIsUntouched() throws Exception {
        String name = "no-image";
        Path source = pair.create(name, null);
        Files.writeString(source.resolve("precious.txt"), "do not lose me");
        pair.jobs.restore(name, false, false);
        RestoreReport r = awaitDone(name);
        assertEquals("failed", r.phase(), r.toString());
        assertTrue(r.error().contains("no image"), r.error());
        assertEquals(JobState.ERROR, pair.job(name).state());
        assertTrue(pair.eventCodes(name).containsAll(List.of("restore.failed", "job.state ERROR")),
                pair.eventCodes(name).toString());
        assertTrue(pair.job(name).lastError().contains("restore failed"), pair.job(name).lastError());
        assertEquals("do not lose me", Files.readString(source.resolve("precious.txt")));
        pair.jobs.stop(name);
    }

    private static long regularBytes(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(RestoreTest::size).sum();
        }
    }

    private static Path find(Path root, Predicate<Path> what) throws IOException {
        try (var walk = Files.walk(root)) {
            List<Path> all = walk.filter(what).sorted().toList();
            if (all.isEmpty()) {
                throw new AssertionError("the generated tree has no entry of the kind the test damages");
            }
            return all.get(all.size() / 2);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int links(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean hasXattr(Path p) {
        try {
            return Files.getFileAttributeView(p, UserDefinedFileAttributeView.class).list().contains("doppel.test");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
