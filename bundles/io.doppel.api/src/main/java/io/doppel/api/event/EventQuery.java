package io.doppel.api.event;

/**
 * Which events to read.
 *
 * @param afterId     only events with a greater id (0: from the oldest kept)
 * @param sinceMillis only events at or after this time (0: any)
 * @param atLeast     only events of this severity or worse ({@code null}: any)
 * @param job         only events of this job ({@code null}: any)
 * @param limit       at most this many, the oldest first (1 .. {@link #MAX_LIMIT})
 */
public record EventQuery(long afterId, long sinceMillis, Severity atLeast, String job, int limit) {

    /** Most events one query returns. */
    public static final int MAX_LIMIT = 10_000;

    public EventQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", not " + limit);
        }
        if (afterId < 0 || sinceMillis < 0) {
            throw new IllegalArgumentException("afterId and sinceMillis must not be negative");
        }
    }

    /** Whether {@code e} is one of the events asked for (ignoring the limit). */
    public boolean matches(Event e) {
        return e.id() > afterId && e.timeMillis() >= sinceMillis
                && (atLeast == null || e.severity().compareTo(atLeast) >= 0)
                && (job == null || job.equals(e.job()));
    }
}
