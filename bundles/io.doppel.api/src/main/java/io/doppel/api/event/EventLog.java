package io.doppel.api.event;

import java.time.Duration;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The agent's event log, an OSGi service: every state change, mirror, verification, restore, error
 * and security refusal is posted here; it is kept on disk (rotating, bounded) and read by queries,
 * which can also wait for the next events (a live stream for the console and {@code doppel events
 * --follow}).
 */
@ProviderType
public interface EventLog {

    /** Records an event now and returns it (with its id). Never throws for a full or failing disk: it logs that. */
    Event post(Severity severity, String job, String code, String message);

    /**
     * The events that match, oldest first. If none match yet and {@code wait} is positive, waits up
     * to that long for one to be posted.
     */
    List<Event> query(EventQuery query, Duration wait) throws InterruptedException;
}
