package io.doppel.console.internal.connect;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;

import org.eclipse.core.runtime.jobs.IJobChangeEvent;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.core.runtime.jobs.JobChangeAdapter;
import org.eclipse.core.runtime.preferences.InstanceScope;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerState;
import io.doppel.console.internal.model.ServerStore.StoreException;

/**
 * The console's servers and the background work on them. One per console, as an OSGi service;
 * the workbench finds it by class ({@code getService(ServerRegistry.class)}). Saved servers are
 * refreshed when it starts. A refresh that fails inside the console (a bug) ends its job with an
 * error status, which the workbench logs and reports. Connected servers are refreshed quietly every
 * few seconds (preference {@link ConsolePreferences#REFRESH_SECONDS}), failed ones less often.
 */
@Component(service = ServerRegistry.class)
public final class ServerRegistry {

    /** Family of all refresh jobs, for waiting on or cancelling them. */
    public static final Object JOB_FAMILY = ServerRegistry.class;

    /** Preference node (instance scope) under which servers are saved. */
    static final String PREFERENCE_NODE = "io.doppel.console";

    /** A server whose last attempt failed is tried again after this many refresh intervals. */
    static final int FAILED_RETRY_INTERVALS = 5;

    private final ServerModel model;
    private final ServerConnector connector;
    private final AgentCalls calls;
    private final Supplier<Duration> interval;
    private final Job poller;

    @Activate
    public ServerRegistry() {
        this(new ServerModel(new PreferenceServerStore(InstanceScope.INSTANCE.getNode(PREFERENCE_NODE).node("servers"))),
                new ManagementStatusSource(ConsolePreferences::timeout), ConsolePreferences::refreshInterval);
        refreshAll();
        poller.schedule(interval.get().toMillis());
    }

    private ServerRegistry(ServerModel model, ManagementStatusSource source, Supplier<Duration> interval) {
        this(model, source, source, interval);
    }

    ServerRegistry(ServerModel model, StatusSource source) {
        this(model, source, (entry, command, args) -> {
            throw new ConnectFailure(ConnectionState.CONSOLE_ERROR, "no agent calls in this registry", null);
        }, ConsolePreferences::refreshInterval);
    }

    ServerRegistry(ServerModel model, StatusSource source, AgentCalls calls, Supplier<Duration> interval) {
        this.model = Objects.requireNonNull(model, "model");
        this.connector = new ServerConnector(model, source);
        this.calls = Objects.requireNonNull(calls, "calls");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.poller = new Job("Refreshing Doppel agents") {
            @Override
            protected IStatus run(IProgressMonitor monitor) {
                if (monitor.isCanceled()) {
                    return Status.CANCEL_STATUS;
                }
                pollDue(Instant.now());
                schedule(ServerRegistry.this.interval.get().toMillis());
                return Status.OK_STATUS;
            }

            @Override
            public boolean belongsTo(Object family) {
                return family == JOB_FAMILY;
            }
        };
        poller.setSystem(true);
    }

    @Deactivate
    void deactivate() {
        poller.cancel();
        Job.getJobManager().cancel(JOB_FAMILY);
    }

    /** Runs commands on the agents; blocking, for jobs off the UI thread. */
    public AgentCalls calls() {
        return calls;
    }

    /**
     * Starts a quiet refresh of every server that is due: connected ones every interval, failed ones every
     * {@value #FAILED_RETRY_INTERVALS} intervals; none while a refresh of it is already queued or running.
     */
    void pollDue(Instant now) {
        Duration every = interval.get();
        for (Server server : model.servers()) {
            if (Job.getJobManager().find(server).length > 0) {
                continue;
            }
            ServerState state = server.state();
            boolean due = switch (state.connection()) {
                case CONNECTED -> true;
                case NEW, CONNECTING -> false;
                default -> !state.at().plus(every.multipliedBy(FAILED_RETRY_INTERVALS)).isAfter(now);
            };
            if (due) {
                new RefreshJob(server, connector, true).schedule();
            }
        }
    }

    public ServerModel model() {
        return model;
    }

    /**
     * Adds a server and starts connecting to it; {@code whenDone} as for {@link #refresh}.
     *
     * @throws StoreException if the list could not be saved; the server is added and connecting anyway
     */
    public Server add(ServerEntry entry, BiConsumer<Server, ServerState> whenDone) throws StoreException {
        Server server;
        try {
            server = model.add(entry);
        } catch (StoreException e) {
            model.find(entry.address()).ifPresent(added -> refresh(added, whenDone));
            throw e;
        }
        refresh(server, whenDone);
        return server;
    }

    /** Stops work on a server and forgets it. */
    public void remove(Server server) throws StoreException {
        Job.getJobManager().cancel(server);
        model.remove(server);
    }

    /**
     * Refreshes a server in the background.
     *
     * @param whenDone told the outcome, on the job's thread, unless the server was removed meanwhile;
     *                 may be {@code null}
     */
    public Job refresh(Server server, BiConsumer<Server, ServerState> whenDone) {
        RefreshJob job = new RefreshJob(server, connector, false);
        job.addJobChangeListener(new JobChangeAdapter() {
            @Override
            public void done(IJobChangeEvent event) {
                ServerState outcome = job.outcome();
                if (whenDone != null && outcome != null && model.contains(server)) {
                    whenDone.accept(server, outcome);
                }
            }
        });
        job.schedule();
        return job;
    }

    /** Refreshes every server in the background, without telling anyone the outcomes. */
    public void refreshAll() {
        model.servers().forEach(server -> refresh(server, null));
    }
}
