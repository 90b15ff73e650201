package io.doppel.console.internal.connect;

import io.doppel.api.agent.AgentStatus;
import io.doppel.console.internal.model.ServerEntry;

/** Asks an agent for its status. Blocking: never call it on the UI thread. */
@FunctionalInterface
public interface StatusSource {

    AgentStatus fetch(ServerEntry entry) throws ConnectFailure;
}
