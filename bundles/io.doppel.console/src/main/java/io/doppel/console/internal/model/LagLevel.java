package io.doppel.console.internal.model;

import java.time.Duration;

import io.doppel.api.job.JobStatus;

/**
 * How a job's lag stands against its limit: the job's own recovery point objective if it has one,
 * else the console's lag alarm preference. Green below half the limit, amber below it, red at or above.
 */
public enum LagLevel {

    /** No change applied yet, or the figures are not current. */
    UNKNOWN,
    GOOD,
    WARNING,
    ALARM;

    /**
     * @param status      the job's figures
     * @param alarmIfNone the limit for jobs without a recovery point objective
     */
    public static LagLevel of(JobStatus status, Duration alarmIfNone) {
        if (status == null || status.lagMillis() < 0) {
            return UNKNOWN;
        }
        long limit = limitMillis(status, alarmIfNone);
        long lag = status.lagMillis();
        return lag >= limit ? ALARM : lag * 2 >= limit ? WARNING : GOOD;
    }

    /** The lag limit that applies to the job, in milliseconds. */
    public static long limitMillis(JobStatus status, Duration alarmIfNone) {
        int rpo = status.definition() == null ? 0 : status.definition().rpoSeconds();
        return rpo > 0 ? rpo * 1000L : Math.max(1, alarmIfNone.toMillis());
    }
}
