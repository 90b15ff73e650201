package io.doppel.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waiting for a condition instead of sleeping: polls until the condition holds and fails with a
 * description of what did not happen when the time is up.
 */
public final class Await {

    private static final long POLL_NANOS = Duration.ofMillis(20).toNanos();

    private Await() {
    }

    public static void awaitCondition(Duration timeout, BooleanSupplier condition, String description) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + description);
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.interrupted()) {
                throw new AssertionError("interrupted while waiting for: " + description);
            }
        }
    }
}
