package io.doppel.engine.internal.source;

/**
 * Wall-clock time that does not jump: the wall clock as it read when the agent started, advanced
 * by the monotonic clock since. An op's capture time and the moment the target acknowledged it are
 * both read here, so a lag or an exposure stays true when the system clock is stepped (by NTP or an
 * admin) between the two; a step is only taken in at the agent's next start. Capture times are
 * kept in the journal in these microseconds, and a restart meets them again on a clock anchored
 * anew, close to the one that wrote them.
 */
final class SteadyClock {

    private static final long WALL_AT_START_MICROS;
    private static final long NANOS_AT_START;

    static {
        java.time.Instant now = java.time.Instant.now();
        NANOS_AT_START = System.nanoTime();
        WALL_AT_START_MICROS = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private SteadyClock() {
    }

    /** Microseconds since the epoch, on the clock described above. */
    static long nowMicros() {
        return WALL_AT_START_MICROS + (System.nanoTime() - NANOS_AT_START) / 1000;
    }
}
