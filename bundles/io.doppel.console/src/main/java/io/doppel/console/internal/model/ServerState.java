package io.doppel.console.internal.model;

import java.time.Instant;
import java.util.Objects;

import io.doppel.api.agent.AgentStatus;

/**
 * What the console last learned about one server. Immutable: a new attempt yields a new state.
 *
 * @param connection where the console stands with the agent
 * @param snapshot   what the agent last said (kept while reconnecting), or {@code null}
 * @param problem    for failed states, what went wrong in words an admin acts on; else {@code null}
 * @param at         when this state was reached
 */
public record ServerState(ConnectionState connection, AgentSnapshot snapshot, String problem, Instant at) {

    public ServerState {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(at, "at");
        if (connection.isFailure() && (problem == null || problem.isBlank())) {
            throw new IllegalArgumentException("a failed state needs a problem description");
        }
    }

    /** The agent's last known status, or {@code null}. */
    public AgentStatus status() {
        return snapshot == null ? null : snapshot.status();
    }

    /** The state of a server nobody has tried to reach yet. */
    public static ServerState initial() {
        return new ServerState(ConnectionState.NEW, null, null, Instant.now());
    }

    /** An attempt is under way; what was known before stays visible. */
    public ServerState connecting() {
        return new ServerState(ConnectionState.CONNECTING, snapshot, null, Instant.now());
    }

    public static ServerState connected(AgentStatus status) {
        return connected(AgentSnapshot.of(Objects.requireNonNull(status, "status")));
    }

    public static ServerState connected(AgentSnapshot snapshot) {
        return new ServerState(ConnectionState.CONNECTED, Objects.requireNonNull(snapshot, "snapshot"), null,
                Instant.now());
    }

    /** The attempt failed; the last known status is dropped as it can no longer be trusted. */
    public static ServerState failed(ConnectionState connection, String problem) {
        if (!connection.isFailure()) {
            throw new IllegalArgumentException(connection + " is not a failure");
        }
        return new ServerState(connection, null, problem, Instant.now());
    }
}
