package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

import io.doppel.agent.AgentHome;
import io.doppel.api.event.EventLog;
import io.doppel.api.event.EventQuery;
import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.api.job.MirrorStatus;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.ReplicationEngine;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.source.JobManager;
import io.doppel.testing.Services;

/**
 * Mirroring between this agent and itself over real sockets: real trees on disk, compared with
 * rsync afterwards (content, modes, owners, times, xattrs, symlinks, hard links).
 */
class MirrorTest {

    /** Bounds every wait; a full-size run (-Ddoppel.mirror.files=100000) gets more time. */
    private static final Duration WAIT = Duration.ofSeconds(Math.max(120, Integer.getInteger("doppel.mirror.files", 3000) / 100));

    private static AgentHome home;
    private static JobManager jobs;
    private static ReplicationEngine engine;
    private static EventLog events;
    private static String target;
    private static Path work;

    @BeforeAll
    static void pairWithItself() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(MirrorTest.class).getBundleContext();
        home = Services.await(context, AgentHome.class, Duration.ofSeconds(30));
        jobs = Services.await(context, JobManager.class, Duration.ofSeconds(30));
        engine = Services.await(context, ReplicationEngine.class, Duration.ofSeconds(30));
        events = Services.await(context, EventLog.class, Duration.ofSeconds(30));
        PeerStore peers = Services.await(context, PeerStore.class, Duration.ofSeconds(30));
        peers.trust("self", home.identity().fingerprint());
        Path endpoint = home.runDir().resolve("replication.endpoint");
        awaitCondition(Duration.ofSeconds(30), () -> Files.exists(endpoint), "the replication receiver to listen");
        target = Files.readString(endpoint).strip();
        work = home.root().resolveSibling("mirror-work");
        Files.createDirectories(work);
    }

    private static Path image(String name) {
        return home.root().resolve("images/self").resolve(name);
    }

    private static JobStatus job(String name) {
        return engine.jobs().stream().filter(j -> j.definition().name().equals(name)).findFirst().orElseThrow();
    }

    /** A job without an interceptor: changes enter through the engine, as an interceptor would hand them over. */
    private static Path create(String name, String bandwidth) throws IOException {
        Path source = work.resolve(name);
        Files.createDirectories(source);
        jobs.create(new JobDefinition(name, source.toString(), target, home.identity().fingerprint(), null, false,
                "none", "fast", bandwidth, 0, null, 0, "diff"));
        return source;
    }

    private static MirrorStatus mirrorAndWait(String name, String mode, boolean checksumAll) {
        jobs.mirror(name, mode, checksumAll);
        return awaitMirror(name);
    }

    private static MirrorStatus awaitMirror(String name) {
        try {
            return awaitMirrorOnce(name);
        } catch (AssertionError e) {
            StringBuilder threads = new StringBuilder();
            Thread.getAllStackTraces().forEach((t, stack) -> {
                if (t.getName().equals("doppel-job-" + name) || t.getName().equals("doppel-mirror-" + name)) {
                    threads.append(t.getName()).append(' ').append(t.getState()).append('\n');
                    for (int i = 0; i < Math.min(12, stack.length); i++) {
                        threads.append("    ").append(stack[i]).append('\n');
                    }
                }
            });
            // the reason last: a report that shows only the end of a long message still shows it
            throw new AssertionError(threads + "status " + job(name) + "\n" + e.getMessage(), e);
        }
    }

    private static MirrorStatus awaitMirrorOnce(String name) {
        awaitCondition(WAIT, () -> {
            JobStatus s = job(name);
            if (s.state() == JobState.ERROR) {
                throw new AssertionError("job failed: " + s.lastError());
            }
            return s.mirror() != null && !s.mirror().running() && s.state() == JobState.REPLICATING;
        }, name + " to finish mirroring");
        MirrorStatus m = job(name).mirror();
        assertNull(m.error(), "the mirror failed");
        return m;
    }

    private static void awaitApplied(String name) {
        long last = job(name).lastSeq();
        awaitCondition(WAIT, () -> job(name).ackedSeq() >= last, name + " to apply op " + last);
    }

    @Test
    void aTreeIsMirroredExactlyAndADifferenceMirrorSendsOnlyWhatDiffers() throws Exception {
        Path source = create("tree", null);
        Random random = new Random(42);
        Generated.tree(source, random, 400);
        // the target holds junk the mirror must remove or replace
        Path img = image("tree");
        Files.createDirectories(img.resolve("orphan-dir/deep"));
        Files.writeString(img.resolve("orphan-dir/deep/x"), "stale");
        Files.writeString(img.resolve("orphan.txt"), "stale");
        jobs.start("tree");
        MirrorStatus full = mirrorAndWait("tree", "full", false);
        assertEquals("", Generated.rsyncDifferences(source, img, true), "the image equals the source");
        assertTrue(full.bytesSent() > 0 && full.filesDone() >= full.filesTotal() - 1, full.toString());
        long entries = 0;
        long bytes = 0;
        try (var all = Files.walk(source)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                entries++;
                var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                bytes += a.isRegularFile() ? a.size() : 0;
            }
        }
        // the count covers the source (the directory itself too); the two orphans removed count as done
        assertEquals(entries + 2, full.filesTotal(), "entries counted for progress: " + full);
        assertEquals(bytes, full.bytesTotal(), "bytes counted for progress");

        // a byte flipped in the middle of a large file, size and time kept, while no mirror ran: only
        // checksums see it. (A mirror compares the blocks of a file changed since shortly before it
        // began, as its gate may have held such a change back: the flip must be older than that.)
        Path big = Generated.largest(source);
        flipByteKeepingTime(big, Files.size(big) / 2);
        awaitChangedBefore(big, Duration.ofMillis(2_500));
        MirrorStatus quick = mirrorAndWait("tree", "diff", false);
        assertEquals(0, quick.bytesSent(), "without checksum-all, files of equal size and time are not read");
        assertTrue(!Generated.rsyncDifferences(source, img, true).isEmpty(), "the flipped byte is still different");
        MirrorStatus thorough = mirrorAndWait("tree", "diff", true);
        assertEquals("", Generated.rsyncDifferences(source, img, true));
        assertTrue(thorough.bytesSent() > 0 && thorough.bytesSent() <= 64 * 1024,
                "only the changed block travels: " + thorough.bytesSent() + " bytes");

        // attributes only the target has, on a file of equal size and time, on a directory and on the
        // image's root: a difference mirror removes them
        Path stray = img.resolve(source.relativize(big).toString());
        Path strayDir;
        try (var top = Files.list(img)) {
            strayDir = top.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().findFirst().orElseThrow();
        }
        for (Path p : List.of(stray, strayDir, img)) {
            Files.getFileAttributeView(p, UserDefinedFileAttributeView.class).write("doppel.stray",
                    ByteBuffer.wrap(new byte[] {1}));
        }
        assertTrue(!Generated.rsyncDifferences(source, img, true).isEmpty(), "the stray attribute is a difference");
        mirrorAndWait("tree", "diff", false);
        assertEquals("", Generated.rsyncDifferences(source, img, true), "the attribute only the target had is gone");
        jobs.stop("tree");
    }

    @Test
    void aMirrorRacesAWriterAndTheImageEndsEqualToTheSource() throws Exception {
        Path source = create("race", null);
        Random random = new Random(7);
        Generated.tree(source, random, Integer.getInteger("doppel.mirror.files", 3000));
        jobs.start("race");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Writer writer = new Writer("race", source, new Random(11));
        int steps = Integer.getInteger("doppel.mirror.writes", 4000);
        int[] duringMirror = new int[1];
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < steps; i++) {
                    writer.step();
                    MirrorStatus m = job("race").mirror();
                    if (m != null && m.running()) {
                        duringMirror[0]++;
                    }
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "writer");
        jobs.mirror("race", "full", false);
        t.start();
        MirrorStatus m = awaitMirror("race");
        t.join(TimeUnit.SECONDS.toMillis(120));
        if (failure.get() != null) {
            throw new AssertionError("the writer failed", failure.get());
        }
        awaitApplied("race");
        assertTrue(duringMirror[0] >= 100, "the writer raced the mirror: " + duringMirror[0] + " of " + steps
                + " changes while it ran");
        assertEquals("", Generated.rsyncDifferences(source, image("race"), false),
                "after " + writer.steps + " concurrent changes and " + m.filesDone() + " entries mirrored");
        jobs.stop("race");
    }

    @Test
    void aStoppedMirrorResumesWhereItWas() throws Exception {
        Path source = create("resume-mirror", "4MB/s");
        int files = 32;
        Generated.bigFiles(source, new Random(3), files, 1024 * 1024);
        jobs.start("resume-mirror");
        jobs.mirror("resume-mirror", "full", false);
        // the mirror runs ahead of the target by a bounded window, so at half way it is still walking
        awaitCondition(WAIT, () -> job("resume-mirror").mirror().bytesDone() >= files / 2 * 1024L * 1024, "half the mirror");
        jobs.stop("resume-mirror");
        MirrorStatus stopped = job("resume-mirror").mirror();
        assertTrue(stopped.running(), "a stopped mirror is not finished: " + stopped);
        jobs.limit("resume-mirror", null);
        jobs.start("resume-mirror");
        MirrorStatus done = awaitMirror("resume-mirror");
        assertEquals(1, done.resumed(), done.toString());
        long total = (long) files * 1024 * 1024;
        assertTrue(done.bytesSent() < total + 2L * 1024 * 1024,
                "the resumed mirror did not start over: " + done.bytesSent() + " bytes sent for " + total);
        assertEquals("", Generated.rsyncDifferences(source, image("resume-mirror"), true));
        jobs.stop("resume-mirror");
    }

    /** Writes 1 MiB of random bytes to a new file of the source and hands its create and write to the job. */
    private static void writeAndCapture(String job, Path source, RelPath rel, Random random) throws Exception {
        byte[] data = new byte[1024 * 1024];
        random.nextBytes(data);
        Files.write(source.resolve(rel.value()), data);
        engine.capture(job, new Op.Create(rel, 0644, -1, -1));
        engine.capture(job, new Op.Write(rel, 0, data));
    }

    @Test
    void aQueueBeyondItsDiskBudgetIsDroppedAndTheTargetResynchronisedByAMirror() throws Exception {
        String name = "overflow";
        Path source = work.resolve(name);
        Files.createDirectories(source);
        jobs.create(new JobDefinition(name, source.toString(), target, home.identity().fingerprint(), null, false,
                "none", "fast", null, 0, null, 0, "diff", null, 16));
        jobs.start(name);
        mirrorAndWait(name, "full", false);
        jobs.pause(name); // changes queue, nothing is sent: the journal grows
        Random random = new Random(5);
        int files = 24;
        for (int i = 0; i < files; i++) {
            writeAndCapture(name, source, RelPath.of("queued-" + i + ".bin"), random);
        }
        JobStatus paused = job(name);
        assertTrue(paused.queuedBytes() <= 16L * 1024 * 1024, "the journal stays within its budget: " + paused);
        assertTrue(paused.queuedOps() < 2L * files, "what overflowed was dropped: " + paused);
        jobs.start(name);
        awaitCondition(WAIT, () -> {
            JobStatus s = job(name);
            if (s.state() == JobState.ERROR) {
                throw new AssertionError("job failed: " + s.lastError());
            }
            return s.mirror() != null && !s.mirror().running() && s.mirror().reason().contains("disk budget")
                    && s.state() == JobState.REPLICATING;
        }, "the resynchronising mirror");
        awaitApplied(name);
        assertEquals("", Generated.rsyncDifferences(source, image(name), false), "the target has every change");
        List<String> codes = new ArrayList<>();
        events.query(new EventQuery(0, 0, null, name, 1000), Duration.ZERO).forEach(e -> codes.add(e.code()));
        assertTrue(codes.contains("queue.overflow") && codes.contains("mirror.resync"), codes.toString());
        jobs.stop(name);
    }

    @Test
    void aQueueTheTargetKeepsUpWithNeverOutgrowsItsDiskBudget() throws Exception {
        // the budget counts what the target has not acknowledged, not the journal's files: 48 MiB of
        // mirror and 48 MiB of live writes pass through a 16 MiB budget with the target keeping up
        String name = "within-budget";
        Path source = work.resolve(name);
        Files.createDirectories(source);
        Random random = new Random(8);
        Generated.bigFiles(source, random, 48, 1024 * 1024);
        jobs.create(new JobDefinition(name, source.toString(), target, home.identity().fingerprint(), null, false,
                "none", "fast", null, 0, null, 0, "full", null, 16));
        jobs.start(name);
        RelPath live = RelPath.of("live.bin");
        byte[] chunk = new byte[256 * 1024];
        Files.write(source.resolve(live.value()), new byte[0]);
        engine.capture(name, new Op.Create(live, 0644, -1, -1));
        jobs.mirror(name, "full", false);
        long offset = 0;
        for (int i = 0; i < 200 && (job(name).mirror() == null || job(name).mirror().running()); i++) {
            random.nextBytes(chunk); // changes while the mirror runs, each checked against the budget
            try (var out = java.nio.channels.FileChannel.open(source.resolve(live.value()),
                    java.nio.file.StandardOpenOption.WRITE)) {
                out.write(java.nio.ByteBuffer.wrap(chunk), offset);
            }
            engine.capture(name, new Op.Write(live, offset, chunk.clone()));
            offset = (offset + chunk.length) % (4L << 20);
            awaitApplied(name); // a target that keeps up: the writer never runs ahead of it
        }
        awaitMirror(name);
        BasicFileAttributes written = Files.readAttributes(source.resolve(live.value()), BasicFileAttributes.class);
        engine.capture(name, new Op.SetTimes(live, written.lastAccessTime().to(TimeUnit.NANOSECONDS),
                written.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
        for (int i = 0; i < 48; i++) {
            RelPath rel = RelPath.of("after-" + i + ".bin");
            writeAndCapture(name, source, rel, random);
            BasicFileAttributes a = Files.readAttributes(source.resolve(rel.value()), BasicFileAttributes.class);
            engine.capture(name, new Op.SetTimes(rel, a.lastAccessTime().to(TimeUnit.NANOSECONDS),
                    a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
            awaitApplied(name);
        }
        List<String> codes = new ArrayList<>();
        events.query(new EventQuery(0, 0, null, name, 1000), Duration.ZERO).forEach(e -> codes.add(e.code()));
        assertTrue(!codes.contains("queue.overflow"), "no overflow with the target keeping up: " + codes);
        assertEquals(JobState.REPLICATING, job(name).state(), job(name).toString());
        awaitCondition(WAIT, () -> job(name).queuedBytes() == 0, "the target to make everything durable");
        assertEquals("", Generated.rsyncDifferences(source, image(name), false), "the target has every change");
        jobs.stop(name);
    }

    @Test
    void anImageResetBehindWhatTheSourceReleasedIsResynchronisedByAMirror() throws Exception {
        Path source = create("reset", null);
        Generated.tree(source, new Random(21), 200);
        jobs.start("reset");
        mirrorAndWait("reset", "full", false);
        Files.writeString(source.resolve("live.txt"), "after the mirror");
        engine.capture("reset", new Op.Create(RelPath.of("live.txt"), 0644, -1, -1));
        engine.capture("reset", new Op.Write(RelPath.of("live.txt"), 0, "after the mirror".getBytes(StandardCharsets.UTF_8)));
        engine.capture("reset", new Op.Fsync(RelPath.ROOT)); // durable on the target: the source releases it all
        awaitCondition(WAIT, () -> job("reset").queuedOps() == 0, "the source to release every op");
        jobs.stop("reset");
        // the target loses its image and its cursor, as a restore from an old backup would leave it
        Path img = image("reset");
        io.doppel.testing.Trees.delete(img);
        try (var states = Files.list(home.root().resolve("state/images"))) {
            for (Path state : states.filter(p -> p.getFileName().toString().endsWith("-reset")).toList()) {
                io.doppel.testing.Trees.delete(state);
            }
        }
        Files.writeString(source.resolve("while-stopped.txt"), "not captured");
        jobs.start("reset");
        awaitCondition(WAIT, () -> {
            JobStatus s = job("reset");
            if (s.state() == JobState.ERROR) {
                throw new AssertionError("job failed: " + s.lastError());
            }
            return s.mirror() != null && !s.mirror().running() && s.mirror().reason().contains("was behind")
                    && s.state() == JobState.REPLICATING;
        }, "the resynchronising mirror");
        awaitApplied("reset");
        assertEquals("", Generated.rsyncDifferences(source, img, false), "the image is whole again");
        jobs.stop("reset");
    }

    /** Waits until the last change of {@code file} (its ctime) lies {@code age} in the past. */
    private static void awaitChangedBefore(Path file, Duration age) throws IOException {
        FileTime changed = (FileTime) Files.getAttribute(file, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
        awaitCondition(WAIT, () -> System.currentTimeMillis() - changed.toMillis() > age.toMillis(),
                "the change of " + file.getFileName() + " to lie " + age.toMillis() + " ms in the past");
    }

    private static void flipByteKeepingTime(Path file, long at) throws IOException {
        FileTime mtime = Files.getLastModifiedTime(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0xff);
        }
        Files.setLastModifiedTime(file, mtime);
    }

    /**
     * Changes the source as an application would, and hands each change to the engine after it
     * happened, as an interceptor does: writes, appends, creates, renames of files and directories
     * (across what the mirror has and has not reached), deletions, chmods.
     */
    @Test
    void namesMadeBesideTheEntriesADifferenceMirrorWalksAreNotLost() throws Exception {
        // every file compared block by block: between the entry it chose and the one it walked last,
        // the walk waits for the target's digests, and a writer makes names that fall right there
        Path source = create("beside", null);
        Generated.tree(source, new Random(13), Integer.getInteger("doppel.mirror.files", 3000) / 2);
        jobs.start("beside");
        mirrorAndWait("beside", "full", false);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Writer writer = new Writer("beside", source, new Random(17));
        int[] duringMirror = new int[1];
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < 20_000 && !stop.get(); i++) {
                    writer.createBeside();
                    MirrorStatus m = job("beside").mirror();
                    if (m != null && m.running()) {
                        duringMirror[0]++;
                    }
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "writer");
        jobs.mirror("beside", "diff", true);
        t.start();
        MirrorStatus m = awaitMirror("beside");
        stop.set(true);
        t.join(TimeUnit.SECONDS.toMillis(120));
        if (failure.get() != null) {
            throw new AssertionError("the writer failed", failure.get());
        }
        awaitApplied("beside");
        assertTrue(duringMirror[0] >= 50, "the writer raced the mirror: " + duringMirror[0] + " files made while it ran");
        assertEquals("", Generated.rsyncDifferences(source, image("beside"), false),
                "after " + writer.steps + " files made beside others and " + m.filesDone() + " entries mirrored");
        jobs.stop("beside");
    }

    static final class Writer {
        final String job;
        final Path root;
        final Random random;
        final ReplicationEngine to;
        final List<String> files = new ArrayList<>();
        final List<String> dirs = new ArrayList<>();
        volatile int steps;
        int serial;

        Writer(String job, Path root, Random random) throws IOException {
            this(job, root, random, engine);
        }

        Writer(String job, Path root, Random random, ReplicationEngine to) throws IOException {
            this.job = job;
            this.root = root;
            this.random = random;
            this.to = to;
            try (var walk = Files.walk(root)) {
                walk.forEach(p -> {
                    String rel = root.relativize(p).toString();
                    if (rel.isEmpty()) {
                        return;
                    }
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        dirs.add(rel);
                    } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !p.getFileName().toString().startsWith("h")
                            && linkCount(p) == 1) {
                        // writes through a second name of a file during a mirror are a known limit (docs/MIRROR.md)
                        files.add(rel);
                    }
                });
            }
        }

        private static int linkCount(Path p) {
            try {
                return (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void step() throws Exception {
            int kind = random.nextInt(100);
            if (files.isEmpty() || kind < 15) {
                createFile();
            } else if (kind < 55) {
                write();
            } else if (kind < 65) {
                renameFile();
            } else if (kind < 72) {
                unlink();
            } else if (kind < 80) {
                chmod();
            } else if (kind < 85 && dirs.size() > 3) {
                renameDir();
            } else if (kind < 90) {
                mkdir();
            } else {
                write();
            }
            steps++;
        }

        private String someDir() {
            return dirs.isEmpty() || random.nextInt(5) == 0 ? "" : dirs.get(random.nextInt(dirs.size()));
        }

        private static String join(String dir, String name) {
            return dir.isEmpty() ? name : dir + "/" + name;
        }

        private void capture(Op op) throws Exception {
            to.capture(job, op);
        }

        private void times(String rel) throws Exception {
            BasicFileAttributes a = Files.readAttributes(root.resolve(rel), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            capture(new Op.SetTimes(RelPath.of(rel), a.lastAccessTime().to(TimeUnit.NANOSECONDS),
                    a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
        }

        private void createFile() throws Exception {
            String rel = join(someDir(), "w" + (serial++) + ".dat");
            Path p = root.resolve(rel);
            Files.createFile(p);
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
            capture(new Op.Create(RelPath.of(rel), mode, -1, -1));
            byte[] data = new byte[random.nextInt(64 * 1024)];
            random.nextBytes(data);
            Files.write(p, data);
            if (data.length > 0) {
                capture(new Op.Write(RelPath.of(rel), 0, data));
            }
            times(rel);
            files.add(rel);
        }

        /**
         * Makes a file named after an existing one with a suffix, in the same directory: in the walk's
         * order it comes right after that name, often between the entry a mirror walked last and the
         * one it has chosen next.
         */
        void createBeside() throws Exception {
            String next = files.get(random.nextInt(files.size())) + "+" + (serial++);
            Path p = root.resolve(next);
            Files.createFile(p);
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
            capture(new Op.Create(RelPath.of(next), mode, -1, -1));
            byte[] data = new byte[1 + random.nextInt(4096)];
            random.nextBytes(data);
            Files.write(p, data);
            capture(new Op.Write(RelPath.of(next), 0, data));
            times(next);
            files.add(next);
            steps++;
        }

        private void write() throws Exception {
            String rel = files.get(random.nextInt(files.size()));
            Path p = root.resolve(rel);
            long size = Files.size(p);
            long at = random.nextInt(4) == 0 ? size : (long) (random.nextDouble() * (size + 1));
            byte[] data = new byte[1 + random.nextInt(random.nextBoolean() ? 100 : 64 * 1024)];
            random.nextBytes(data);
            try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b, at + b.position());
                }
            }
            capture(new Op.Write(RelPath.of(rel), at, data));
            times(rel);
        }

        private void renameFile() throws Exception {
            int i = random.nextInt(files.size());
            String from = files.get(i);
            String to = join(someDir(), "r" + (serial++) + ".dat");
            Files.move(root.resolve(from), root.resolve(to));
            capture(new Op.Rename(RelPath.of(from), RelPath.of(to), Op.RenameMode.REPLACE));
            files.set(i, to);
        }

        private void renameDir() throws Exception {
            int i = random.nextInt(dirs.size());
            String from = dirs.get(i);
            String parent = someDir();
            if (parent.equals(from) || parent.startsWith(from + "/")) {
                return;
            }
            String to = join(parent, "rd" + (serial++));
            Files.move(root.resolve(from), root.resolve(to));
            capture(new Op.Rename(RelPath.of(from), RelPath.of(to), Op.RenameMode.REPLACE));
            files.replaceAll(f -> f.startsWith(from + "/") ? to + f.substring(from.length()) : f);
            dirs.replaceAll(d -> d.equals(from) || d.startsWith(from + "/") ? to + d.substring(from.length()) : d);
        }

        private void unlink() throws Exception {
            String rel = files.remove(random.nextInt(files.size()));
            Files.delete(root.resolve(rel));
            capture(new Op.Unlink(RelPath.of(rel)));
        }

        private void chmod() throws Exception {
            String rel = files.get(random.nextInt(files.size()));
            int mode = random.nextBoolean() ? 0600 : 0644;
            Files.setPosixFilePermissions(root.resolve(rel), PosixFilePermissions.fromString(mode == 0600 ? "rw-------"
                    : "rw-r--r--"));
            capture(new Op.SetMode(RelPath.of(rel), mode));
        }

        private void mkdir() throws Exception {
            String rel = join(someDir(), "wd" + (serial++));
            Files.createDirectory(root.resolve(rel));
            int mode = (Integer) Files.getAttribute(root.resolve(rel), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
            capture(new Op.Mkdir(RelPath.of(rel), mode, -1, -1));
            dirs.add(rel);
        }
    }

    /** Generated trees and their comparison. */
    static final class Generated {

        /** A tree of about {@code files} entries: nested directories, small and large files, sparse files, hard links, symlinks, xattrs, modes. */
        static void tree(Path root, Random random, int files) throws IOException {
            List<Path> dirs = new ArrayList<>(List.of(root));
            List<Path> regular = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                int kind = random.nextInt(100);
                Path dir = dirs.get(random.nextInt(dirs.size()));
                if (kind < 10) {
                    Path d = dir.resolve("d" + i);
                    Files.createDirectory(d);
                    if (random.nextInt(10) == 0) {
                        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-x---"));
                    }
                    dirs.add(d);
                } else if (kind < 14 && !regular.isEmpty()) {
                    Files.createLink(dir.resolve("h" + i), regular.get(random.nextInt(regular.size())));
                } else if (kind < 18) {
                    Files.createSymbolicLink(dir.resolve("s" + i), Path.of(random.nextBoolean() ? "../x" + i : "f" + (i - 1)));
                } else {
                    Path f = dir.resolve("f" + i + ".bin");
                    int size = kind < 20 ? 2 * 1024 * 1024 + random.nextInt(1024 * 1024) : kind < 25 ? 0 : random.nextInt(20_000);
                    byte[] data = new byte[size];
                    random.nextBytes(data);
                    Files.write(f, data);
                    if (kind == 30) {
                        // sparse: a hole, then data
                        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
                            r.seek(64L * 1024 * 1024);
                            r.write(data, 0, Math.min(data.length, 1000));
                        }
                    }
                    if (kind % 7 == 0) {
                        UserDefinedFileAttributeView x = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
                        x.write("doppel.test", ByteBuffer.wrap(("v" + i).getBytes(StandardCharsets.UTF_8)));
                    }
                    if (kind % 9 == 0) {
                        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
                    }
                    Files.setLastModifiedTime(f, FileTime.fromMillis(1_600_000_000_000L + random.nextInt(1_000_000_000)));
                    regular.add(f);
                }
            }
            Files.createDirectories(root.resolve("empty/dir"));
        }

        static void bigFiles(Path root, Random random, int count, int size) throws IOException {
            for (int i = 0; i < count; i++) {
                byte[] data = new byte[size];
                random.nextBytes(data);
                Files.write(root.resolve(String.format("big%02d.bin", i)), data);
            }
        }

        static Path largest(Path root) throws IOException {
            try (var walk = Files.walk(root)) {
                return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).max((a, b) -> {
                    try {
                        return Long.compare(Files.size(a), Files.size(b));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).orElseThrow();
            }
        }

        /**
         * What rsync (checksums, hard links, xattrs, owners, modes, times) would change to make
         * {@code image} equal {@code source}; empty when they are equal. Directory times are
         * compared only if {@code directoryTimes}.
         */
        static String rsyncDifferences(Path source, Path image, boolean directoryTimes) throws Exception {
            Process p = new ProcessBuilder("rsync", "-aHXnci", "--delete", "--out-format=%i %n%L", source + "/",
                    image + "/").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("rsync failed: " + out);
            }
            StringBuilder diff = new StringBuilder();
            for (String line : out.split("\n")) {
                if (line.isBlank() || (!directoryTimes && line.startsWith(".d..t...... "))) {
                    continue;
                }
                diff.append(line).append('\n');
            }
            return diff.toString();
        }
    }
}
