package io.doppel.notify.internal;

import java.time.Duration;
import java.util.function.LongSupplier;

/** When to try again after failures: after {@code first}, doubling up to {@code max}; at once when all went well. */
final class Backoff {

    private final Duration first;
    private final Duration max;
    private final LongSupplier nanos;
    private int failures;
    private long dueNanos;

    Backoff(Duration first, Duration max, LongSupplier nanos) {
        this.first = first;
        this.max = max;
        this.nanos = nanos;
    }

    void failed() {
        failures++;
        Duration delay = first.multipliedBy(1L << Math.min(failures - 1, 20));
        dueNanos = nanos.getAsLong() + (delay.compareTo(max) > 0 ? max : delay).toNanos();
    }

    void succeeded() {
        failures = 0;
    }

    boolean failing() {
        return failures > 0;
    }

    /** Zero when an attempt may be made now, else how long until it may. */
    Duration remaining() {
        return failures == 0 ? Duration.ZERO : Duration.ofNanos(Math.max(0, dueNanos - nanos.getAsLong()));
    }

    Duration max() {
        return max;
    }
}
