package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;

/** A sync whose forcing runs beside the applying: what it may claim as durable, and when. */
class BackgroundSyncTest extends ApplierFixture {

    @TempDir
    Path tmp;

    @Test
    void aBackgroundSyncClaimsOnlyTheOpsBeforeItBegan() throws Exception {
        try (ImageApplier applier = ImageApplier.open(tmp.resolve("image"), tmp.resolve("state"))) {
            applyAll(applier, mkdir("d"), create("d/f"), write("d/f", 0, "one"));
            ImageApplier.SyncPoint point = applier.beginSync();
            assertEquals(3, point.seq());
            assertNull(applier.beginSync(), "one background sync at a time");
            applyAll(applier, write("d/f", 3, " two"), create("g"));
            point.force();
            applier.completeSync(point, null);
            assertEquals(5, applier.appliedSequence());
            assertEquals(3, applier.durableSequence(), "ops applied while forcing are not claimed");
            ImageApplier.SyncPoint next = applier.beginSync();
            next.force();
            applier.completeSync(next, null);
            assertEquals(5, applier.durableSequence());
            assertEquals("one two", Files.readString(tmp.resolve("image/d/f")));
        }
    }

    @Test
    void anFsyncOpWaitsForTheBackgroundSyncBeforeItCountsAsDurable() throws Exception {
        try (ImageApplier applier = ImageApplier.open(tmp.resolve("image"), tmp.resolve("state"))) {
            applyAll(applier, create("f"), write("f", 0, "data"));
            ImageApplier.SyncPoint point = applier.beginSync();
            applyAll(applier, create("g")); // retired and remembered after the detach
            Thread applying = new Thread(() -> {
                try {
                    applyAll(applier, new Op.Fsync(p("f")));
                } catch (ApplyException e) {
                    throw new AssertionError(e);
                }
            }, "applying");
            applying.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (applying.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            assertEquals(Thread.State.WAITING, applying.getState(), "the fsync op waits for the forcing");
            CompletableFuture.runAsync(() -> {
                try {
                    point.force();
                    applier.completeSync(point, null);
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            }).get(30, TimeUnit.SECONDS);
            applying.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(!applying.isAlive());
            assertEquals(4, applier.appliedSequence());
            assertEquals(4, applier.durableSequence(), "the fsync op made everything before it durable");
        }
    }
}
