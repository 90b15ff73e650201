package io.doppel.failover.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.event.Severity;
import io.doppel.api.failover.FailoverDefinition;
import io.doppel.api.failover.FailoverState;
import io.doppel.api.failover.FailoverStatus;
import io.doppel.failover.internal.monitor.Prober;
import io.doppel.failover.internal.monitor.Verdict;
import io.doppel.failover.internal.plan.Plan;
import io.doppel.failover.internal.plan.Step;
import io.doppel.failover.internal.plan.Taken;

/**
 * One failover on the target agent: an explicit state machine (see {@link FailoverState}) fed by
 * the monitor's rounds and by the admin's commands; takeovers and fail-backs run their plans on a
 * thread of their own, so monitoring and status never wait for a step.
 */
final class Failover {

    private static final Logger LOG = LoggerFactory.getLogger(Failover.class);

    private final FailoverDefinition definition;
    private final FailoverHost host;
    private final Prober prober;
    private Verdict verdict;
    private FailoverState state = FailoverState.STOPPED;
    private Instant since = Instant.now();
    private String reason = "created";
    private String step;
    private Taken taken = new Taken();
    private boolean monitoring;
    /** After an automatic takeover failed (a guard refused it, say): when to try again, and why it failed. */
    private Instant retryAt;
    private boolean staleReplica;
    private String failedTakeover;
    private ScheduledFuture<?> ticks;
    private Thread worker;
    private final List<CompletableFuture<FailoverStatus>> waiters = new ArrayList<>();

    Failover(FailoverDefinition definition, FailoverHost host) {
        this.definition = definition;
        this.host = host;
        this.prober = new Prober(definition.agentPort(), definition.hostPorts(), definition.icmp(), host.probes());
        this.verdict = newVerdict();
    }

    FailoverDefinition definition() {
        return definition;
    }

    String name() {
        return definition.name();
    }

    // --- persistence (FailoverStore)

    /** What is saved of the state, besides the definition. */
    record Saved(FailoverState state, Instant since, String reason, boolean monitoring, Taken taken) {
    }

    synchronized Saved saved() {
        return new Saved(state, since, reason, monitoring, taken);
    }

    /**
     * Takes up where the agent left off. A takeover the stop cut short is rolled back; a fail-back
     * cut short stays failed over (run it again); a failed-over target keeps serving.
     */
    void resume(Saved saved) {
        Taken cut = null;
        synchronized (this) {
            state = saved.state();
            since = saved.since();
            reason = saved.reason();
            taken = saved.taken() != null ? saved.taken() : new Taken();
            switch (state) {
                case FAILING_OVER -> cut = taken;
                case FAILING_BACK -> {
                    if (taken.applications.isEmpty() && taken.addedAddresses.isEmpty() && taken.exposedAt == null
                            && taken.hostAlias == null && taken.originalHostName == null
                            && taken.removedAddresses.isEmpty() && !taken.promoted) {
                        break; // everything was given back: the image waits for the source's restore
                    }
                    state = FailoverState.FAILED_OVER;
                    reason = "the agent stopped during the fail-back; run it again (doppel failover failback " + name()
                            + ")";
                }
                default -> { }
            }
        }
        if (cut != null) {
            host.event(Severity.ERROR, "failover.interrupted", "the agent stopped during the takeover; rolling back "
                    + "what it took");
            new Plan(stepTimeout(), listener(), this::step).undo(new java.util.ArrayDeque<>(new Steps(this, host,
                    false).undoing()));
            synchronized (this) {
                state = FailoverState.FAILED;
                reason = "the agent stopped during the takeover, which was rolled back; run it again (doppel "
                        + "failover now " + name() + ")";
                since = Instant.now();
                host.save(this);
            }
        }
        if (saved.monitoring() && !state.serving()) {
            startMonitoring();
        }
    }

    // --- monitoring

    synchronized void startMonitoring() {
        if (state.serving()) {
            throw new IllegalStateException("failover '" + name() + "' is " + state + "; monitoring resumes after the "
                    + "fail-back");
        }
        if (monitoring) {
            return;
        }
        monitoring = true;
        verdict = newVerdict();
        ticks = host.ticks().scheduleAtFixedRate(this::round, 0, definition.intervalMillis(), TimeUnit.MILLISECONDS);
        host.event(Severity.INFO, "failover.monitoring", "monitoring " + String.join(", ", definition.addresses())
                + " every " + definition.intervalMillis() + " ms, lost after " + definition.misses() + " misses ("
                + definition.trigger().name().toLowerCase() + " address), " + definition.mode().name().toLowerCase()
                + " takeover");
        host.save(this);
    }

    synchronized void stopMonitoring(String why) {
        if (ticks != null) {
            ticks.cancel(false);
            ticks = null;
        }
        if (!monitoring) {
            return;
        }
        monitoring = false;
        if (!state.serving()) {
            move(FailoverState.STOPPED, why);
        }
        host.save(this);
    }

    private Verdict newVerdict() {
        return new Verdict(definition.addresses(), definition.misses(), definition.trigger(),
                definition.agentPort() > 0);
    }

    /** One probe round: every address at once, each probe bounded so the round fits in the interval. */
    private void round() {
        int timeout = Math.max(100, definition.intervalMillis() * 45 / 100);
        Map<String, CompletableFuture<Prober.Seen>> pending = new LinkedHashMap<>();
        for (String address : definition.addresses()) {
            pending.put(address, CompletableFuture.supplyAsync(() -> prober.probe(address, timeout), host.probes()));
        }
        Map<String, Prober.Seen> seen = new LinkedHashMap<>();
        pending.forEach((address, f) -> {
            try {
                seen.put(address, f.get(4L * timeout + 1000, TimeUnit.MILLISECONDS));
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                seen.put(address, new Prober.Seen(FailoverStatus.Reach.NONE, "probe failed: " + e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Verdict.Outcome outcome;
        synchronized (this) {
            if (!monitoring) {
                return;
            }
            outcome = verdict.round(seen);
        }
        judge(outcome);
    }

    private void judge(Verdict.Outcome outcome) {
        boolean takeOver = false;
        synchronized (this) {
            if (!monitoring || state.serving() || outcome.state() == FailoverState.STOPPED) {
                return;
            }
            if (outcome.state() == state) {
                reason = failedTakeover == null ? outcome.reason() : outcome.reason() + "; " + failedTakeover;
                if (state != FailoverState.FAILED || retryAt == null || Instant.now().isBefore(retryAt)) {
                    return;
                }
                takeOver = true; // the source is still lost: the automatic takeover tries again
            } else {
                retryAt = null;
                failedTakeover = null;
                move(outcome.state(), outcome.reason());
            }
            if (state == FailoverState.FAILED && !takeOver) {
                if (definition.mode() == FailoverDefinition.Mode.AUTOMATIC) {
                    takeOver = true;
                } else {
                    host.event(Severity.CRITICAL, "failover.alert", "the source '" + definition.source() + "' is lost ("
                            + outcome.reason() + "); waiting for the admin: doppel failover now " + name());
                }
            }
        }
        if (takeOver) {
            try {
                takeOver(false, "automatic takeover: " + outcome.reason());
            } catch (IllegalStateException e) {
                host.event(Severity.CRITICAL, "failover.refused", "automatic takeover refused: " + e.getMessage());
            }
        }
    }

    // --- takeover and fail-back

    /**
     * Starts the takeover plan. Refused while the source still answers unless {@code force} (the
     * admin knows it is down, or stopped it on purpose).
     */
    synchronized FailoverStatus takeOver(boolean force, String why) {
        return takeOver(force, false, why);
    }

    /**
     * Starts the takeover plan; {@code acceptLoss}: the admin accepts a replica known to be further
     * behind than the definition allows.
     */
    synchronized FailoverStatus takeOver(boolean force, boolean acceptLoss, String why) {
        if (!state.canMoveTo(FailoverState.FAILING_OVER)) {
            throw new IllegalStateException("failover '" + name() + "' is " + state + "; a takeover starts from "
                    + "monitoring or a lost source");
        }
        if (!force && state != FailoverState.FAILED) {
            throw new IllegalStateException("the source '" + definition.source() + "' is not known to be lost (" + state
                    + ": " + reason + "); taking its identity now could make two servers of one. Give --force if it "
                    + "is down for sure or stopped on purpose");
        }
        boolean forced = force;
        staleReplica = false;
        move(FailoverState.FAILING_OVER, why);
        worker = Thread.ofPlatform().daemon().name("doppel-failover-" + name())
                .start(() -> runTakeover(forced, acceptLoss));
        return status();
    }

    /** Set by the promote step when it refused a replica known to be too far behind: no retry helps then. */
    synchronized void refusedStaleReplica() {
        staleReplica = true;
    }

    private void runTakeover(boolean force, boolean acceptLoss) {
        Plan plan = new Plan(stepTimeout(), listener(), this::step);
        try {
            plan.run(new Steps(this, host, force, acceptLoss).takeover(), true);
        } catch (Plan.Failed e) {
            synchronized (this) {
                move(FailoverState.FAILED, "takeover failed at step '" + e.step() + "': " + e.getMessage()
                        + "; rolled back");
                host.event(Severity.CRITICAL, "failover.rolled-back", reason);
                if (staleReplica) {
                    // what the replica lacks stays lacking: only the admin can accept the loss
                    failedTakeover = "the takeover stopped at step '" + e.step() + "': " + e.getMessage();
                    host.event(Severity.CRITICAL, "failover.alert", "the replica is further behind the source than "
                            + "this failover allows; waiting for the admin: doppel failover now " + name()
                            + " --accept-loss takes over with what the replica holds");
                } else if (!force && definition.mode() == FailoverDefinition.Mode.AUTOMATIC) {
                    // while the source stays lost, try again once the monitor has had time to see it back
                    retryAt = Instant.now().plusMillis(Math.max(5000L, (long) definition.intervalMillis()
                            * definition.misses()));
                    failedTakeover = "the last takeover failed at step '" + e.step() + "'; it is tried again from "
                            + retryAt;
                }
            }
            return;
        }
        synchronized (this) {
            stopTicks();
            move(FailoverState.FAILED_OVER, "serving " + definition.source() + "'s identity from image "
                    + definition.image() + " as of op " + taken.appliedSeq + (taken.behindOps > 0 ? " (" + taken.behindOps
                    + " changes behind the source as last heard)" : ""));
            host.event(Severity.CRITICAL, "failover.done", "this target took over from '" + definition.source()
                    + "': " + reason);
        }
    }

    /** Gives the identity back: applications stop, addresses go, the image waits for the source's restore. */
    synchronized FailoverStatus failBack() {
        if (state != FailoverState.FAILED_OVER) {
            throw new IllegalStateException("failover '" + name() + "' is " + state + "; only a target that took over "
                    + "can fail back");
        }
        move(FailoverState.FAILING_BACK, "fail-back requested");
        worker = Thread.ofPlatform().daemon().name("doppel-failback-" + name()).start(this::runFailBack);
        return status();
    }

    private void runFailBack() {
        try {
            new Plan(stepTimeout(), listener(), this::step).run(new Steps(this, host, false).failBack(), false);
        } catch (Plan.Failed e) {
            synchronized (this) {
                move(FailoverState.FAILED_OVER, "fail-back stopped at step '" + e.step() + "': " + e.getMessage()
                        + "; fix it and run it again (what was given back stays given back)");
                host.event(Severity.ERROR, "failover.failback-failed", reason);
            }
            return;
        }
        synchronized (this) {
            reason = "identity released; waiting for the source to restore itself from the image (on the source: "
                    + "doppel job restore JOB --checksum-all)";
            host.event(Severity.WARNING, "failover.handed-back", reason);
            host.save(this);
            notifyWaiters();
        }
    }

    /** The source restored itself from the image and replicates again: monitoring resumes. */
    void restored() {
        synchronized (this) {
            if (state != FailoverState.FAILING_BACK) {
                return;
            }
            move(FailoverState.HEALTHY, "the source restored itself from the image and replicates again");
            monitoring = false;
        }
        startMonitoring();
    }

    synchronized void close() {
        stopTicks();
    }

    private void stopTicks() {
        if (ticks != null) {
            ticks.cancel(false);
            ticks = null;
        }
    }

    // --- state

    synchronized Taken taken() {
        return taken;
    }

    synchronized void saveTaken() {
        host.save(this);
    }

    Duration stepTimeout() {
        return Duration.ofSeconds(definition.stepTimeoutSeconds());
    }

    Path image() {
        return host.images().path(definition.source(), definition.image());
    }

    /** Where applications find the data: where the image is exposed, or the image itself. */
    Path dataRoot() {
        return definition.exposeAt() != null ? Path.of(definition.exposeAt()) : image();
    }

    private synchronized void step(String name) {
        step = name;
        notifyWaiters();
    }

    private void move(FailoverState next, String why) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("failover '" + name() + "' cannot go from " + state + " to " + next);
        }
        FailoverState was = state;
        state = next;
        reason = why;
        since = Instant.now();
        LOG.info("Failover '{}': {} -> {} ({})", name(), was, next, why);
        host.event(switch (next) {
            case FAILED, FAILING_OVER -> Severity.CRITICAL;
            case DEGRADED, FAILED_OVER, FAILING_BACK -> Severity.WARNING;
            default -> Severity.INFO;
        }, "failover.state", next + ": " + why);
        host.save(this);
        notifyWaiters();
    }

    synchronized FailoverStatus status() {
        return new FailoverStatus(name(), definition.source(), definition.image(), state, since, reason,
                verdict.probes(), taken.appliedSeq, step, definition.mode(),
                host.images().announcedHead(definition.source(), definition.image()), taken.behindOps);
    }

    synchronized FailoverState state() {
        return state;
    }

    /** Completes at the next change of state or step. */
    synchronized CompletableFuture<FailoverStatus> nextChange() {
        CompletableFuture<FailoverStatus> f = new CompletableFuture<>();
        waiters.add(f);
        return f;
    }

    private void notifyWaiters() {
        FailoverStatus now = status();
        waiters.forEach(w -> w.complete(now));
        waiters.clear();
    }

    private Plan.Listener listener() {
        return new Plan.Listener() {
            @Override
            public void started(String s) {
                host.event(Severity.INFO, "failover.step", "step '" + s + "' starts");
            }

            @Override
            public void done(String s, long millis) {
                host.event(Severity.INFO, "failover.step", "step '" + s + "' done in " + millis + " ms");
            }

            @Override
            public void failed(String s, String why, boolean willRetry) {
                host.event(Severity.ERROR, "failover.step-failed", "step '" + s + "' failed: " + why
                        + (willRetry ? "; trying again" : ""));
            }

            @Override
            public void undone(String s, String problem) {
                host.event(problem == null ? Severity.WARNING : Severity.CRITICAL, "failover.undo", problem == null
                        ? "step '" + s + "' undone" : "step '" + s + "' could not be undone: " + problem
                        + "; give it back by hand");
            }
        };
    }

    /** Whether this failover serves or watches {@code source}/{@code image}. */
    boolean serves(String source, String image) {
        return definition.source().equals(source) && definition.image().equals(image);
    }

    /** A plan step from lambdas. */
    static Step step(String name, boolean retry, Body run, Body undo) {
        return new Step() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void run() throws Exception {
                run.run();
            }

            @Override
            public void undo() throws Exception {
                undo.run();
            }

            @Override
            public boolean retry() {
                return retry;
            }
        };
    }

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }
}
