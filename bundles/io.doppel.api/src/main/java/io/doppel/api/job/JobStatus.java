package io.doppel.api.job;

/**
 * A job's live figures, as the source agent sees them.
 *
 * @param definition   what the job is
 * @param state        its state
 * @param lastSeq      the newest captured op
 * @param sentSeq      the newest op sent to the target
 * @param ackedSeq     the newest op the target acknowledged as applied
 * @param queuedOps    ops captured and not yet acknowledged
 * @param queuedBytes  bytes of those ops in the journal on disk (what the disk budget counts; the journal's
 *                     files also hold acknowledged ops until their segment goes)
 * @param queuedMemoryBytes bytes of those ops also held in memory (within the job's budget)
 * @param lagMillis    capture-to-apply time of the newest acknowledged op, or -1 if none yet
 * @param lastError    the reason of the last failure, or {@code null}
 * @param capture      how changes are captured (interceptor and what it watches), or why they are not
 * @param bytesPerSecond bytes sent to the target per second, averaged over the last few seconds
 * @param bytesSent    bytes sent to the target since the agent started (on the wire, before TLS)
 * @param mirror       the running mirror, or the last one, or {@code null} if the job never mirrored
 * @param verify       the running verification, or the last one, without its list of differences;
 *                     {@code null} if the job never verified
 * @param restore      the running restore of the source from the image, or the last one; {@code null}
 *                     if the job never restored
 */
public record JobStatus(JobDefinition definition, JobState state, long lastSeq, long sentSeq, long ackedSeq,
        long queuedOps, long queuedBytes, long queuedMemoryBytes, long lagMillis, String lastError, String capture, long bytesPerSecond,
        long bytesSent, MirrorStatus mirror, VerifyReport verify, RestoreReport restore) {

    /** The status without restore (before restoring existed). */
    public JobStatus(JobDefinition definition, JobState state, long lastSeq, long sentSeq, long ackedSeq,
            long queuedOps, long queuedBytes, long queuedMemoryBytes, long lagMillis, String lastError, String capture,
            long bytesPerSecond, long bytesSent, MirrorStatus mirror, VerifyReport verify) {
        this(definition, state, lastSeq, sentSeq, ackedSeq, queuedOps, queuedBytes, queuedMemoryBytes, lagMillis,
                lastError, capture, bytesPerSecond, bytesSent, mirror, verify, null);
    }

    /** The status without verification (before verifying existed). */
    public JobStatus(JobDefinition definition, JobState state, long lastSeq, long sentSeq, long ackedSeq,
            long queuedOps, long queuedBytes, long queuedMemoryBytes, long lagMillis, String lastError, String capture,
            long bytesPerSecond, long bytesSent, MirrorStatus mirror) {
        this(definition, state, lastSeq, sentSeq, ackedSeq, queuedOps, queuedBytes, queuedMemoryBytes, lagMillis,
                lastError, capture, bytesPerSecond, bytesSent, mirror, null);
    }

    /** The status without mirror figures (before mirroring existed). */
    public JobStatus(JobDefinition definition, JobState state, long lastSeq, long sentSeq, long ackedSeq,
            long queuedOps, long queuedBytes, long queuedMemoryBytes, long lagMillis, String lastError, String capture,
            long bytesPerSecond, long bytesSent) {
        this(definition, state, lastSeq, sentSeq, ackedSeq, queuedOps, queuedBytes, queuedMemoryBytes, lagMillis,
                lastError, capture, bytesPerSecond, bytesSent, null);
    }

    public JobSummary summary() {
        return new JobSummary(definition.name(), state, definition.target() + "/" + definition.imageName(), lastError);
    }
}
