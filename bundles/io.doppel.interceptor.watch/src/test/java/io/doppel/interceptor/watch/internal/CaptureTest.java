package io.doppel.interceptor.watch.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.CaptureRequest;

/** The running capture: its thread, the watch service, failures and closing. */
class CaptureTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path base;

    private WatchInterceptor interceptor(long rescanMillis) {
        return new WatchInterceptor(new WatchCapture.Settings(rescanMillis, Fixture.BLOCK, 50));
    }

    @Test
    void watchEventsArePickedUpWithoutWaitingForTheRescan() throws Exception {
        Fixture f = new Fixture(base);
        RecordingSink sink = new RecordingSink(new MirrorApplier(f.mirror));
        CaptureRequest request = new CaptureRequest("events", f.src, p -> true, sink, f.state);
        try (WatchCapture capture = interceptor(3_600_000).start(request, Emitter.Opener.NIO, Rounds.CrashPoint.NONE)) {
            assertEquals("watching " + f.src + " (NIO watcher, rescan every 3600 s)", capture.describe());
            Trees.awaitCondition("the first scan", WAIT, () -> capture.scans() > 0);

            f.write("later.txt", "hello".getBytes());
            Trees.awaitCondition("the new file on the mirror", WAIT, () -> Files.exists(f.mirror.resolve("later.txt")));

            // a new directory is watched as it appears: a file created in it later is seen too
            Files.createDirectories(f.src.resolve("newdir"));
            Trees.awaitCondition("the new directory", WAIT, () -> Files.isDirectory(f.mirror.resolve("newdir")));
            f.write("newdir/inner", "inside".getBytes());
            Trees.awaitCondition("the file in the new directory", WAIT,
                    () -> Files.exists(f.mirror.resolve("newdir/inner")));
            assertNull(capture.failure());
        }
    }

    @Test
    void thePeriodicRescanFindsWhatNoEventReported() throws Exception {
        Fixture f = new Fixture(base);
        f.write("seed", "1".getBytes());
        RecordingSink sink = new RecordingSink(new MirrorApplier(f.mirror));
        // an excluded-then-included change has no event of its own: flip the replication set
        boolean[] include = { false };
        CaptureRequest flipping = new CaptureRequest("rescan", f.src, p -> include[0] || !p.value().equals("quiet"),
                sink, f.state);
        f.write("quiet", "2".getBytes());
        try (WatchCapture capture = interceptor(1000).start(flipping, Emitter.Opener.NIO, Rounds.CrashPoint.NONE)) {
            Trees.awaitCondition("the first scan", WAIT, () -> Files.exists(f.mirror.resolve("seed")));
            assertFalse(Files.exists(f.mirror.resolve("quiet")));
            include[0] = true;
            Trees.awaitCondition("the rescan", WAIT, () -> Files.exists(f.mirror.resolve("quiet")));
        }
    }

    @Test
    void aDeletedRootIsAFailureWithAReason() throws Exception {
        Fixture f = new Fixture(base);
        RecordingSink sink = new RecordingSink(null);
        CaptureRequest request = new CaptureRequest("gone", f.src, p -> true, sink, f.state);
        try (WatchCapture capture = interceptor(200).start(request, Emitter.Opener.NIO, Rounds.CrashPoint.NONE)) {
            Trees.awaitCondition("the first scan", WAIT, () -> capture.scans() > 0);
            Files.delete(f.src);
            Trees.awaitCondition("the failure", WAIT, () -> capture.failure() != null);
            assertTrue(capture.failure().contains("no longer exists"), capture.failure());
            assertTrue(capture.describe().contains("stopped"), capture.describe());
            Trees.awaitCondition("the thread to end", WAIT, capture::ended);
        }
    }

    @Test
    void aStoppedJobEndsTheCaptureQuietly() throws Exception {
        Fixture f = new Fixture(base);
        f.write("x", "1".getBytes());
        RecordingSink sink = new RecordingSink(null).stop();
        CaptureRequest request = new CaptureRequest("stopped", f.src, p -> true, sink, f.state);
        try (WatchCapture capture = interceptor(200).start(request, Emitter.Opener.NIO, Rounds.CrashPoint.NONE)) {
            Trees.awaitCondition("the thread to end", WAIT, capture::ended);
            assertNull(capture.failure());
        }
    }

    @Test
    void closingStopsTheNamedThread() throws Exception {
        Fixture f = new Fixture(base);
        CaptureRequest request = new CaptureRequest("closing", f.src, p -> true, new RecordingSink(null), f.state);
        WatchCapture capture = interceptor(200).start(request, Emitter.Opener.NIO, Rounds.CrashPoint.NONE);
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("doppel-watch-closing")));
        capture.close();
        assertTrue(capture.ended());
        assertNull(capture.failure());
    }

    @Test
    void startRefusesAMissingRootWithAReason() {
        Path missing = base.resolve("missing");
        CaptureRequest request = new CaptureRequest("m", missing, p -> true, new RecordingSink(null), base.resolve("s"));
        CaptureException e = assertThrows(CaptureException.class, () -> interceptor(1000).start(request));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void theInterceptorSaysWhatItGuarantees() {
        WatchInterceptor w = interceptor(5000);
        assertEquals("watch", w.id());
        assertTrue(w.availability().available());
        assertFalse(w.guarantees().byteLevel());
        assertFalse(w.guarantees().totalOrder());
        assertFalse(w.guarantees().synchronous());
        assertTrue(w.guarantees().limitations().contains("renames are seen as delete + create"));
    }

    @Test
    void nestedDirtyPathsAreScannedOnceFromTheOutermost() {
        assertEquals(Set.of("a", "a b", "c/d"), WatchCapture.outermost(Set.of("a", "a/x", "a b", "a/x/y", "c/d", "c/d/e")));
    }
}
