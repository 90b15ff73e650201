package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

import io.doppel.agent.AgentHome;
import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.ReplicationEngine;
import io.doppel.engine.ReplicationException;
import io.doppel.engine.internal.codec.OpCodec;
import io.doppel.engine.internal.codec.SequencedOp;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.source.JobManager;
import io.doppel.testing.Services;

/**
 * The engine in a real framework, replicating from this agent to itself over real MINA sockets with
 * mutual TLS: the agent is both source and target, paired with itself.
 */
class ReplicationLoopbackTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static AgentHome home;
    private static JobManager jobs;
    private static ReplicationEngine engine;
    private static PeerStore peers;
    private static String target;

    @BeforeAll
    static void pairWithItself() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(ReplicationLoopbackTest.class).getBundleContext();
        home = Services.await(context, AgentHome.class, WAIT);
        jobs = Services.await(context, JobManager.class, WAIT);
        engine = Services.await(context, ReplicationEngine.class, WAIT);
        peers = Services.await(context, PeerStore.class, WAIT);
        peers.trust("self", home.identity().fingerprint());
        Path endpoint = home.runDir().resolve("replication.endpoint");
        awaitCondition(WAIT, () -> Files.exists(endpoint), "the replication receiver to listen");
        target = Files.readString(endpoint).strip();
    }

    private static Path image(String name) {
        return home.root().resolve("images/self").resolve(name);
    }

    private static JobStatus job(String name) {
        return engine.jobs().stream().filter(j -> j.definition().name().equals(name)).findFirst().orElseThrow();
    }

    private static void create(String name, boolean sync) {
        jobs.create(new JobDefinition(name, "/srv/" + name, target, home.identity().fingerprint(), null, sync,
                "none", name.equals("burst") ? "none" : "max", null, name.equals("interval") ? 3600 : 0, null,
                name.equals("spill") ? 1 : 0));
        jobs.start(name);
        awaitCondition(WAIT, () -> job(name).state() == JobState.REPLICATING, name + " to replicate");
    }

    @Test
    void opsArriveInOrderAndAreAcknowledged() throws Exception {
        create("basic", false);
        RelPath f = RelPath.of("dir/file.txt");
        engine.capture("basic", new Op.Mkdir(RelPath.of("dir"), 0755, -1, -1));
        engine.capture("basic", new Op.Create(f, 0644, -1, -1));
        engine.capture("basic", new Op.Write(f, 0, "hello ".getBytes(StandardCharsets.UTF_8)));
        engine.capture("basic", new Op.Write(f, 6, "world".getBytes(StandardCharsets.UTF_8)));
        long last = engine.capture("basic", new Op.Rename(f, RelPath.of("dir/renamed.txt"), Op.RenameMode.REPLACE));
        awaitCondition(WAIT, () -> job("basic").ackedSeq() == last, "all ops acknowledged");
        assertEquals("hello world", Files.readString(image("basic").resolve("dir/renamed.txt")));
        assertTrue(!Files.exists(image("basic").resolve("dir/file.txt")));
        awaitCondition(WAIT, () -> job("basic").queuedOps() == 0,
                "the target to make the ops durable when the stream pauses, so the source can release them");
        assertTrue(job("basic").lagMillis() >= 0, "lag is measured");
    }

    @Test
    void aBurstFromConcurrentProducersKeepsEachFilesOrder() throws Exception {
        create("burst", false);
        int files = 4;
        int writes = 500;
        for (int i = 0; i < files; i++) {
            engine.capture("burst", new Op.Create(RelPath.of("f" + i), 0644, -1, -1));
        }
        Thread[] producers = new Thread[files];
        for (int i = 0; i < files; i++) {
            int n = i;
            producers[i] = new Thread(() -> {
                for (int w = 0; w < writes; w++) {
                    try {
                        // each write overwrites the first 4 bytes: only the last one may survive
                        engine.capture("burst", new Op.Write(RelPath.of("f" + n), 0, String.format("%04d", w)
                                .getBytes(StandardCharsets.US_ASCII)));
                    } catch (ReplicationException e) {
                        throw new AssertionError(e);
                    }
                }
            });
            producers[i].start();
        }
        for (Thread t : producers) {
            t.join();
        }
        long last = job("burst").lastSeq();
        awaitCondition(WAIT, () -> job("burst").ackedSeq() == last, "the burst to be applied");
        for (int i = 0; i < files; i++) {
            assertEquals(String.format("%04d", writes - 1), Files.readString(image("burst").resolve("f" + i)));
        }
    }

    @Test
    void aStoppedJobResumesWhereTheTargetIsAndLosesNothing() throws Exception {
        create("resume", false);
        RelPath f = RelPath.of("data.bin");
        engine.capture("resume", new Op.Create(f, 0600, -1, -1));
        byte[] expected = new byte[256 * 1024];
        new Random(5).nextBytes(expected);
        for (int off = 0; off < expected.length; off += 4096) {
            byte[] chunk = java.util.Arrays.copyOfRange(expected, off, off + 4096);
            engine.capture("resume", new Op.Write(f, off, chunk));
            if (off == 128 * 1024) {
                jobs.stop("resume");
                assertThrows(ReplicationException.class, () -> engine.capture("resume", new Op.Fsync(f)),
                        "a stopped job captures nothing");
                jobs.start("resume");
            }
        }
        long last = job("resume").lastSeq();
        awaitCondition(WAIT, () -> job("resume").ackedSeq() == last, "everything applied after the restart");
        assertArrayEquals(expected, Files.readAllBytes(image("resume").resolve("data.bin")));
    }

    @Test
    void aPausedJobKeepsCapturingAndSendsOnResume() throws Exception {
        create("paused", false);
        long before = engine.capture("paused", new Op.Mkdir(RelPath.of("a"), 0755, -1, -1));
        awaitCondition(WAIT, () -> job("paused").ackedSeq() == before, "the first op applied");
        jobs.pause("paused");
        assertEquals(JobState.PAUSED, job("paused").state());
        long queued = engine.capture("paused", new Op.Mkdir(RelPath.of("a/b"), 0755, -1, -1));
        assertEquals(before, job("paused").ackedSeq(), "nothing is sent while paused");
        assertEquals(queued, job("paused").lastSeq());
        jobs.start("paused");
        awaitCondition(WAIT, () -> job("paused").ackedSeq() == queued, "the queued op sent after resuming");
        assertTrue(Files.isDirectory(image("paused").resolve("a/b")));
    }

    @Test
    void aBurstBeyondTheMemoryBudgetSpillsToDiskAndArrivesWhole() throws Exception {
        create("spill", false); // 1 MiB of the queue in memory
        jobs.pause("spill");
        RelPath f = RelPath.of("burst.bin");
        engine.capture("spill", new Op.Create(f, 0644, -1, -1));
        java.security.MessageDigest expected = java.security.MessageDigest.getInstance("SHA-256");
        Random random = new Random(9);
        byte[] chunk = new byte[256 * 1024];
        long total = 64L << 20;
        for (long off = 0; off < total; off += chunk.length) {
            random.nextBytes(chunk);
            expected.update(chunk);
            engine.capture("spill", new Op.Write(f, off, chunk.clone()));
        }
        JobStatus queued = job("spill");
        assertTrue(queued.queuedMemoryBytes() <= 1024 * 1024, "memory within the budget: " + queued.queuedMemoryBytes());
        assertTrue(queued.queuedBytes() >= total, "the burst is on disk: " + queued.queuedBytes());
        jobs.start("spill");
        long last = queued.lastSeq();
        awaitCondition(WAIT, () -> job("spill").ackedSeq() == last, "the spilled burst to be applied");
        java.security.MessageDigest actual = java.security.MessageDigest.getInstance("SHA-256");
        actual.update(Files.readAllBytes(image("spill").resolve("burst.bin")));
        assertArrayEquals(expected.digest(), actual.digest(), "the image file equals what was written");
    }

    @Test
    void manySmallContiguousWritesTravelAsFewerBytesAndArriveIdentical() throws Exception {
        jobs.create(new JobDefinition("coalesce", "/srv/coalesce", target, home.identity().fingerprint(), null, false,
                "none", "none", null, 0, null, 0));
        jobs.start("coalesce");
        awaitCondition(WAIT, () -> job("coalesce").state() == JobState.REPLICATING, "coalesce to replicate");
        jobs.pause("coalesce"); // the writes queue up, so that batches hold many of them
        RelPath f = RelPath.of("log.bin");
        engine.capture("coalesce", new Op.Create(f, 0644, -1, -1));
        byte[] expected = new byte[16_384 * 16];
        new Random(3).nextBytes(expected);
        long oneByOne = 0;
        for (int off = 0; off < expected.length; off += 16) {
            Op.Write w = new Op.Write(f, off, java.util.Arrays.copyOfRange(expected, off, off + 16));
            oneByOne += 4 + OpCodec.size(new SequencedOp(1, 0, w)); // as it would travel on its own
            engine.capture("coalesce", w);
        }
        long last = engine.capture("coalesce", new Op.Fsync(f));
        jobs.start("coalesce");
        awaitCondition(WAIT, () -> job("coalesce").ackedSeq() == last, "the writes to be applied");
        assertArrayEquals(expected, Files.readAllBytes(image("coalesce").resolve("log.bin")));
        long sent = job("coalesce").bytesSent();
        assertTrue(sent < oneByOne / 2, sent + " bytes sent for 16,384 writes that take " + oneByOne + " one by one");
        jobs.stop("coalesce");
    }

    @Test
    void oneSourceFeedsSeveralTargetsEachWithItsOwnCursor() throws Exception {
        create("fanA", false);
        create("fanB", false);
        RelPath f = RelPath.of("shared.txt");
        for (String j : new String[] {"fanA", "fanB"}) {
            engine.capture(j, new Op.Create(f, 0644, -1, -1));
            engine.capture(j, new Op.Write(f, 0, "one".getBytes(StandardCharsets.UTF_8)));
        }
        jobs.stop("fanB");
        long a = engine.capture("fanA", new Op.Write(f, 3, " two".getBytes(StandardCharsets.UTF_8)));
        awaitCondition(WAIT, () -> job("fanA").ackedSeq() == a, "the running target to follow");
        assertEquals("one two", Files.readString(image("fanA").resolve("shared.txt")));
        jobs.start("fanB");
        long b = engine.capture("fanB", new Op.Write(f, 3, " two".getBytes(StandardCharsets.UTF_8)));
        awaitCondition(WAIT, () -> job("fanB").ackedSeq() == b, "the stopped target to catch up on its own");
        assertEquals("one two", Files.readString(image("fanB").resolve("shared.txt")));
    }

    @Test
    void intervalModeSendsWhatAccumulatedOncePerInterval() throws Exception {
        create("interval", false); // one window an hour
        long first = engine.capture("interval", new Op.Mkdir(RelPath.of("d1"), 0755, -1, -1));
        awaitCondition(WAIT, () -> job("interval").ackedSeq() == first, "the first window to send");
        long second = engine.capture("interval", new Op.Mkdir(RelPath.of("d2"), 0755, -1, -1));
        assertEquals(first, job("interval").sentSeq(), "later changes wait for the next window");
        assertEquals(second, job("interval").lastSeq());
        jobs.stop("interval");
        jobs.start("interval");
        awaitCondition(WAIT, () -> job("interval").ackedSeq() == second, "a restart opens a new window");
    }

    @Test
    void synchronousCaptureCompletesWhenApplied() throws Exception {
        create("sync", true);
        CompletionStage<Long> done = engine.captureAndWait("sync", new Op.Mkdir(RelPath.of("d"), 0700, -1, -1));
        long seq = done.toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertTrue(job("sync").ackedSeq() >= seq);
        assertTrue(Files.isDirectory(image("sync").resolve("d"), LinkOption.NOFOLLOW_LINKS),
                "applied when the capture completes");
    }

    @Test
    void anOpTheTargetCannotApplyFailsTheJobAndTheSynchronousCaller() throws Exception {
        create("refused", true);
        engine.captureAndWait("refused", new Op.Symlink(RelPath.of("escape"), "/tmp", -1, -1)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        CompletionStage<Long> hostile = engine.captureAndWait("refused",
                new Op.Create(RelPath.of("escape/owned"), 0644, -1, -1));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> hostile.toCompletableFuture().get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof ReplicationException, String.valueOf(e.getCause()));
        assertTrue(e.getCause().getMessage().contains("HOSTILE"), e.getCause().getMessage());
        awaitCondition(WAIT, () -> job("refused").state() == JobState.ERROR, "the job to be in error");
        assertTrue(!Files.exists(Path.of("/tmp/owned")), "nothing written through the symlink");
    }

    @Test
    void anUntrustedTargetIsRefusedAtTheHandshake() throws IOException {
        jobs.create(new JobDefinition("untrusted", "/srv/x", target,
                "AA:".repeat(31) + "AA", null, false, "none", null, null, 0, null, 0));
        jobs.start("untrusted");
        awaitCondition(WAIT, () -> job("untrusted").state() == JobState.DISCONNECTED
                && job("untrusted").lastError() != null, "the job to report the refused target");
        assertTrue(job("untrusted").lastError().contains("TLS"), job("untrusted").lastError());
        jobs.stop("untrusted");
    }

}
