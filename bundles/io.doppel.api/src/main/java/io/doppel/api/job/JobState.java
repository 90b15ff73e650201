package io.doppel.api.job;

import java.util.EnumSet;
import java.util.Set;

/**
 * The named states of a replication job. Every change of state is a logged transition; a change
 * not listed in {@link #next()} is a bug, not a state.
 */
public enum JobState {
    /** Defined and saved, never started or stopped by the admin. */
    STOPPED,
    /** Connecting to the target and agreeing where to resume. */
    CONNECTING,
    /** Copying the initial baseline while live changes flow. */
    MIRRORING,
    /** Steady state: changes flow as they happen. */
    REPLICATING,
    /** Changes are captured and queued but not sent (admin's pause or a closed schedule window). */
    PAUSED,
    /** The target is unreachable; changes queue and are retried with backoff. */
    DISCONNECTED,
    /** Stopped by a failure that needs the admin; the job's last error says why. */
    ERROR,
    /**
     * The reverse direction: the source directory is being made equal to the target image (the
     * authority); nothing is captured or sent until it is done, then the job replicates again.
     */
    RESTORING;

    /** The states this one may move to. */
    public Set<JobState> next() {
        return switch (this) {
            case STOPPED -> EnumSet.of(CONNECTING, PAUSED);
            case CONNECTING -> EnumSet.of(MIRRORING, REPLICATING, RESTORING, DISCONNECTED, PAUSED, STOPPED, ERROR);
            case MIRRORING -> EnumSet.of(REPLICATING, DISCONNECTED, PAUSED, STOPPED, ERROR);
            case REPLICATING -> EnumSet.of(MIRRORING, DISCONNECTED, PAUSED, STOPPED, ERROR);
            case PAUSED -> EnumSet.of(CONNECTING, STOPPED, ERROR);
            case DISCONNECTED -> EnumSet.of(CONNECTING, PAUSED, STOPPED, ERROR);
            case ERROR -> EnumSet.of(CONNECTING, STOPPED);
            case RESTORING -> EnumSet.of(REPLICATING, DISCONNECTED, STOPPED, ERROR);
        };
    }

    public boolean canMoveTo(JobState target) {
        return next().contains(target);
    }

    /** Whether changes are being captured in this state (queued even if not sent). */
    public boolean isCapturing() {
        return this != STOPPED && this != ERROR && this != RESTORING;
    }
}
