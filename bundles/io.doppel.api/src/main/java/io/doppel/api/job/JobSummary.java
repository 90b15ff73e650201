package io.doppel.api.job;

/**
 * What a job looks like from outside, for status listings.
 *
 * @param name        the job's unique name on its source agent
 * @param state       its current state
 * @param target      where it replicates to ({@code host:port/image})
 * @param lastError   the reason for the last failure, or {@code null}
 */
public record JobSummary(String name, JobState state, String target, String lastError) {
}
