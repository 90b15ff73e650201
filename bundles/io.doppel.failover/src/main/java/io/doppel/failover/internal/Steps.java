package io.doppel.failover.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.doppel.api.event.Severity;
import io.doppel.api.failover.FailoverDefinition;
import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.ApplicationFailover;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.Health;
import io.doppel.api.failover.app.TakeoverContext;
import io.doppel.api.failover.witness.Witness;
import io.doppel.engine.ReplicaImages;
import io.doppel.failover.internal.plan.Network;
import io.doppel.failover.internal.plan.Step;
import io.doppel.failover.internal.plan.Taken;

/**
 * The steps of a takeover (guard → pre-scripts → promote the image → expose it → identity →
 * applications → post-scripts) and of a fail-back (the same given back in reverse, the image
 * handed back last). Each step records what it took in {@link Taken} as soon as it took it, so
 * a rollback or an agent restart gives back exactly that.
 */
final class Steps {

    private final Failover failover;
    private final FailoverHost host;
    private final FailoverDefinition d;
    private final boolean force;
    private final boolean acceptLoss;
    /** The head the source gave when asked during this takeover; -1 if it was not asked or did not answer. */
    private long askedHead = -1;

    Steps(Failover failover, FailoverHost host, boolean force) {
        this(failover, host, force, false);
    }

    Steps(Failover failover, FailoverHost host, boolean force, boolean acceptLoss) {
        this.failover = failover;
        this.host = host;
        this.d = failover.definition();
        this.force = force;
        this.acceptLoss = acceptLoss;
    }

    List<Step> takeover() {
        List<Step> steps = new ArrayList<>();
        steps.add(Failover.step("guard", false, this::guard, () -> { }));
        if (!d.preScripts().isEmpty()) {
            steps.add(Failover.step("pre-scripts", true, () -> scripts(d.preScripts(), "failover"), () -> { }));
        }
        steps.add(Failover.step("promote image", true, this::promote, this::unpromote));
        if (d.exposeAt() != null) {
            steps.add(Failover.step("expose image", true, this::expose, this::unexpose));
        }
        if (d.identity() != null) {
            steps.add(Failover.step("identity", true, this::takeIdentity, this::releaseIdentity));
        }
        for (FailoverDefinition.Application a : d.applications()) {
            steps.add(Failover.step("application " + a.plugin(), true, () -> startApplication(a),
                    () -> stopApplication(a)));
        }
        if (!d.postScripts().isEmpty()) {
            steps.add(Failover.step("post-scripts", true, () -> scripts(d.postScripts(), "failover"), () -> { }));
        }
        return steps;
    }

    List<Step> failBack() {
        List<Step> steps = new ArrayList<>();
        if (!d.preScripts().isEmpty()) {
            steps.add(Failover.step("pre-scripts", true, () -> scripts(d.preScripts(), "failback"), () -> { }));
        }
        List<FailoverDefinition.Application> apps = new ArrayList<>(d.applications());
        java.util.Collections.reverse(apps);
        for (FailoverDefinition.Application a : apps) {
            steps.add(Failover.step("release " + a.plugin(), true, () -> stopApplication(a), () -> { }));
        }
        steps.add(Failover.step("release identity", true, this::releaseIdentity, () -> { }));
        steps.add(Failover.step("unexpose image", true, this::unexpose, () -> { }));
        steps.add(Failover.step("hand back image", true, this::handBack, () -> { }));
        if (!d.postScripts().isEmpty()) {
            steps.add(Failover.step("post-scripts", true, () -> scripts(d.postScripts(), "failback"), () -> { }));
        }
        return steps;
    }

    /** The undo of every step that can have taken something, last first (for a takeover an agent stop cut short). */
    List<Step> undoing() {
        List<Step> steps = takeover();
        java.util.Collections.reverse(steps);
        return steps;
    }

    // --- takeover

    private void guard() throws ApplicationException {
        ReplicaImages images = host.images();
        if (images.hold(d.source(), d.image()) != ReplicaImages.Hold.NONE && !failover.taken().promoted) {
            throw new ApplicationException("image " + d.source() + "/" + d.image() + " is held already ("
                    + images.hold(d.source(), d.image()) + "), by another failover or an unfinished fail-back");
        }
        long silentMillis = images.silentMillis(d.source(), d.image());
        boolean heard = silentMillis >= 0;
        if (heard && silentMillis < Math.max(1000, 2L * d.intervalMillis())) {
            // a frame during the last rounds: the source lives, whatever the probes said
            if (!force) {
                throw new ApplicationException("the source '" + d.source() + "' still replicates into the image (last "
                        + "frame " + silentMillis + " ms ago): it is alive, and a takeover now would make two servers "
                        + "of one. Stop it, or give --force if it must be (its connection is closed then)");
            }
            host.event(Severity.WARNING, "failover.forced", "the source still replicates into the image; its "
                    + "connection is closed because the takeover was forced");
        } else if (heard) {
            host.event(Severity.INFO, "failover.stale-connection", "the source's replication connection is silent "
                    + "for " + silentMillis / 1000 + " s (a dead source leaves it open until it times out): it is "
                    + "closed");
        }
        if (!Files.isDirectory(failover.image())) {
            throw new ApplicationException("there is no image " + failover.image() + " to serve: the source's job "
                    + "never replicated here");
        }
        if (d.witness()) {
            askWitness();
        }
    }

    /**
     * The split-brain guard against a target that is cut off itself: the witness must have lost the
     * source too. It is given the source's session timeout to notice a source that just died.
     */
    private void askWitness() throws ApplicationException {
        Witness w = host.witness();
        if (w == null || !w.configured()) {
            throw new ApplicationException("the failover asks a witness, but this agent has none (start it with "
                    + "doppel-agent --witness HOST:PORT,…, with the witness plugin installed)");
        }
        Witness.Presence presence;
        try {
            presence = w.presence(d.source(), w.sessionTimeout().plusMillis(d.intervalMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApplicationException("interrupted while asking the witness");
        }
        if (presence == Witness.Presence.GONE) {
            host.event(Severity.INFO, "failover.witness", "the witness (" + w.describe() + ") has lost '" + d.source()
                    + "' too");
            return;
        }
        String why = presence == Witness.Presence.ALIVE
                ? "the witness (" + w.describe() + ") still sees '" + d.source() + "' alive: this target has lost the "
                        + "source, the source has not gone"
                : "this target cannot reach the witness (" + w.describe() + "): it may be cut off itself";
        if (!force) {
            throw new ApplicationException(why + "; no takeover (failover now --force overrides, only if the source "
                    + "is down for sure)");
        }
        host.event(Severity.WARNING, "failover.forced", why + "; the takeover goes ahead because it was forced");
    }

    private void promote() throws Exception {
        // a second attempt may find the source's connection closed by the first: what it said then still holds
        askedHead = Math.max(askedHead, askSource());
        long asked = askedHead;
        long applied = host.images().promote(d.source(), d.image(), failover.stepTimeout());
        long head = Math.max(asked, host.images().announcedHead(d.source(), d.image()));
        long behind = Math.max(0, head - applied);
        if (behind > d.maxBehindOps() && d.maxBehindOps() != FailoverDefinition.ANY_BEHIND) {
            if (!acceptLoss) {
                host.images().release(d.source(), d.image());
                failover.refusedStaleReplica();
                throw new ApplicationException("the replica is known to be behind: the source had journaled up to op "
                        + head + (asked >= 0 ? " when asked just now" : " when last heard") + ", the image holds up to op " + applied + ", so the last " + behind
                        + " changes made on the source are missing here (this failover allows " + d.maxBehindOps()
                        + "). No takeover without the admin's word: bring the source back if it can be, or accept "
                        + "the loss with doppel failover now " + failover.name() + " --accept-loss");
            }
            host.event(Severity.WARNING, "failover.loss-accepted", "the admin accepted the loss of " + behind
                    + " changes the replica lacks (this failover allows " + d.maxBehindOps() + ")");
        }
        Taken t = failover.taken();
        synchronized (failover) {
            t.promoted = true;
            t.appliedSeq = applied;
            t.behindOps = behind;
        }
        failover.saveTaken();
        host.event(Severity.WARNING, "failover.promoted", "image " + d.source() + "/" + d.image()
                + " promoted as of op " + applied + ": replication into it stops");
        if (behind > 0) {
            // asynchronous replication: what the source journaled but had not delivered is not here
            host.event(Severity.CRITICAL, "failover.behind", "the source had journaled up to op " + head
                    + " when last heard; the image holds up to op " + applied + ": the last " + behind
                    + " changes made on the source are not on the replica (use synchronous replication "
                    + "where none may be lost)");
        }
    }

    /**
     * A source whose connection still carries frames, or any source still connected when the takeover
     * is forced (a planned switch-over from a living source), is asked for its head now, and the image
     * given a third of the step's time to apply that far: a takeover then loses nothing that was on its
     * way, and one that would lose something is known to. A living source answers within a round trip;
     * a dead one that left its connection open is waited for at most two probe intervals (and only
     * when forced: a takeover of a source found lost does not wait for one). Returns the head the
     * source gave, or -1.
     */
    private long askSource() throws InterruptedException {
        long silentMillis = host.images().silentMillis(d.source(), d.image());
        long live = Math.max(1000, 2L * d.intervalMillis());
        if (silentMillis < 0 || (silentMillis >= live && !force)) {
            return -1;
        }
        long head = host.images().catchUp(d.source(), d.image(), java.time.Duration.ofMillis(live),
                failover.stepTimeout().dividedBy(3));
        if (head >= 0) {
            long applied;
            try {
                applied = host.images().applied(d.source(), d.image());
            } catch (java.io.IOException e) {
                applied = -1;
            }
            host.event(Severity.INFO, "failover.source-asked", "the source still answers: it has journaled up to op "
                    + head + (applied >= head ? "; the image has applied all of it"
                            : "; the image had applied up to op " + applied + " when the time to catch up ran out"));
        }
        return head;
    }

    private void unpromote() throws Exception {
        Taken t = failover.taken();
        if (t.promoted) {
            host.images().release(d.source(), d.image());
            synchronized (failover) {
                t.promoted = false;
            }
            failover.saveTaken();
        }
    }

    private void expose() throws Exception {
        Path at = Path.of(d.exposeAt());
        Files.createDirectories(at);
        run(List.of("mount", "--bind", failover.image().toString(), at.toString()), "bind-mount the image at " + at);
        synchronized (failover) {
            failover.taken().exposedAt = at.toString();
        }
        failover.saveTaken();
    }

    private void unexpose() throws Exception {
        String at = failover.taken().exposedAt;
        if (at == null) {
            return;
        }
        CommandRunner.Result r = host.commands().run(List.of("umount", at), Map.of(), failover.stepTimeout());
        if (!r.ok() && mounted(at)) {
            // still busy: detach it; processes holding files keep them until they close them
            run(List.of("umount", "-l", at), "detach the image from " + at);
        }
        synchronized (failover) {
            failover.taken().exposedAt = null;
        }
        failover.saveTaken();
    }

    private static boolean mounted(String at) throws java.io.IOException {
        String target = Path.of(at).toRealPath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].equals(target)) {
                return true;
            }
        }
        return false;
    }

    private void takeIdentity() throws Exception {
        FailoverDefinition.Identity id = d.identity();
        Network net = host.network();
        Taken t = failover.taken();
        List<Network.Spec> wanted = id.addresses().stream().map(Network.Spec::parse).toList();
        if (id.mode() == FailoverDefinition.IdentityMode.REPLACE) {
            for (String device : wanted.stream().map(Network.Spec::device).distinct().toList()) {
                for (Network.Spec own : net.addressesOf(device)) {
                    if (wanted.stream().noneMatch(w -> w.address().equals(own.address()))) {
                        net.remove(own);
                        synchronized (failover) {
                            t.removedAddresses.add(own.text());
                        }
                        failover.saveTaken();
                    }
                }
            }
        }
        for (Network.Spec spec : wanted) {
            if (net.add(spec)) {
                synchronized (failover) {
                    t.addedAddresses.add(spec.text());
                }
                failover.saveTaken();
                host.event(Severity.WARNING, "failover.address", "address " + spec.cidr() + " up on " + spec.device());
            }
        }
        if (id.hostAlias() != null) {
            net.addAlias(d.name(), wanted.get(0).address(), id.hostAlias());
            synchronized (failover) {
                t.hostAlias = id.hostAlias();
            }
            failover.saveTaken();
        }
        if (id.takeHostName() && t.originalHostName == null) {
            String own = net.hostName();
            synchronized (failover) {
                t.originalHostName = own; // kept before it changes: a crash in between gives it back
            }
            failover.saveTaken();
            net.setHostName(id.hostAlias());
            host.event(Severity.WARNING, "failover.hostname", "host name " + id.hostAlias() + " taken (this target's "
                    + "own, " + own + ", comes back at fail-back)");
        }
    }

    private void releaseIdentity() throws Exception {
        Network net = host.network();
        Taken t = failover.taken();
        if (t.originalHostName != null) {
            net.setHostName(t.originalHostName);
            host.event(Severity.INFO, "failover.hostname", "host name " + t.originalHostName + " given back");
            synchronized (failover) {
                t.originalHostName = null;
            }
            failover.saveTaken();
        }
        if (t.hostAlias != null) {
            net.removeAlias(d.name());
            synchronized (failover) {
                t.hostAlias = null;
            }
            failover.saveTaken();
        }
        for (String spec : List.copyOf(t.addedAddresses)) {
            net.remove(Network.Spec.parse(spec));
            synchronized (failover) {
                t.addedAddresses.remove(spec);
            }
            failover.saveTaken();
            host.event(Severity.WARNING, "failover.address", "address " + spec + " released");
        }
        for (String spec : List.copyOf(t.removedAddresses)) {
            net.add(Network.Spec.parse(spec));
            synchronized (failover) {
                t.removedAddresses.remove(spec);
            }
            failover.saveTaken();
        }
    }

    private void startApplication(FailoverDefinition.Application a) throws Exception {
        ApplicationFailover plugin = plugin(a);
        var availability = plugin.availability();
        if (!availability.available()) {
            throw new ApplicationException("application plugin '" + a.plugin() + "' cannot run here: "
                    + availability.reason());
        }
        TakeoverContext ctx = context(a);
        plugin.prepare(ctx);
        synchronized (failover) {
            // recorded before it starts: a rollback releases a half-started application too
            if (!failover.taken().applications.contains(a.plugin())) {
                failover.taken().applications.add(a.plugin());
            }
        }
        failover.saveTaken();
        plugin.takeOver(ctx);
        Health health = plugin.health(ctx);
        while (!health.healthy() && Instant.now().isBefore(ctx.deadline())) {
            Thread.sleep(250); // polling the application's own health check, bounded by the step's deadline
            health = plugin.health(ctx);
        }
        if (!health.healthy()) {
            throw new ApplicationException("application '" + a.plugin() + "' started but is not healthy: "
                    + health.detail());
        }
        host.event(Severity.WARNING, "failover.application", "application '" + a.plugin() + "' serves: "
                + health.detail());
    }

    private void stopApplication(FailoverDefinition.Application a) throws Exception {
        if (!failover.taken().applications.contains(a.plugin())) {
            return;
        }
        plugin(a).release(context(a));
        synchronized (failover) {
            failover.taken().applications.remove(a.plugin());
        }
        failover.saveTaken();
        host.event(Severity.WARNING, "failover.application", "application '" + a.plugin() + "' released");
    }

    private ApplicationFailover plugin(FailoverDefinition.Application a) throws ApplicationException {
        ApplicationFailover plugin = host.application(a.plugin());
        if (plugin == null) {
            throw new ApplicationException("no application plugin '" + a.plugin() + "' is installed here (doppel "
                    + "failover plugins lists them)");
        }
        return plugin;
    }

    private void handBack() throws Exception {
        host.images().expectRestore(d.source(), d.image());
        synchronized (failover) {
            failover.taken().promoted = false;
        }
        failover.saveTaken();
    }

    // --- scripts and programs

    private void scripts(List<String> scripts, String phase) throws Exception {
        for (String script : scripts) {
            List<String> command = List.of(script.strip().split("\\s+"));
            CommandRunner.Result r = host.commands().run(command, environment(phase), failover.stepTimeout());
            if (!r.ok()) {
                throw new ApplicationException("script " + command.get(0) + " ended with " + r.exitCode() + ": "
                        + last(r.output()));
            }
            host.event(Severity.INFO, "failover.script", "script " + command.get(0) + " (" + phase + ") done"
                    + (r.output().isBlank() ? "" : ": " + last(r.output())));
        }
    }

    /** What scripts are told. */
    Map<String, String> environment(String phase) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DOPPEL_PHASE", phase);
        env.put("DOPPEL_FAILOVER", d.name());
        env.put("DOPPEL_SOURCE", d.source());
        env.put("DOPPEL_TARGET", host.agentName());
        env.put("DOPPEL_IMAGE", failover.image().toString());
        env.put("DOPPEL_DATA", failover.dataRoot().toString());
        env.put("DOPPEL_SOURCE_ADDRESSES", String.join(" ", d.addresses()));
        env.put("DOPPEL_ADDRESSES", d.identity() == null ? "" : String.join(" ", d.identity().addresses().stream()
                .map(a -> Network.Spec.parse(a).address()).toList()));
        env.put("DOPPEL_APPLIED_SEQ", Long.toString(failover.taken().appliedSeq));
        return env;
    }

    private void run(List<String> command, String what) throws ApplicationException {
        CommandRunner.Result r = host.commands().run(command, Map.of(), failover.stepTimeout());
        if (!r.ok()) {
            throw new ApplicationException("cannot " + what + ": " + String.join(" ", command) + ": " + last(r.output()));
        }
    }

    private static String last(String output) {
        String s = output.strip();
        return s.length() <= 400 ? s : "…" + s.substring(s.length() - 400);
    }

    private TakeoverContext context(FailoverDefinition.Application a) {
        Instant deadline = Instant.now().plus(failover.stepTimeout()).minus(Duration.ofMillis(500));
        return new TakeoverContext() {
            @Override
            public String failover() {
                return d.name();
            }

            @Override
            public String source() {
                return d.source();
            }

            @Override
            public Path dataRoot() {
                return failover.dataRoot();
            }

            @Override
            public Map<String, String> settings() {
                return a.settings();
            }

            @Override
            public Path workDirectory() {
                return host.workDirectory(a.plugin());
            }

            @Override
            public Instant deadline() {
                return deadline;
            }

            @Override
            public CommandRunner commands() {
                return host.commands();
            }

            @Override
            public void log(String message) {
                host.event(Severity.INFO, "failover.application", a.plugin() + ": " + message);
            }
        };
    }
}
