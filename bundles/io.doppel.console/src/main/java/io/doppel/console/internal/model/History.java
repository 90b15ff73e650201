package io.doppel.console.internal.model;

import java.util.ArrayDeque;
import java.util.List;

/** A job's figures over the last hour, one sample per refresh. Thread-safe. */
public final class History {

    /** How far back samples are kept. */
    public static final long SPAN_MILLIS = 3_600_000L;
    /** Most samples kept, whatever the refresh rate. */
    static final int MAX_SAMPLES = 7_200;

    /**
     * One reading.
     *
     * @param atMillis       when (epoch ms)
     * @param lagMillis      capture-to-apply time of the newest acknowledged change, -1 if none yet
     * @param bytesPerSecond sent to the target per second
     * @param queuedOps      changes not yet acknowledged
     */
    public record Sample(long atMillis, long lagMillis, long bytesPerSecond, long queuedOps) {
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    synchronized void add(Sample sample) {
        Sample last = samples.peekLast();
        if (last != null && sample.atMillis() < last.atMillis()) {
            samples.clear(); // the clock went back: what came before no longer lines up
        }
        samples.addLast(sample);
        while (samples.size() > MAX_SAMPLES
                || samples.peekFirst().atMillis() < sample.atMillis() - SPAN_MILLIS) {
            samples.removeFirst();
        }
    }

    /** The samples, oldest first. */
    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }
}
