package io.doppel.console.internal.model;

import java.util.Objects;

import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;

/**
 * One job of one server, as the console tracks it: a stable handle (the same object from refresh to
 * refresh, so viewers keep their selection) with the job's latest figures and their recent history.
 */
public final class JobRef {

    private final Server server;
    private final String name;
    private final History history = new History();
    private volatile JobStatus status;

    JobRef(Server server, JobStatus status) {
        this.server = Objects.requireNonNull(server, "server");
        this.name = status.definition().name();
        this.status = status;
    }

    public Server server() {
        return server;
    }

    public String name() {
        return name;
    }

    /** The job's figures as last read; they are stale unless {@link #current()}. */
    public JobStatus status() {
        return status;
    }

    /** Whether the figures are from the server's latest successful refresh (else the server is unreachable). */
    public boolean current() {
        return server.state().snapshot() != null;
    }

    /** The job's state, or {@code null} when the server cannot be reached and so nobody knows it now. */
    public JobState state() {
        return current() ? status.state() : null;
    }

    /** Lag, throughput and queue over the last hour. */
    public History history() {
        return history;
    }

    void update(JobStatus newStatus, long atMillis) {
        status = newStatus;
        history.add(new History.Sample(atMillis, newStatus.lagMillis(), newStatus.bytesPerSecond(),
                newStatus.queuedOps()));
    }

    @Override
    public String toString() {
        return "Job[" + name + " on " + server.entry().address() + "]";
    }
}
