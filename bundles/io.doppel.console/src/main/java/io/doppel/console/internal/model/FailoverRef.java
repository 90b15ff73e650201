package io.doppel.console.internal.model;

import java.util.Objects;

import io.doppel.api.failover.FailoverStatus;

/** One failover a server runs as a target: a stable handle with its latest status. */
public final class FailoverRef {

    private final Server server;
    private final String name;
    private volatile FailoverStatus status;

    FailoverRef(Server server, FailoverStatus status) {
        this.server = Objects.requireNonNull(server, "server");
        this.name = status.name();
        this.status = status;
    }

    public Server server() {
        return server;
    }

    public String name() {
        return name;
    }

    public FailoverStatus status() {
        return status;
    }

    /** Whether the status is from the server's latest successful refresh. */
    public boolean current() {
        return server.state().snapshot() != null;
    }

    void update(FailoverStatus newStatus) {
        status = newStatus;
    }

    @Override
    public String toString() {
        return "Failover[" + name + " on " + server.entry().address() + "]";
    }
}
