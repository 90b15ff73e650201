package io.doppel.console.internal.model;

import java.util.Objects;

/**
 * One agent in the console's list: what the admin entered plus what the console last learned.
 * The state is replaced by background jobs and read by the UI thread, hence volatile; only
 * {@link ServerModel} replaces it, so listeners hear of every change.
 */
public final class Server {

    private final ServerEntry entry;
    private volatile ServerState state = ServerState.initial();

    Server(ServerEntry entry) {
        this.entry = Objects.requireNonNull(entry, "entry");
    }

    public ServerEntry entry() {
        return entry;
    }

    public ServerState state() {
        return state;
    }

    void state(ServerState newState) {
        this.state = Objects.requireNonNull(newState, "newState");
    }

    @Override
    public String toString() {
        return "Server[" + entry.address() + ", " + state.connection() + "]";
    }
}
