package io.doppel.console.internal.connect;

import java.util.Objects;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.ISchedulingRule;
import org.eclipse.core.runtime.jobs.Job;

import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerState;

/**
 * Refreshes one server off the UI thread. Refreshes of the same server run one after the other
 * (scheduling rule); a failure to reach the agent is an outcome recorded in the model, not a job
 * error, so the job ends OK and the console shows its own readable message.
 */
final class RefreshJob extends Job {

    private final Server server;
    private final ServerConnector connector;
    private final boolean quiet;
    private volatile ServerState outcome;

    /** @param quiet a periodic refresh: the server is not shown as connecting meanwhile, and no progress is shown */
    RefreshJob(Server server, ServerConnector connector, boolean quiet) {
        super((quiet ? "Refreshing the Doppel agent at " : "Connecting to the Doppel agent at ")
                + server.entry().address());
        this.server = Objects.requireNonNull(server, "server");
        this.connector = Objects.requireNonNull(connector, "connector");
        this.quiet = quiet;
        setRule(new OneServer(server));
        setSystem(quiet);
    }

    @Override
    protected IStatus run(IProgressMonitor monitor) {
        try {
            outcome = quiet ? connector.refreshQuietly(server) : connector.refreshNow(server);
            return Status.OK_STATUS;
        } catch (RuntimeException e) {
            outcome = server.state();
            return Status.error("Refreshing " + server.entry().address() + " failed inside the console", e);
        }
    }

    /** The state the refresh ended in; {@code null} until the job has run. */
    ServerState outcome() {
        return outcome;
    }

    Server server() {
        return server;
    }

    @Override
    public boolean belongsTo(Object family) {
        return family == server || family == ServerRegistry.JOB_FAMILY;
    }

    /** Serialises refreshes of one server. */
    private record OneServer(Server server) implements ISchedulingRule {

        @Override
        public boolean contains(ISchedulingRule rule) {
            return rule == this;
        }

        @Override
        public boolean isConflicting(ISchedulingRule rule) {
            return rule instanceof OneServer other && other.server == server;
        }
    }
}
