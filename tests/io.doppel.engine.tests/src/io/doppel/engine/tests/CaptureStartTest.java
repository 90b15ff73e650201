package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;

import io.doppel.agent.AgentHome;
import io.doppel.api.capture.Availability;
import io.doppel.api.capture.Capture;
import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.CaptureRequest;
import io.doppel.api.capture.Guarantees;
import io.doppel.api.capture.Interceptor;
import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.ReplicationEngine;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.source.JobManager;
import io.doppel.testing.Services;

/**
 * An interceptor hands over changes from the moment it runs, before its start returns and before
 * the job's mirror begins (a FUSE mount serves the application as soon as it exists). A job that
 * starts again after a stop must judge those changes by the mirror it is about to run: the image
 * lacks what changed while the job was stopped, so a change to it cannot travel as a plain op.
 *
 * <p>The interceptor here is a small plugin of the SPI, registered as a vendor's would be: at its
 * start it makes one change to the source directory itself and hands it over at once.
 */
class CaptureStartTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    private static BundleContext context;
    private static AgentHome home;
    private static JobManager jobs;
    private static ReplicationEngine engine;
    private static String target;
    private static Path work;
    private static ServiceRegistration<Interceptor> registration;
    /** What the interceptor does at its next start, before it returns (then forgotten). */
    private static final AtomicReference<EarlyChange> atStart = new AtomicReference<>();

    @FunctionalInterface
    interface EarlyChange {
        void make(CaptureRequest request) throws Exception;
    }

    /** Captures nothing by itself; at its start, makes and hands over what the test armed. */
    static final class EarlyInterceptor implements Interceptor {
        @Override
        public String id() {
            return "test.early";
        }

        @Override
        public Guarantees guarantees() {
            return new Guarantees(true, true, false, "hands over only what the test makes at its start");
        }

        @Override
        public Availability availability() {
            return Availability.yes();
        }

        @Override
        public Capture start(CaptureRequest request) throws CaptureException {
            EarlyChange change = atStart.getAndSet(null);
            if (change != null) {
                try {
                    change.make(request);
                } catch (Exception e) {
                    throw new CaptureException("the change at the start failed: " + e);
                }
            }
            return new Capture() {
                @Override
                public String describe() {
                    return "test.early";
                }

                @Override
                public String failure() {
                    return null;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @BeforeAll
    static void pairWithItself() throws Exception {
        context = FrameworkUtil.getBundle(CaptureStartTest.class).getBundleContext();
        home = Services.await(context, AgentHome.class, Duration.ofSeconds(30));
        jobs = Services.await(context, JobManager.class, Duration.ofSeconds(30));
        engine = Services.await(context, ReplicationEngine.class, Duration.ofSeconds(30));
        PeerStore peers = Services.await(context, PeerStore.class, Duration.ofSeconds(30));
        peers.trust("self", home.identity().fingerprint());
        Path endpoint = home.runDir().resolve("replication.endpoint");
        awaitCondition(Duration.ofSeconds(30), () -> Files.exists(endpoint), "the replication receiver to listen");
        target = Files.readString(endpoint).strip();
        work = Files.createDirectories(home.root().resolveSibling("capture-start-work"));
        registration = context.registerService(Interceptor.class, new EarlyInterceptor(), new Hashtable<>());
    }

    @AfterAll
    static void unregister() {
        if (registration != null) {
            registration.unregister();
        }
    }

    private static JobStatus job(String name) {
        return engine.jobs().stream().filter(j -> j.definition().name().equals(name)).findFirst().orElseThrow();
    }

    private static void awaitMirrored(String name, long mirrorsBefore, String what) {
        awaitCondition(WAIT, () -> {
            JobStatus s = job(name);
            if (s.state() == JobState.ERROR) {
                throw new AssertionError(what + ": the job failed: " + s.lastError());
            }
            return s.mirror() != null && !s.mirror().running() && s.mirror().startedAtMillis() > mirrorsBefore
                    && s.state() == JobState.REPLICATING && s.ackedSeq() >= s.lastSeq();
        }, what);
        assertNull(job(name).mirror().error(), what + ": the mirror failed");
    }

    /**
     * Starts the job with the interceptor armed to append {@code text} to the file {@code rel} and
     * hand the write over while it starts; returns a time before the start.
     */
    private static long startAppending(String name, Path source, String rel, String text) throws Exception {
        Path file = source.resolve(rel);
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        atStart.set(request -> {
            long at = Files.size(file);
            Files.write(file, bytes, StandardOpenOption.APPEND);
            request.sink().accept(new Op.Write(RelPath.of(rel), at, bytes));
        });
        long before = System.currentTimeMillis() - 1;
        jobs.start(name);
        assertNull(atStart.get(), "the interceptor started and made its change");
        return before;
    }

    @Test
    void aChangeHandedOverBeforeTheMirrorOfAStartBeginsWaitsForIt() throws Exception {
        String name = "early";
        Path source = Files.createDirectories(work.resolve(name));
        Files.writeString(source.resolve("kept.txt"), "there from the start\n");
        jobs.create(new JobDefinition(name, source.toString(), target, home.identity().fingerprint(), null, false,
                "test.early", "fast", null, 0, null, 0, "diff"));
        Path image = home.root().resolve("images/self").resolve(name);
        // the application appends to a file the moment capture runs, before the initial copy begins:
        // the image is empty, so the append cannot travel as a change of its own
        long before = startAppending(name, source, "kept.txt", "and more\n");
        awaitMirrored(name, before, "the initial copy");
        assertEquals("there from the start\nand more\n", Files.readString(image.resolve("kept.txt")));

        // while the job is stopped, an application makes a file: nothing captures it
        jobs.stop(name);
        Path later = source.resolve("made-while-stopped.txt");
        Files.writeString(later, "abc");
        // the application writes to it again the moment capture runs, before the mirror of the restart begins
        long restarted = startAppending(name, source, "made-while-stopped.txt", "def");
        awaitMirrored(name, restarted, "the mirror of the restart");
        assertEquals("abcdef", Files.readString(image.resolve("made-while-stopped.txt")),
                "the file made while the job was stopped, with the write made as capture began");
        assertTrue(job(name).lastError() == null, String.valueOf(job(name).lastError()));
        jobs.stop(name);
    }

    /**
     * A change the gate of the restart's mirror withholds must reach the image although the file
     * kept its size and modification time: a block rewritten in place and the time put back (as a
     * database or {@code cp -p} may do), or a time the target's copy has by chance (a write applied
     * there in the same clock tick as the application's). The mirror compares by size and time, and
     * the change that would have told the difference never travelled.
     */
    @Test
    void aChangeTheGateWithheldReachesTheImageThoughSizeAndTimeStayed() throws Exception {
        String name = "same-size";
        Path source = Files.createDirectories(work.resolve(name));
        Path file = source.resolve("db.bin");
        byte[] before = new byte[8192];
        Arrays.fill(before, (byte) 'a');
        Files.write(file, before);
        FileTime stamp = FileTime.from(Instant.parse("2024-02-29T12:00:00.123456789Z"));
        Files.setLastModifiedTime(file, stamp);
        jobs.create(new JobDefinition(name, source.toString(), target, home.identity().fingerprint(), null, false,
                "test.early", "fast", null, 0, null, 0, "diff"));
        Path image = home.root().resolve("images/self").resolve(name).resolve("db.bin");
        long first = System.currentTimeMillis() - 1;
        jobs.start(name);
        awaitMirrored(name, first, "the initial copy");
        assertArrayEquals(before, Files.readAllBytes(image));
        assertEquals(stamp, Files.getLastModifiedTime(image), "the image's copy has the source's time");

        jobs.stop(name);
        // the moment capture runs, the application rewrites the second block and puts the time back;
        // both changes are handed over, and the gate of the restart's mirror holds them back
        byte[] block = new byte[4096];
        Arrays.fill(block, (byte) 'b');
        long stampNanos = Math.addExact(Math.multiplyExact(stamp.toInstant().getEpochSecond(), 1_000_000_000L),
                stamp.toInstant().getNano());
        atStart.set(request -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(block), 4096);
            }
            Files.setLastModifiedTime(file, stamp);
            request.sink().accept(new Op.Write(RelPath.of("db.bin"), 4096, block));
            request.sink().accept(new Op.SetTimes(RelPath.of("db.bin"), Op.TIME_OMIT, stampNanos));
        });
        long restarted = System.currentTimeMillis() - 1;
        jobs.start(name);
        assertNull(atStart.get(), "the interceptor started and made its change");
        assertEquals(Files.size(file), before.length, "the file kept its size");
        assertEquals(stamp, Files.getLastModifiedTime(file), "the file kept its time");
        awaitMirrored(name, restarted, "the mirror of the restart");
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(image),
                "the image has the block rewritten as capture began");
        assertEquals(stamp, Files.getLastModifiedTime(image));
        assertTrue(job(name).lastError() == null, String.valueOf(job(name).lastError()));
        jobs.stop(name);
    }
}
