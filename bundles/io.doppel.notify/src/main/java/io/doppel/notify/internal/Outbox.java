package io.doppel.notify.internal;

import java.time.Duration;

import io.doppel.api.event.Event;

/**
 * Where an {@link EventFollower} puts the events it notifies about: a bounded store that sends them
 * on the follower's thread, and decides itself when a failed part is tried again (see {@link Backoff}).
 * An outbox is used by that one thread only.
 */
interface Outbox {

    /** Keeps {@code event} to be sent (within its bounds; what does not fit is counted and told later). */
    void add(Event event);

    /** Whether nothing waits to be sent. */
    boolean isEmpty();

    /**
     * Sends what may be sent now (not what waits for a rate limit or for its next attempt after a
     * failure). Throws when a send failed now; what was not sent is kept.
     */
    void send() throws Exception;

    /** How long until something waiting may be sent (a rate limit, the next attempt after a failure). */
    Duration nextAttempt();

    /** Whether sending fails still (some receiver has failed and not yet taken a send since). */
    boolean failing();

    /** The message of the event posted when sending starts failing: what failed, where, and why. */
    String failedMessage(Exception cause);

    /** The message of the event posted when sending works again after a failure. */
    String recoveredMessage();
}
