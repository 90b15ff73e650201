package io.doppel.engine.internal.source;

import java.util.function.LongSupplier;

/** Bytes per second over the last few seconds, in one-second buckets, plus a running total. */
final class RateMeter {

    private static final int SECONDS = 5;
    private final LongSupplier nanoClock;
    private final long[] buckets = new long[SECONDS + 1];
    private long currentSecond;
    private long total;

    RateMeter(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.currentSecond = second();
    }

    synchronized void add(long bytes) {
        advance();
        buckets[(int) (currentSecond % buckets.length)] += bytes;
        total += bytes;
    }

    /** Average over the last {@value #SECONDS} complete seconds. */
    synchronized long perSecond() {
        advance();
        long sum = 0;
        for (int i = 1; i <= SECONDS; i++) {
            sum += buckets[(int) ((currentSecond - i) % buckets.length + buckets.length) % buckets.length];
        }
        return sum / SECONDS;
    }

    synchronized long total() {
        return total;
    }

    private void advance() {
        long now = second();
        for (long s = currentSecond + 1; s <= now && s <= currentSecond + buckets.length; s++) {
            buckets[(int) (s % buckets.length)] = 0;
        }
        currentSecond = now;
    }

    private long second() {
        return Math.floorDiv(nanoClock.getAsLong(), 1_000_000_000L);
    }
}
