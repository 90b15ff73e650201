package io.doppel.api.failover.witness;

import java.time.Duration;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A witness both agents of a pair reach: every agent that has one keeps its presence there for as
 * long as it lives (a session of the coordination engine, which expires when the agent dies or is cut
 * off); a target asks it before a takeover.
 */
@ConsumerType
public interface Witness {

    /** What the witness says of an agent. */
    enum Presence {
        /** Its session lives: the agent runs and reaches the witness. */
        ALIVE,
        /** It has no session: dead, or cut off from the witness for longer than its session lasts. */
        GONE,
        /** This agent cannot ask: it does not reach the witness (a target cut off itself, perhaps). */
        UNREACHABLE
    }

    /** Whether this agent is given a witness at all (else it answers {@link Presence#UNREACHABLE}). */
    boolean configured();

    /** For people: the engine and where it is (e.g. {@code zookeeper 10.0.0.3:2181}). */
    String describe();

    /** How long an agent's presence outlives the agent at most (its session timeout). */
    Duration sessionTimeout();

    /**
     * What the witness says of {@code agent}, waiting up to {@code wait} for an {@link Presence#ALIVE}
     * presence to go (a source that just died keeps it until its session expires).
     */
    Presence presence(String agent, Duration wait) throws InterruptedException;
}
