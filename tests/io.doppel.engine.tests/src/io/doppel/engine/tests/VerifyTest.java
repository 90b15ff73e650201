package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.doppel.agent.AgentHome;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.api.job.VerifyReport;
import io.doppel.engine.ReplicationEngine;
import io.doppel.engine.internal.source.JobManager;

/**
 * Verification between this agent and itself over real sockets: a mirrored tree, an image damaged
 * on purpose in every way verification knows, the report, repair with each orphan policy, and a
 * verification racing a writer that must report nothing false.
 */
class VerifyTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    private static SelfPair pair;
    private static JobManager jobs;
    private static ReplicationEngine engine;
    private static AgentHome home;

    @BeforeAll
    static void pairWithItself() throws Exception {
        pair = SelfPair.open(VerifyTest.class, "verify-work");
        jobs = pair.jobs;
        engine = pair.engine;
        home = pair.home;
    }

    private static Path image(String name) {
        return pair.image(name);
    }

    private static JobStatus job(String name) {
        return pair.job(name);
    }

    private static Path mirrored(String name, int files, long seed) throws Exception {
        return pair.mirrored(name, files, seed, WAIT);
    }

    private static VerifyReport verify(String name, boolean repair, String orphans, int ageDays) throws Exception {
        jobs.verify(name, repair, orphans, ageDays);
        VerifyReport r = jobs.verifyDone(name).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNull(r.error(), "the verification failed");
        assertEquals("done", r.phase());
        return r;
    }

    private static Map<String, VerifyReport.Difference> byPath(VerifyReport r) {
        Map<String, VerifyReport.Difference> m = new TreeMap<>();
        r.differences().forEach(d -> m.put(d.path(), d));
        return m;
    }

    @Test
    void aDamagedImageIsReportedPreciselyAndRepairedWithTheChosenOrphanPolicy() throws Exception {
        Path source = mirrored("damaged", 400, 5);
        Path img = image("damaged");
        VerifyReport clean = verify("damaged", false, "report", 0);
        assertTrue(clean.equal(), "a fresh mirror verifies equal: " + clean.differences());
        assertTrue(clean.entriesCompared() >= 400 && clean.bytesCompared() > 0, clean.toString());

        // damage the image behind the engine's back, one way per kind of difference
        Path flipped = MirrorTest.Generated.largest(img);
        String flippedRel = img.relativize(flipped).toString();
        FileTime t = Files.getLastModifiedTime(flipped);
        try (RandomAccessFile f = new RandomAccessFile(flipped.toFile(), "rw")) {
            f.seek(Files.size(flipped) / 2);
            int b = f.read();
            f.seek(Files.size(flipped) / 2);
            f.write(b ^ 1);
        }
        Files.setLastModifiedTime(flipped, t);
        String chmodRel = someFile(img, flippedRel, null);
        Files.setPosixFilePermissions(img.resolve(chmodRel), PosixFilePermissions.fromString("rwxrwxrwx"));
        String deletedRel = someFile(img, flippedRel, chmodRel);
        Files.delete(img.resolve(deletedRel));
        Files.writeString(img.resolve("old-orphan.txt"), "left behind");
        Files.setLastModifiedTime(img.resolve("old-orphan.txt"), FileTime.fromMillis(System.currentTimeMillis()
                - TimeUnit.DAYS.toMillis(30)));
        Files.writeString(img.resolve("young-orphan.txt"), "just made");
        Files.createDirectory(img.resolve("old-orphan-dir"));
        Files.writeString(img.resolve("old-orphan-dir/inside"), "x");
        Files.setLastModifiedTime(img.resolve("old-orphan-dir"), FileTime.fromMillis(0));
        String xattrRel = someFile(img, flippedRel, chmodRel, deletedRel);
        Files.getFileAttributeView(img.resolve(xattrRel), UserDefinedFileAttributeView.class)
                .write("doppel.stray", ByteBuffer.wrap("x".getBytes(StandardCharsets.UTF_8)));
        String linkRel;
        try (var walk = Files.walk(img)) {
            linkRel = img.relativize(walk.filter(Files::isSymbolicLink).sorted().findFirst().orElseThrow()).toString();
        }
        Files.delete(img.resolve(linkRel));
        Files.createSymbolicLink(img.resolve(linkRel), Path.of("elsewhere"));

        VerifyReport found = verify("damaged", false, "report", 0);
        Map<String, VerifyReport.Difference> d = byPath(found);
        assertTrue(d.get(flippedRel).details().stream().anyMatch(x -> x.startsWith("content (1 of")), d.toString());
        assertTrue(d.get(chmodRel).details().stream().anyMatch(x -> x.startsWith("mode ")), d.toString());
        assertEquals("missing", d.get(deletedRel).kind(), d.toString());
        assertEquals("extra", d.get("old-orphan.txt").kind());
        assertEquals("extra", d.get("young-orphan.txt").kind());
        assertEquals("extra", d.get("old-orphan-dir").kind());
        assertFalse(d.containsKey("old-orphan-dir/inside"), "beneath an orphan directory, nothing more is listed");
        assertTrue(d.get(xattrRel).details().contains("extended attributes"), d.toString());
        assertTrue(d.get(linkRel).details().stream().anyMatch(x -> x.startsWith("symlink target")), d.toString());
        assertEquals(3, found.extra());
        assertEquals(1, found.missing());
        assertEquals(0, found.changing());
        assertTrue(d.values().stream().allMatch(x -> "none".equals(x.action())), "compare only changes nothing");
        assertTrue(Files.exists(img.resolve("old-orphan.txt")));

        VerifyReport repaired = verify("damaged", true, "aside", 7);
        Map<String, VerifyReport.Difference> r = byPath(repaired);
        assertEquals("repaired", r.get(flippedRel).action());
        assertEquals("repaired", r.get(deletedRel).action());
        assertTrue(r.get("old-orphan.txt").action().startsWith("moved aside"), r.toString());
        assertEquals("kept (younger than 7 days)", r.get("young-orphan.txt").action());
        Path aside = home.root().resolve("images/self/.aside/damaged");
        try (var batches = Files.list(aside)) {
            Path batch = batches.findFirst().orElseThrow();
            assertEquals("left behind", Files.readString(batch.resolve("old-orphan.txt")));
            assertTrue(Files.exists(batch.resolve("old-orphan-dir/inside")));
        }
        awaitCondition(WAIT, () -> job("damaged").ackedSeq() >= job("damaged").lastSeq(), "the repair applied");

        VerifyReport after = verify("damaged", false, "report", 0);
        Map<String, VerifyReport.Difference> left = byPath(after);
        assertFalse(left.containsKey(xattrRel), "the attribute only the target had is removed: " + left.get(xattrRel));
        assertFalse(Files.getFileAttributeView(img.resolve(xattrRel), UserDefinedFileAttributeView.class).list()
                .contains("doppel.stray"));
        assertEquals(Map.of("young-orphan.txt", "extra"), Map.of(left.keySet().iterator().next(),
                left.values().iterator().next().kind()), "only the young orphan is left: " + left);
        VerifyReport deleted = verify("damaged", false, "delete", 0);
        assertEquals("deleted", byPath(deleted).get("young-orphan.txt").action());
        assertFalse(Files.exists(img.resolve("young-orphan.txt")));
        jobs.stop("damaged");
    }

    private static String someFile(Path img, String... not) throws IOException {
        try (var walk = Files.walk(img)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !p.getFileName().toString().startsWith("h"))
                    .filter(p -> {
                        try {
                            return (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS) == 1;
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(p -> img.relativize(p).toString())
                    .filter(rel -> !java.util.Arrays.asList(not).contains(rel))
                    .sorted().findFirst().orElseThrow();
        }
    }

    @Test
    void aVerificationRacingAWriterReportsNothingFalse() throws Exception {
        Path source = mirrored("busy", 2000, 8);
        MirrorTest.Writer writer = new MirrorTest.Writer("busy", source, new Random(12), engine);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int[] during = new int[1];
        jobs.verify("busy", false, "report", 0);
        var done = jobs.verifyDone("busy");
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < 20_000 && !done.isDone(); i++) {
                    writer.step();
                    during[0]++;
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "writer");
        t.start();
        VerifyReport r = done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        t.join(TimeUnit.SECONDS.toMillis(60));
        if (failure.get() != null) {
            throw new AssertionError("the writer failed", failure.get());
        }
        assertNull(r.error());
        assertTrue(during[0] >= 20, "the writer raced the verification: " + during[0] + " changes");
        assertTrue(r.equal(), "no false differences after " + during[0] + " concurrent changes: " + r.differences());
        jobs.stop("busy");
    }
}
