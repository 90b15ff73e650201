package io.doppel.api.event;

/**
 * Which events to read.
 *
 * @param afterId     only events with a greater id (0: from the oldest kept)
 * @param sinceMillis only events at or after this time (0: any)
 * @param atLeast     only events of this severity or worse ({@code null}: any)
 * @param job         only events of this job ({@code null}: any)
 * @param limit       at most this many (1 .. {@link #MAX_LIMIT}), always returned oldest first
 * @param newest      whether the limit keeps the newest of the matching events ("the last 20") rather
 *                    than the oldest ("the next 20", for reading on from {@code afterId})
 */
public record EventQuery(long afterId, long sinceMillis, Severity atLeast, String job, int limit, boolean newest) {

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

    /** The oldest {@code limit} matching events. */
    public EventQuery(long afterId, long sinceMillis, Severity atLeast, String job, int limit) {
        this(afterId, sinceMillis, atLeast, job, limit, false);
    }

    /** Whether {@code e} is one of the events asked for (ignoring the limit). */
    public boolean matches(Event e) {
        return e.id() > afterId && e.timeMillis() >= sinceMillis
                && (atLeast == null || e.severity().compareTo(atLeast) >= 0)
                && (job == null || job.equals(e.job()));
    }
}
