package io.doppel.console.internal.connect;

import java.util.Objects;
import java.util.function.BiConsumer;

import org.eclipse.core.runtime.jobs.IJobChangeEvent;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.core.runtime.jobs.JobChangeAdapter;
import org.eclipse.core.runtime.preferences.InstanceScope;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerState;
import io.doppel.console.internal.model.ServerStore.StoreException;

/**
 * The console's servers and the background work on them. One per console, as an OSGi service;
 * the workbench finds it by class ({@code getService(ServerRegistry.class)}). Saved servers are
 * refreshed when it starts. A refresh that fails inside the console (a bug) ends its job with an
 * error status, which the workbench logs and reports.
 */
@Component(service = ServerRegistry.class)
public final class ServerRegistry {

    /** Family of all refresh jobs, for waiting on or cancelling them. */
    public static final Object JOB_FAMILY = ServerRegistry.class;

    /** Preference node (instance scope) under which servers are saved. */
    static final String PREFERENCE_NODE = "io.doppel.console";

    private final ServerModel model;
    private final ServerConnector connector;

    @Activate
    public ServerRegistry() {
        this(new ServerModel(new PreferenceServerStore(InstanceScope.INSTANCE.getNode(PREFERENCE_NODE).node("servers"))),
                new ManagementStatusSource(ManagementStatusSource.DEFAULT_TIMEOUT));
        refreshAll();
    }

    ServerRegistry(ServerModel model, StatusSource source) {
        this.model = Objects.requireNonNull(model, "model");
        this.connector = new ServerConnector(model, source);
    }

    @Deactivate
    void deactivate() {
        Job.getJobManager().cancel(JOB_FAMILY);
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
        RefreshJob job = new RefreshJob(server, connector);
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
