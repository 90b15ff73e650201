package io.doppel.engine.internal.source;

import java.util.function.LongSupplier;

/**
 * Paces a sender to a rate in bytes per second, with a burst of one second's worth. The rate can
 * change at any time (a schedule moving to another window, an admin changing the limit).
 */
final class TokenBucket {

    private final LongSupplier nanoClock;
    private long rate = BandwidthSchedule.UNLIMITED;
    private double tokens;
    private long last;

    TokenBucket(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.last = nanoClock.getAsLong();
    }

    synchronized void rate(long bytesPerSecond) {
        refill();
        if (bytesPerSecond != rate) {
            rate = bytesPerSecond;
            tokens = Math.min(tokens, capacity());
        }
    }

    synchronized long rate() {
        return rate;
    }

    /**
     * Takes {@code bytes} tokens if they are there (possibly driving the balance negative for a batch
     * larger than the burst) and returns 0, or returns how many nanoseconds to wait before asking again.
     */
    synchronized long take(long bytes) {
        if (rate == BandwidthSchedule.UNLIMITED) {
            return 0;
        }
        refill();
        if (tokens >= Math.min(bytes, capacity())) {
            tokens -= bytes;
            return 0;
        }
        double missing = Math.min(bytes, capacity()) - tokens;
        return Math.max(1, (long) (missing * 1e9 / rate));
    }

    private double capacity() {
        return rate == BandwidthSchedule.UNLIMITED ? Double.MAX_VALUE : rate;
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        if (rate != BandwidthSchedule.UNLIMITED) {
            tokens = Math.min(capacity(), tokens + (now - last) * (double) rate / 1e9);
        }
        last = now;
    }
}
