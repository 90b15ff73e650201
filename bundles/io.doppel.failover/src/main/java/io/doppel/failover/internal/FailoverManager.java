package io.doppel.failover.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.ComponentException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.agent.AgentHome;
import io.doppel.agent.MetricsSource;
import io.doppel.api.event.EventLog;
import io.doppel.api.event.Severity;
import io.doppel.api.failover.FailoverDefinition;
import io.doppel.api.failover.FailoverState;
import io.doppel.api.failover.FailoverStatus;
import io.doppel.api.failover.app.ApplicationFailover;
import io.doppel.api.failover.witness.Witness;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.engine.ReplicaImages;
import io.doppel.failover.internal.plan.Network;
import io.doppel.failover.internal.plan.Processes;

/**
 * The failovers of this (target) agent: defined, persisted, monitored, taken over and given back.
 * Application plugins are found on the whiteboard ({@link ApplicationFailover} services).
 */
@Component(service = {FailoverManager.class, MetricsSource.class}, immediate = true)
public final class FailoverManager implements MetricsSource {

    /** Framework property: the hosts file a host alias is written to (default {@code /etc/hosts}). */
    public static final String HOSTS_PROPERTY = "doppel.failover.hosts";
    private static final Logger LOG = LoggerFactory.getLogger(FailoverManager.class);

    private final AgentHome home;
    private final ReplicaImages images;
    private final FailoverStore store;
    private final Map<String, Failover> failovers = new ConcurrentHashMap<>();
    private final List<ApplicationFailover> applications = new CopyOnWriteArrayList<>();
    private final ThreadPoolExecutor probes;
    private final ScheduledThreadPoolExecutor ticks;
    private final Processes commands = new Processes();
    private final Network network;
    private final BiConsumer<String, String> onRestored = this::restored;
    private volatile EventLog events;
    private volatile Witness witness;

    @Activate
    public FailoverManager(BundleContext context, @Reference AgentHome home, @Reference ReplicaImages images) {
        this.home = home;
        this.images = images;
        this.store = new FailoverStore(home.area("failover"));
        String hosts = context.getProperty(HOSTS_PROPERTY);
        this.network = new Network(commands, Path.of(hosts == null || hosts.isBlank() ? "/etc/hosts" : hosts),
                (code, message) -> post(Severity.WARNING, null, code, message));
        // a thread per probe at once (every address of every failover, and beside each the host's own probes),
        // each bounded by its timeout; beyond 64 at once the caller probes itself, one after the other
        probes = new ThreadPoolExecutor(0, 64, 30, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
                named("doppel-probe-"), new ThreadPoolExecutor.CallerRunsPolicy());
        ticks = new ScheduledThreadPoolExecutor(2, named("doppel-monitor-"));
        ticks.setRemoveOnCancelPolicy(true);
        images.onRestored(onRestored);
        List<FailoverStore.Loaded> loaded;
        try {
            loaded = store.load();
        } catch (IOException e) {
            shutdown();
            throw new ComponentException(e.getMessage(), e);
        }
        for (FailoverStore.Loaded l : loaded) {
            Failover f = new Failover(l.definition(), host(l.definition().name()));
            failovers.put(f.name(), f);
            if (l.saved() != null) {
                f.resume(l.saved());
            }
        }
        LOG.info("Failover manager ready with {} failover(s)", failovers.size());
    }

    @Deactivate
    void deactivate() {
        images.removeRestoredListener(onRestored);
        failovers.values().forEach(Failover::close);
        shutdown();
    }

    private void shutdown() {
        ticks.shutdownNow();
        probes.shutdownNow();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addApplication(ApplicationFailover application) {
        applications.add(application);
    }

    void removeApplication(ApplicationFailover application) {
        applications.remove(application);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setEvents(EventLog log) {
        events = log;
    }

    void unsetEvents(EventLog log) {
        if (events == log) {
            events = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setWitness(Witness w) {
        witness = w;
    }

    void unsetWitness(Witness w) {
        if (witness == w) {
            witness = null;
        }
    }

    // --- the management operations

    public FailoverStatus create(FailoverDefinition definition) {
        definition.validate();
        synchronized (failovers) {
            if (failovers.containsKey(definition.name())) {
                throw new IllegalArgumentException("a failover named '" + definition.name() + "' exists already");
            }
            for (Failover other : failovers.values()) {
                if (other.serves(definition.source(), definition.image())) {
                    throw new IllegalArgumentException("failover '" + other.name() + "' watches image "
                            + definition.source() + "/" + definition.image() + " already");
                }
            }
            for (FailoverDefinition.Application a : definition.applications()) {
                if (application(a.plugin()) == null) {
                    throw new IllegalArgumentException("failover definition: applications: no plugin '" + a.plugin()
                            + "' is installed here (installed: " + String.join(", ", applications.stream()
                            .map(ApplicationFailover::id).sorted().toList()) + ")");
                }
            }
            store.saveDefinition(definition);
            Failover f = new Failover(definition, host(definition.name()));
            failovers.put(f.name(), f);
            store.saveState(f.name(), f.saved());
            post(Severity.INFO, f.name(), "failover.created", "failover of " + definition.source() + "/"
                    + definition.image() + " defined (" + definition.mode().name().toLowerCase() + ")");
            return f.status();
        }
    }

    public FailoverStatus delete(String name) {
        synchronized (failovers) {
            Failover f = get(name);
            if (f.state().serving()) {
                throw new IllegalStateException("failover '" + name + "' is " + f.state() + "; fail back first");
            }
            f.stopMonitoring("deleted");
            f.close();
            failovers.remove(name);
            try {
                store.delete(name);
                deleteTree(home.area("failover-work").resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove failover '" + name + "': " + e.getMessage(), e);
            }
            post(Severity.INFO, name, "failover.deleted", "failover deleted");
            return f.status();
        }
    }

    public List<FailoverStatus> list() {
        return failovers.values().stream().map(Failover::status)
                .sorted(java.util.Comparator.comparing(FailoverStatus::name)).toList();
    }

    public FailoverDefinition definition(String name) {
        return get(name).definition();
    }

    /**
     * A failover's status; with {@code waitSeconds} &gt; 0, answers at its next change of state or
     * step, or after that long.
     */
    public FailoverStatus status(String name, int waitSeconds) {
        Failover f = get(name);
        if (waitSeconds <= 0) {
            return f.status();
        }
        try {
            return f.nextChange().get(Math.min(waitSeconds, 60), TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return f.status();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return f.status();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    public FailoverStatus start(String name) {
        Failover f = get(name);
        f.startMonitoring();
        return f.status();
    }

    public FailoverStatus stop(String name) {
        Failover f = get(name);
        f.stopMonitoring("monitoring stopped by the admin");
        return f.status();
    }

    public FailoverStatus now(String name, boolean force) {
        return now(name, force, false);
    }

    /** The admin's takeover; {@code acceptLoss}: also with a replica known to be further behind than allowed. */
    public FailoverStatus now(String name, boolean force, boolean acceptLoss) {
        return get(name).takeOver(force, acceptLoss, "takeover ordered by the admin" + (force ? " (forced)" : "")
                + (acceptLoss ? " (accepting what the replica lacks)" : ""));
    }

    public FailoverStatus failBack(String name) {
        return get(name).failBack();
    }

    /** The installed application plugins: id, description, availability, settings. */
    public List<Map<String, Object>> plugins() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ApplicationFailover a : applications) {
            var availability = a.availability();
            out.add(Map.of("id", a.id(), "description", a.description(), "available", availability.available(),
                    "reason", availability.reason(), "settings", a.settings()));
        }
        out.sort(java.util.Comparator.comparing(m -> (String) m.get("id")));
        return out;
    }

    private Failover get(String name) {
        Failover f = failovers.get(name);
        if (f == null) {
            throw new NoSuchElementException("no failover named '" + name + "' (doppel failover list)");
        }
        return f;
    }

    private void restored(String source, String image) {
        failovers.values().stream().filter(f -> f.serves(source, image)).forEach(Failover::restored);
    }

    // --- metrics

    @Override
    public void writeMetrics(StringBuilder out) {
        out.append("# HELP doppel_failover_state Failover state (1 for the current state).\n");
        out.append("# TYPE doppel_failover_state gauge\n");
        for (Failover f : failovers.values()) {
            FailoverState now = f.state();
            for (FailoverState s : FailoverState.values()) {
                out.append("doppel_failover_state{failover=\"").append(MetricsSource.label(f.name()))
                        .append("\",state=\"").append(s.name()).append("\"} ").append(s == now ? 1 : 0).append('\n');
            }
        }
    }

    // --- FailoverHost, per failover

    private FailoverHost host(String name) {
        FailoverManager manager = this;
        return new FailoverHost() {
            @Override
            public ReplicaImages images() {
                return images;
            }

            @Override
            public ApplicationFailover application(String id) {
                return manager.application(id);
            }

            @Override
            public void event(Severity severity, String code, String message) {
                post(severity, name, code, message);
            }

            @Override
            public CommandRunner commands() {
                return commands;
            }

            @Override
            public Network network() {
                return network;
            }

            @Override
            public String agentName() {
                return home.identity().name();
            }

            @Override
            public Witness witness() {
                return witness;
            }

            @Override
            public Path workDirectory(String plugin) {
                Path d = home.area("failover-work").resolve(name).resolve(plugin);
                try {
                    Files.createDirectories(d);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot make the work directory " + d + ": " + e.getMessage(), e);
                }
                return d;
            }

            @Override
            public void save(Failover failover) {
                manager.save(failover);
            }

            @Override
            public ExecutorService probes() {
                return probes;
            }

            @Override
            public ScheduledExecutorService ticks() {
                return ticks;
            }
        };
    }

    ApplicationFailover application(String id) {
        return applications.stream().filter(a -> a.id().equals(id)).findFirst().orElse(null);
    }

    void save(Failover failover) {
        if (failovers.get(failover.name()) == failover) {
            store.saveState(failover.name(), failover.saved());
        }
    }

    private void post(Severity severity, String failover, String code, String message) {
        EventLog log = events;
        if (log != null) {
            log.post(severity, failover, code, message);
        } else {
            LOG.info("[{}] {} {}: {}", severity, failover, code, message);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> Thread.ofPlatform().daemon().name(prefix + n.incrementAndGet()).unstarted(r);
    }

    /** Longest a status call may wait for a change. */
    static final Duration MAX_WAIT = Duration.ofSeconds(60);
}
