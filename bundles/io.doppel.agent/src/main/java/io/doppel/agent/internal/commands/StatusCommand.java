package io.doppel.agent.internal.commands;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.agent.AgentHome;
import io.doppel.agent.JobCatalog;
import io.doppel.api.agent.AgentStatus;
import io.doppel.api.agent.ComponentInfo;
import io.doppel.api.job.JobSummary;
import io.doppel.management.protocol.Json;
import io.doppel.management.spi.CommandHandler;

/** {@code status}: identity, version, uptime, installed features and plugins, jobs. */
@Component(service = CommandHandler.class, property = CommandHandler.COMMAND + "=status")
public final class StatusCommand implements CommandHandler {

    private final BundleContext context;
    private final AgentHome home;
    private final Installed installed;
    private volatile JobCatalog jobs;

    @Activate
    public StatusCommand(BundleContext context, @Reference AgentHome home) {
        this.context = context;
        this.home = home;
        this.installed = new Installed(context);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setJobs(JobCatalog catalog) {
        this.jobs = catalog;
    }

    void unsetJobs(JobCatalog catalog) {
        if (this.jobs == catalog) {
            this.jobs = null;
        }
    }

    @Override
    public String name() {
        return "status";
    }

    @Override
    public String description() {
        return "Show the agent's identity, version, uptime, installed features and plugins, and jobs.";
    }

    @Override
    public JsonElement handle(JsonObject args) {
        return Json.GSON.toJsonTree(status());
    }

    AgentStatus status() {
        Instant started = home.startedAt();
        JobCatalog catalog = jobs;
        List<JobSummary> jobList = catalog == null ? List.of() : new ArrayList<>(catalog.jobSummaries());
        List<ComponentInfo> features = installed.features();
        List<ComponentInfo> plugins = installed.plugins();
        return new AgentStatus(home.identity(), context.getBundle().getVersion().toString(), hostName(), started,
                Duration.between(started, Instant.now()).toSeconds(), features, plugins, jobList);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
