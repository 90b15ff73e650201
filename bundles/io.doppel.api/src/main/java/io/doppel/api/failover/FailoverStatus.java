package io.doppel.api.failover;

import java.time.Instant;
import java.util.List;

/**
 * What one failover is doing, for the CLI, the console and scripts.
 *
 * @param name        the failover
 * @param source      the source agent
 * @param image       the image served at takeover
 * @param state       the state
 * @param since       when it entered the state
 * @param reason      why it is in this state (for FAILED: what was lost; after a rolled-back takeover: the failure)
 * @param probes      each monitored address as last seen
 * @param appliedSeq  the image's last applied op (the point a takeover serves from)
 * @param step        the takeover or fail-back step running now, or {@code null}
 * @param mode        MANUAL or AUTOMATIC
 * @param sourceHead  the last op the source said it had journaled (-1: not said since this agent started); beyond
 *                    {@code appliedSeq} after a takeover, what the replica lacks (since 1.1)
 * @param behindOps   after a takeover, how many changes the source had journaled beyond the image when last heard
 *                    (since 1.1)
 */
public record FailoverStatus(String name, String source, String image, FailoverState state, Instant since,
        String reason, List<Probe> probes, long appliedSeq, String step, FailoverDefinition.Mode mode,
        long sourceHead, long behindOps) {

    /** How an address answered. */
    public enum Reach {
        /** The source agent answers. */
        AGENT,
        /** The host answers, its agent does not. */
        HOST,
        /** Nothing answers. */
        NONE,
        /** Not probed yet. */
        UNKNOWN
    }

    /**
     * One monitored address.
     *
     * @param address the address
     * @param reach   how it answered last
     * @param misses  consecutive rounds without an answer
     * @param lost    whether it counts as lost (misses reached the definition's limit)
     * @param detail  what the probes saw, for a person
     */
    public record Probe(String address, Reach reach, int misses, boolean lost, String detail) {
    }
}
