package io.doppel.notify.internal;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a bound; fails saying what was awaited and what was seen. */
final class Await {

    private Await() {
    }

    static void until(Duration timeout, String what, BooleanSupplier condition, Supplier<String> seen)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what + "; seen: " + seen.get());
            }
            Thread.sleep(20); // polling interval of the condition, not a synchronisation
        }
    }
}
