package io.doppel.failover.witness.zookeeper.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.ComponentException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.agent.AgentHome;
import io.doppel.api.event.EventLog;
import io.doppel.api.event.Severity;
import io.doppel.api.failover.witness.Witness;

/**
 * The witness on a ZooKeeper ensemble. While the agent lives and reaches the ensemble it holds the
 * ephemeral node {@code /NAMESPACE/agents/NAME}; ZooKeeper removes it when the agent's session
 * expires (the agent died, or has been cut off for a session timeout). A target asks for its
 * source's node before a takeover: gone means the source is gone for the ensemble's majority too;
 * present means it lives and it is the target that lost it; no answer means the target itself is
 * cut off. The session is ZooKeeper's own client's: an expired one is replaced by a new one.
 *
 * <p>Fencing: an agent that has lost the ensemble for about a session timeout (its client heard
 * nothing for two thirds of it, then a third more passed, or the session was found expired) may
 * have been replaced by a target; it runs its fence command once (and says so in a critical
 * event), so that a server cut off from everyone stops serving what the target now serves.
 */
@Component(service = Witness.class, immediate = true, configurationPid = ZooKeeperWitness.PID)
@Designate(ocd = WitnessConfig.class)
public final class ZooKeeperWitness implements Witness {

    static final String PID = "io.doppel.failover.witness.zookeeper";
    /** Framework property set by {@code doppel-agent --witness}: the ensemble, over the configuration. */
    static final String CONNECT_PROPERTY = "doppel.witness";
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperWitness.class);
    private static final Pattern ENSEMBLE = Pattern.compile(
            "[A-Za-z0-9._\\[\\]:-]+:[0-9]{1,5}(,[A-Za-z0-9._\\[\\]:-]+:[0-9]{1,5})*");
    private static final int MAX_REGISTER_ATTEMPTS = 5;

    private final String connect;
    private final String root;
    private final String mine;
    private final Duration session;
    private final Duration connection;
    /** Connects, replaces expired sessions and holds the presence, one thing at a time. */
    private final ScheduledExecutorService worker;
    private ZooKeeper zk; // guarded by this
    private boolean connected; // guarded by this
    private boolean closed; // guarded by this
    private int generation; // guarded by this: which session's events count
    private final java.util.List<String> fence;
    private final String agentName;
    private java.util.concurrent.ScheduledFuture<?> fencing; // guarded by this: the fence waiting to run
    private boolean fenced; // guarded by this: the fence ran since the witness was last reached

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventLog events;

    @Activate
    public ZooKeeperWitness(BundleContext context, @Reference AgentHome home, WitnessConfig config) {
        String override = context.getProperty(CONNECT_PROPERTY);
        this.connect = (override != null && !override.isBlank() ? override : config.connect()).strip();
        this.session = Duration.ofMillis(Math.clamp(config.sessionTimeoutMillis(), 1000, 60_000));
        this.connection = Duration.ofMillis(Math.clamp(config.connectionTimeoutMillis(), 200, 30_000));
        String ns = config.namespace().strip().replaceAll("^/+|/+$", "");
        if (!ns.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")) {
            throw new ComponentException("witness: namespace '" + config.namespace() + "' is not a ZooKeeper path "
                    + "(letters, digits, '.', '_', '-', separated by '/')");
        }
        this.root = "/" + ns;
        this.agentName = home.identity().name();
        this.mine = path(agentName);
        String command = config.fenceCommand() == null ? "" : config.fenceCommand().strip();
        this.fence = command.isEmpty() ? java.util.List.of() : java.util.List.of(command.split("\\s+"));
        if (!fence.isEmpty() && !fence.get(0).startsWith("/")) {
            throw new ComponentException("witness: fenceCommand '" + command + "' must start with an absolute path");
        }
        if (connect.isEmpty()) {
            worker = null;
            return;
        }
        if (!ENSEMBLE.matcher(connect).matches()) {
            throw new ComponentException("witness: '" + connect + "' is not a ZooKeeper ensemble; expected "
                    + "HOST:PORT[,HOST:PORT…] (doppel-agent --witness, or " + PID + " connect)");
        }
        worker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("doppel-witness")
                .unstarted(r));
        worker.execute(this::open);
        LOG.info("witness: zookeeper {} (session {} ms), presence as {}", connect, session.toMillis(), mine);
    }

    @Deactivate
    void stop() {
        if (worker == null) {
            return;
        }
        ZooKeeper handle;
        synchronized (this) {
            closed = true;
            connected = false;
            handle = zk;
            notifyAll();
        }
        worker.shutdownNow();
        if (handle != null) {
            try {
                handle.close(); // the session ends: the presence goes at once, not after the timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean configured() {
        return worker != null;
    }

    @Override
    public String describe() {
        return worker == null ? "no witness" : "zookeeper " + connect;
    }

    @Override
    public Duration sessionTimeout() {
        return session;
    }

    @Override
    public Presence presence(String agent, Duration wait) throws InterruptedException {
        ZooKeeper handle = awaitConnected();
        if (handle == null) {
            return Presence.UNREACHABLE;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        String path = path(agent);
        while (true) {
            CountDownLatch changed = new CountDownLatch(1);
            Stat stat;
            try {
                handle.sync(path, (rc, p, ctx) -> { }, null); // the read below sees the leader's latest state
                stat = handle.exists(path, event -> changed.countDown());
            } catch (KeeperException e) {
                LOG.warn("witness {}: cannot ask for {}: {}", connect, agent, e.toString());
                return Presence.UNREACHABLE;
            }
            if (stat == null) {
                return Presence.GONE;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || !changed.await(left, TimeUnit.NANOSECONDS)) {
                return Presence.ALIVE;
            }
        }
    }

    // --- the session and the presence, on the worker thread

    private void process(WatchedEvent event, int session) {
        synchronized (this) {
            if (session != generation) {
                return; // an event of a session that was replaced
            }
        }
        if (event.getType() == Watcher.Event.EventType.NodeDeleted && mine.equals(event.getPath())) {
            submit(() -> register(0)); // removed while this session lives (by hand, say): hold it again
            return;
        }
        if (event.getType() != Watcher.Event.EventType.None) {
            return;
        }
        LOG.info("witness {}: {}", connect, event.getState());
        synchronized (this) {
            connected = event.getState() == Watcher.Event.KeeperState.SyncConnected;
            notifyAll();
        }
        switch (event.getState()) {
            case SyncConnected -> {
                reached();
                submit(() -> register(0));
            }
            case Disconnected -> lost();
            case Expired -> {
                fenceNow("the witness " + connect + " expired this agent's session: a target may have taken over");
                submit(this::open); // the ensemble dropped this session: a new one, a new presence
            }
            default -> { }
        }
    }

    /**
     * The client heard nothing from the ensemble for two thirds of the session timeout: if another
     * third passes without it, the ensemble has expired the session and the fence runs.
     */
    private synchronized void lost() {
        if (fencing != null || fenced || closed) {
            return;
        }
        long after = session.toMillis() / 3;
        try {
            fencing = worker.schedule(() -> fenceNow("this agent has not reached the witness " + connect + " for "
                    + "about a session timeout (" + session.toMillis() + " ms): its presence is gone and a target "
                    + "may take over"), after, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    private void reached() {
        boolean wasFenced;
        synchronized (this) {
            if (fencing != null) {
                fencing.cancel(false);
                fencing = null;
            }
            wasFenced = fenced;
            fenced = false;
        }
        if (wasFenced) {
            event(Severity.WARNING, "witness.reached", "this agent reaches the witness " + connect + " again; what "
                    + "its fence stopped stays stopped: if a target took over, fail back from there");
        }
    }

    /** Runs the fence once per loss of the witness. */
    private void fenceNow(String reason) {
        synchronized (this) {
            fencing = null;
            if (fenced || closed) {
                return;
            }
            fenced = true;
        }
        LOG.error("witness {}: {}; fencing", connect, reason);
        if (fence.isEmpty()) {
            event(Severity.CRITICAL, "witness.lost", reason + "; no fence command is set (" + PID + " fenceCommand)");
            return;
        }
        Thread.ofPlatform().daemon().name("doppel-witness-fence").start(() -> runFence(reason));
    }

    private void runFence(String reason) {
        java.nio.file.Path output = null;
        try {
            output = java.nio.file.Files.createTempFile("doppel-fence-", ".out");
            ProcessBuilder pb = new ProcessBuilder(fence).redirectErrorStream(true).redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("DOPPEL_AGENT", agentName);
            pb.environment().put("DOPPEL_WITNESS", connect);
            pb.environment().put("DOPPEL_FENCE_REASON", reason);
            Process p = pb.start();
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            String all = java.nio.file.Files.readString(output, StandardCharsets.UTF_8);
            byte[] out = all.substring(Math.max(0, all.length() - 1000)).getBytes(StandardCharsets.UTF_8);
            if (!ended) {
                p.destroyForcibly();
                event(Severity.CRITICAL, "witness.fence-failed", reason + "; the fence command " + fence.get(0)
                        + " did not end within 60 s and was killed");
                return;
            }
            String said = new String(out, StandardCharsets.UTF_8).strip();
            if (p.exitValue() == 0) {
                event(Severity.CRITICAL, "witness.fenced", reason + "; the fence command " + fence.get(0) + " ran"
                        + (said.isEmpty() ? "" : ": " + said));
            } else {
                event(Severity.CRITICAL, "witness.fence-failed", reason + "; the fence command " + fence.get(0)
                        + " ended with " + p.exitValue() + (said.isEmpty() ? "" : ": " + said));
            }
        } catch (IOException e) {
            event(Severity.CRITICAL, "witness.fence-failed", reason + "; the fence command " + fence.get(0)
                    + " cannot run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (output != null) {
                try {
                    java.nio.file.Files.deleteIfExists(output);
                } catch (IOException e) {
                    LOG.debug("cannot remove {}", output, e);
                }
            }
        }
    }

    private void event(Severity severity, String code, String message) {
        EventLog log = events;
        if (log != null) {
            log.post(severity, null, code, message);
        } else {
            LOG.warn("witness: {} {}", code, message);
        }
    }

    private void open() {
        ZooKeeper old;
        int session;
        synchronized (this) {
            if (closed) {
                return;
            }
            old = zk;
            zk = null;
            connected = false;
            session = ++generation;
        }
        try {
            if (old != null) {
                old.close();
            }
            ZooKeeper handle = new ZooKeeper(connect, (int) this.session.toMillis(), event -> process(event, session));
            synchronized (this) {
                if (closed) {
                    handle.close();
                    return;
                }
                zk = handle;
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.warn("witness {}: cannot start a session ({}); trying again in 1 s", connect, e.toString(), e);
            worker.schedule(this::open, 1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Holds this agent's presence; a node left by this agent's previous session (a crash) is replaced. */
    private void register(int attempt) {
        ZooKeeper handle;
        synchronized (this) {
            handle = connected ? zk : null;
        }
        if (handle == null) {
            return; // registered again when the session is back
        }
        try {
            ensure(handle, root);
            ensure(handle, root + "/agents");
            Stat stat = handle.exists(mine, false);
            if (stat != null && stat.getEphemeralOwner() != handle.getSessionId()) {
                handle.delete(mine, stat.getVersion());
                stat = null;
            }
            if (stat == null) {
                handle.create(mine, ("pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8),
                        ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            }
            handle.exists(mine, true); // NodeDeleted comes to process()
            LOG.info("witness {}: presence held as {}", connect, mine);
        } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException
                | KeeperException.BadVersionException e) {
            if (attempt < MAX_REGISTER_ATTEMPTS) {
                submit(() -> register(attempt + 1)); // raced with the previous session's expiry: again
            } else {
                LOG.warn("witness {}: cannot hold the presence {}: {}", connect, mine, e.toString());
            }
        } catch (KeeperException e) {
            LOG.warn("witness {}: cannot hold the presence {} now ({}); again when the session is back", connect,
                    mine, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void ensure(ZooKeeper handle, String path) throws KeeperException, InterruptedException {
        try {
            handle.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
            // there already
        }
    }

    private synchronized ZooKeeper awaitConnected() throws InterruptedException {
        if (worker == null) {
            return null;
        }
        long deadline = System.nanoTime() + connection.toNanos();
        while (!connected && !closed) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return null;
            }
            wait(left);
        }
        return connected ? zk : null;
    }

    private void submit(Runnable task) {
        try {
            worker.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    private String path(String agent) {
        return root + "/agents/" + agent;
    }
}
