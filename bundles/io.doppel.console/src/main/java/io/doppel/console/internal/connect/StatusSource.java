package io.doppel.console.internal.connect;

import io.doppel.console.internal.model.AgentSnapshot;
import io.doppel.console.internal.model.ServerEntry;

/** Asks an agent what it is doing. Blocking: never call it on the UI thread. */
@FunctionalInterface
public interface StatusSource {

    /**
     * Reads the agent's status, jobs, failovers and events.
     *
     * @param afterEventId only events after this one (0: the recent ones)
     */
    AgentSnapshot fetch(ServerEntry entry, long afterEventId) throws ConnectFailure;
}
