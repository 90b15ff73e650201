package io.doppel.api.failover;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of one failover on the target agent. Monitoring moves between {@link #HEALTHY},
 * {@link #DEGRADED} and {@link #FAILED}; a takeover is {@link #FAILING_OVER} then
 * {@link #FAILED_OVER}; giving the identity back is {@link #FAILING_BACK}, which lasts until the
 * source has restored itself from the image, and ends in {@link #HEALTHY}.
 */
public enum FailoverState {
    /** Not monitoring (just created, or stopped by the admin). */
    STOPPED,
    /** Every monitored address answers, the source agent included. */
    HEALTHY,
    /** Some probes miss, or the source agent is down on a host that still answers: no takeover. */
    DEGRADED,
    /** The source is lost by the definition's rule (any/all addresses, misses); a manual failover waits for the admin. */
    FAILED,
    /** The takeover plan runs. */
    FAILING_OVER,
    /** The target serves the source's identity and applications from the image. */
    FAILED_OVER,
    /** The identity is released; the image waits for the source to restore itself from it. */
    FAILING_BACK;

    /** The states this one may move to. */
    public Set<FailoverState> next() {
        return switch (this) {
            case STOPPED -> EnumSet.of(HEALTHY, DEGRADED, FAILED, FAILING_OVER);
            case HEALTHY, DEGRADED -> EnumSet.of(STOPPED, HEALTHY, DEGRADED, FAILED, FAILING_OVER);
            case FAILED -> EnumSet.of(STOPPED, HEALTHY, DEGRADED, FAILING_OVER);
            case FAILING_OVER -> EnumSet.of(FAILED_OVER, FAILED);
            case FAILED_OVER -> EnumSet.of(FAILING_BACK);
            case FAILING_BACK -> EnumSet.of(HEALTHY, FAILED_OVER);
        };
    }

    public boolean canMoveTo(FailoverState next) {
        return next().contains(next);
    }

    /** Whether the target holds (or is taking, or giving back) the source's identity. */
    public boolean serving() {
        return this == FAILING_OVER || this == FAILED_OVER || this == FAILING_BACK;
    }
}
