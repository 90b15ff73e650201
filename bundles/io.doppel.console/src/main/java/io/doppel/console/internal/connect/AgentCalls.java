package io.doppel.console.internal.connect;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.console.internal.model.ServerEntry;

/** Runs management commands on agents. Blocking: never call it on the UI thread. */
@FunctionalInterface
public interface AgentCalls {

    /**
     * Runs one command and returns its result.
     *
     * @throws ConnectFailure if the agent cannot be reached, or refuses the command (state
     *                        {@link io.doppel.console.internal.model.ConnectionState#AGENT_ERROR AGENT_ERROR},
     *                        with the agent's reason as the message)
     */
    JsonElement call(ServerEntry entry, String command, JsonObject args) throws ConnectFailure;
}
