package io.doppel.engine.internal.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.agent.AgentHome;
import io.doppel.agent.JobCatalog;
import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.Interceptor;
import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobStatus;
import io.doppel.api.job.JobSummary;
import io.doppel.api.job.VerifyReport;
import io.doppel.api.op.Op;
import io.doppel.engine.ReplicationEngine;
import io.doppel.engine.ReplicationException;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.transport.Tls;
import io.doppel.management.protocol.Json;

/**
 * The source side's jobs: created, started, stopped and deleted by the admin, persisted in
 * {@code <home>/state/jobs/<name>/} (definition and journal), and restarted with the agent if they
 * were running when it stopped.
 */
@Component(service = {ReplicationEngine.class, JobCatalog.class, JobManager.class}, immediate = true)
public final class JobManager implements ReplicationEngine, JobCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(JobManager.class);
    private static final String DEFINITION = "job.json";

    /** What is persisted per job: the definition and whether the admin wants it running. */
    private record Saved(JobDefinition definition, boolean running, boolean paused) {
    }

    private final AgentHome home;
    private final PeerStore peers;
    private final Path dir;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final List<Interceptor> interceptors = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The capture each capturing job belongs to, by job name. */
    private final Map<String, SharedCapture> captures = new ConcurrentHashMap<>();
    /** Running captures by {@link SharedCapture#key}: jobs protecting one directory share one. */
    private final Map<String, SharedCapture> running = new ConcurrentHashMap<>();
    /** Starts scheduled verifications. */
    private final java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "doppel-verify-timer");
                t.setDaemon(true);
                return t;
            });

    @Activate
    public JobManager(@Reference AgentHome home, @Reference PeerStore peers) throws IOException {
        this.home = home;
        this.peers = peers;
        this.dir = home.area("jobs");
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path jobDir : entries.filter(Files::isDirectory).toList()) {
                Path file = jobDir.resolve(DEFINITION);
                if (!Files.exists(file)) {
                    continue;
                }
                Saved saved = Json.GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), Saved.class);
                Job job = newJob(saved.definition());
                jobs.put(saved.definition().name(), job);
                if (saved.paused()) {
                    job.restorePaused();
                    startCapture(job);
                } else if (saved.running()) {
                    job.start();
                    startCapture(job);
                }
            }
        }
        LOG.info("{} replication job(s) loaded", jobs.size());
        checkQueueMemory();
        timer.scheduleWithFixedDelay(this::verifyWhenDue, 1, 1, java.util.concurrent.TimeUnit.MINUTES);
        timer.scheduleWithFixedDelay(this::checkRpo, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Starts the scheduled verifications that are due (each minute). */
    /** Each job with an RPO target compares it with how far back its unapplied changes go. */
    void checkRpo() {
        for (Job job : jobs.values()) {
            try {
                job.checkRpo();
            } catch (RuntimeException e) {
                LOG.warn("Job '{}': cannot check its RPO: {}", job.definition().name(), e.toString());
            }
        }
    }

    void verifyWhenDue() {
        java.time.ZonedDateTime now = java.time.ZonedDateTime.now();
        for (Job job : jobs.values()) {
            io.doppel.api.job.VerifySchedule schedule = job.definition().verify();
            if (schedule == null || !job.isRunning() || job.verifying()) {
                continue;
            }
            VerifyReport last = job.verifyReport();
            try {
                if (VerifyTimer.due(schedule.when(), now,
                        last == null ? null : java.time.Instant.ofEpochMilli(last.startedAtMillis()))) {
                    job.verify(schedule.repair(), schedule.orphanPolicy(), schedule.orphanAgeDays(),
                            "scheduled (" + schedule.when() + ")");
                }
            } catch (RuntimeException e) {
                // mirroring, or stopped meanwhile: the next minute tries again
                LOG.debug("Job '{}': scheduled verification not started: {}", job.definition().name(), e.getMessage());
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addInterceptor(Interceptor interceptor) {
        interceptors.add(interceptor);
        LOG.info("Interceptor '{}' available: {}", interceptor.id(), interceptor.availability().reason());
        // Jobs waiting for an interceptor pick it up now.
        for (Job job : jobs.values()) {
            if (job.wantsCapture() && !captures.containsKey(job.definition().name())) {
                startCapture(job);
            }
        }
    }

    synchronized void removeInterceptor(Interceptor interceptor) {
        interceptors.remove(interceptor);
        captures.forEach((name, shared) -> {
            if (shared.interceptor() == interceptor) {
                stopCapture(name);
                Job job = jobs.get(name);
                if (job != null) {
                    job.capture("not capturing: interceptor '" + interceptor.id() + "' was removed");
                }
            }
        });
    }

    private synchronized void startCapture(Job job) {
        String name = job.definition().name();
        SharedCapture mine = captures.get(name);
        if (mine != null) {
            try {
                if (mine.join(job)) { // it had lapsed (it failed): it captures again
                    job.capture(mine.describe(job));
                    job.captureStarted(mine.capture());
                }
            } catch (CaptureException e) {
                throw new IllegalStateException(e.getMessage(), e); // not for a member
            }
            return;
        }
        try {
            var chosen = CaptureBinding.choose(job.definition(), List.copyOf(interceptors));
            if (chosen.isEmpty()) {
                String wanted = job.definition().interceptor();
                job.capture(CaptureBinding.NONE.equals(wanted) ? "no interceptor (changes enter through the engine API only)"
                        : wanted != null ? "waiting for interceptor '" + wanted + "' (installed: "
                                + CaptureBinding.ids(List.copyOf(interceptors)) + ")"
                        : "waiting for an interceptor: none is installed and available");
                return;
            }
            Interceptor interceptor = chosen.get();
            Path root = Path.of(job.definition().source());
            String key = SharedCapture.key(interceptor, root);
            SharedCapture shared = running.get(key);
            if (shared != null) {
                shared.join(job);
            } else {
                Path stateDir = SharedCapture.stateDir(home.area("captures"), interceptor, root,
                        dir.resolve(name).resolve("capture").resolve(interceptor.id()));
                shared = SharedCapture.start(interceptor, job, stateDir);
                running.put(key, shared);
            }
            captures.put(name, shared);
            for (Map.Entry<String, SharedCapture> member : captures.entrySet()) {
                Job other = jobs.get(member.getKey());
                if (member.getValue() == shared && other != null && other != job) {
                    other.capture(shared.describe(other));
                }
            }
            job.capture(shared.describe(job));
            job.captureStarted(shared.capture());
            LOG.info("Job '{}' captures with '{}': {}", name, interceptor.id(), shared.describe(job));
        } catch (CaptureException | IOException e) {
            job.capture("not capturing: " + e.getMessage());
            job.failWith("capture cannot start: " + e.getMessage());
        }
    }

    private synchronized void stopCapture(String name) {
        SharedCapture shared = captures.remove(name);
        Job job = jobs.get(name);
        if (shared != null && job != null) {
            if (shared.leave(job)) {
                running.values().remove(shared);
            } else {
                captures.forEach((other, s) -> {
                    Job j = jobs.get(other);
                    if (s == shared && j != null) {
                        j.capture(shared.describe(j));
                    }
                });
            }
            job.captureStopped();
        }
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        List.copyOf(captures.keySet()).forEach(this::stopCapture);
        List.copyOf(running.values()).forEach(SharedCapture::close);
        running.clear();
        for (Job job : jobs.values()) {
            try {
                job.close();
            } catch (IOException e) {
                LOG.error("Job '{}' did not close cleanly: {}", job.definition().name(), e.getMessage());
            }
        }
        jobs.clear();
    }

    private Job newJob(JobDefinition d) throws IOException {
        String expected = d.targetFingerprint() == null ? null : PeerStore.normalise(d.targetFingerprint());
        // A refused target is a security event on this side too: once per reason, not at every retry.
        java.util.concurrent.atomic.AtomicReference<String> lastRefusal = new java.util.concurrent.atomic.AtomicReference<>();
        Job job = new Job(d, dir.resolve(d.name()).resolve("journal"), onRefusal -> Tls.context(home, peers, expected,
                reason -> {
                    io.doppel.api.event.EventLog log = events;
                    if (log != null && !reason.equals(lastRefusal.getAndSet(reason))) {
                        log.post(io.doppel.api.event.Severity.ERROR, d.name(), "security.refused",
                                "the target " + d.target() + " was refused: " + reason);
                    }
                    onRefusal.accept(reason);
                }));
        job.events((severity, code, message) -> {
            io.doppel.api.event.EventLog log = events;
            if (log != null) {
                log.post(severity, d.name(), code, message);
            }
        });
        return job;
    }

    private volatile io.doppel.api.event.EventLog events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = org.osgi.service.component.annotations.ReferencePolicyOption.GREEDY)
    void setEvents(io.doppel.api.event.EventLog log) {
        this.events = log;
    }

    void unsetEvents(io.doppel.api.event.EventLog log) {
        if (this.events == log) {
            this.events = null;
        }
    }

    public synchronized JobStatus create(JobDefinition d) {
        String problem = d.problem();
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (d.targetFingerprint() != null) {
            PeerStore.normalise(d.targetFingerprint());
        }
        BandwidthSchedule.parse(d.bandwidth());
        ReplicationRules.parse(d.rules(), Path.of(d.source()));
        if (jobs.containsKey(d.name())) {
            throw new IllegalStateException("a job named '" + d.name() + "' exists already");
        }
        try {
            Files.createDirectories(dir.resolve(d.name()));
            save(d, false, false);
            Job job = newJob(d);
            jobs.put(d.name(), job);
            LOG.info("Job '{}' created: {} -> {}/{}", d.name(), d.source(), d.target(), d.imageName());
            return job.status();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create job '" + d.name() + "': " + e.getMessage(), e);
        }
    }

    /**
     * Changes a stopped job's definition: checked like a new one, saved, and the job taken up again
     * from its journal as after an agent restart. A running, paused or restoring job is refused.
     */
    public synchronized JobStatus edit(String name, JobDefinition d) {
        Job job = job(name);
        io.doppel.api.job.JobState state = job.status().state();
        if (job.isRunning() || captures.containsKey(name) || (state != io.doppel.api.job.JobState.STOPPED
                && state != io.doppel.api.job.JobState.ERROR)) {
            throw new IllegalStateException("job '" + name + "' is " + state + "; stop it first (doppel job stop " + name
                    + "), then edit it; its bandwidth and rules also change while it runs (job limit, job rules)");
        }
        String problem = d.problem();
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        BandwidthSchedule.parse(d.bandwidth());
        ReplicationRules.parse(d.rules(), Path.of(d.source()));
        JobDefinition before = job.definition();
        try {
            job.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close job '" + name + "' to edit it: " + e.getMessage(), e);
        }
        try {
            save(d, false, false);
            Job edited = newJob(d);
            jobs.put(name, edited);
            LOG.info("Job '{}' edited: {}", name, d);
            return edited.status();
        } catch (IOException | RuntimeException e) {
            save(before, false, false);
            try {
                jobs.put(name, newJob(before));
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw new IllegalStateException("job '" + name + "' was not edited (it keeps its definition): "
                    + e.getMessage(), e);
        }
    }

    public JobStatus start(String name) {
        Job job = job(name);
        save(job.definition(), true, false);
        job.start();
        startCapture(job);
        checkQueueMemory();
        return job.status();
    }

    /** Says so when the queue memory of the jobs that capture could outgrow the heap (docs/SETTINGS.md). */
    private void checkQueueMemory() {
        long budgets = 0;
        int capturing = 0;
        for (Job j : jobs.values()) {
            if (j.wantsCapture()) {
                budgets += Job.queueMemoryBytes(j.definition());
                capturing++;
            }
        }
        String warning = queueMemoryWarning(budgets, capturing, Runtime.getRuntime().maxMemory());
        if (warning != null) {
            LOG.warn(warning);
        }
    }

    /**
     * A warning if the queue memory of {@code jobs} jobs ({@code budgets} bytes together) is more
     * than half of a heap of {@code maxHeap} bytes: the rest of the agent needs room too, and a
     * heap that runs out fails the agent under load. Null if it fits.
     */
    static String queueMemoryWarning(long budgets, int jobs, long maxHeap) {
        if (budgets <= maxHeap / 2) {
            return null;
        }
        return String.format("the queue memory of the %d job(s) that capture, %d MiB together, is more than half "
                + "of this agent's heap (%d MiB): under load the agent could run out of memory. Give the agent a "
                + "larger heap (DOPPEL_AGENT_HEAP, docs/SETTINGS.md) or the jobs less queue memory "
                + "(doppel job edit NAME --queue-memory-mib N)", jobs, budgets >> 20, maxHeap >> 20);
    }

    /** Changes a job's bandwidth schedule, also while it runs. */
    public synchronized JobStatus limit(String name, String bandwidth) {
        Job job = job(name);
        BandwidthSchedule schedule = BandwidthSchedule.parse(bandwidth);
        JobDefinition redefined = job.definition().withBandwidth(bandwidth == null || bandwidth.isBlank() ? null
                : bandwidth.strip());
        JobStatus status = job.status();
        save(redefined, job.isRunning() || status.state() == io.doppel.api.job.JobState.PAUSED,
                status.state() == io.doppel.api.job.JobState.PAUSED);
        job.limit(redefined, schedule);
        return job.status();
    }

    /**
     * Changes a job's replication set, also while it captures: newly excluded paths stay in the
     * image as they are; newly included ones are picked up by the interceptor's next scan.
     */
    public synchronized JobStatus rules(String name, List<String> rules) {
        Job job = job(name);
        ReplicationRules parsed = ReplicationRules.parse(rules, Path.of(job.definition().source()));
        JobDefinition redefined = job.definition().withRules(rules);
        JobStatus status = job.status();
        save(redefined, job.isRunning() || status.state() == io.doppel.api.job.JobState.PAUSED,
                status.state() == io.doppel.api.job.JobState.PAUSED);
        job.rules(redefined, parsed);
        return job.status();
    }

    /**
     * Mirrors a running job now: makes the target equal to the source ({@code full}, {@code diff}
     * or {@code newer}) while live changes keep flowing.
     */
    public JobStatus mirror(String name, String mode, boolean checksumAll) {
        return job(name).mirror(mode == null ? "diff" : mode, checksumAll);
    }

    /**
     * Verifies a running job's target against its source; with {@code repair}, re-sends what
     * differs; orphans are reported, moved aside or deleted ({@code orphans}) if older than
     * {@code orphanAgeDays}. Returns the report as it starts; {@link #verifyReport} follows it.
     */
    public VerifyReport verify(String name, boolean repair, String orphans, int orphanAgeDays) {
        return job(name).verify(repair, orphans == null ? "report" : orphans, orphanAgeDays, "requested by the admin");
    }

    /** The running verification's report, or the last one. */
    public VerifyReport verifyReport(String name) {
        VerifyReport r = job(name).verifyReport();
        if (r == null) {
            throw new java.util.NoSuchElementException("job '" + name + "' was never verified; run: doppel job verify " + name);
        }
        return r;
    }

    /** Completes with the report of the running verification (or the last one). */
    public CompletableFuture<VerifyReport> verifyDone(String name) {
        return job(name).verifyDone();
    }

    /**
     * Restores a stopped job's source directory from its target image by differences (the image is
     * the authority); with {@code checksumAll}, files of equal size and time are compared by content
     * too; with {@code keepExtra}, what only the source holds is kept. When it is done the job
     * replicates again (and captures, as after a start). Returns the report as it starts.
     */
    public io.doppel.api.job.RestoreReport restore(String name, boolean checksumAll, boolean keepExtra) {
        Job job = job(name);
        if (!captures.containsKey(name)) {
            try {
                var interceptor = CaptureBinding.choose(job.definition(), List.copyOf(interceptors));
                if (interceptor.isPresent() && running.containsKey(SharedCapture.key(interceptor.get(),
                        Path.of(job.definition().source())))) {
                    throw new IllegalStateException("job '" + name + "' cannot restore into "
                            + job.definition().source() + ": other jobs capture that directory ("
                            + capturing(job.definition().source()) + "); stop them first, then restore");
                }
                if (interceptor.isPresent()) {
                    interceptor.get().recover(Path.of(job.definition().source()));
                }
            } catch (CaptureException e) {
                throw new IllegalStateException("job '" + name + "' cannot restore into " + job.definition().source()
                        + ": " + e.getMessage(), e);
            }
        }
        io.doppel.api.job.RestoreReport started = job.restore(checksumAll, keepExtra);
        job.restoreDone().thenAccept(r -> {
            if ("done".equals(r.phase())) {
                save(job.definition(), true, false);
                startCapture(job);
            }
        });
        return started;
    }

    /** The running restore's report, or the last one. */
    public io.doppel.api.job.RestoreReport restoreReport(String name) {
        io.doppel.api.job.RestoreReport r = job(name).restoreReport();
        if (r == null) {
            throw new java.util.NoSuchElementException("job '" + name + "' was never restored; run: doppel job restore "
                    + name);
        }
        return r;
    }

    /** Completes with the report of the running restore (or the last one since the agent started). */
    public CompletableFuture<io.doppel.api.job.RestoreReport> restoreDone(String name) {
        CompletableFuture<io.doppel.api.job.RestoreReport> f = job(name).restoreDone();
        if (f == null) {
            throw new java.util.NoSuchElementException("job '" + name + "' has not restored since the agent started");
        }
        return f;
    }

    /**
     * The running restore's report once it ends or {@code waitSeconds} passed, whichever is first
     * (0: at once); the last one if none runs.
     */
    public io.doppel.api.job.RestoreReport restoreReport(String name, int waitSeconds) {
        CompletableFuture<io.doppel.api.job.RestoreReport> done = job(name).restoreDone();
        awaitQuietly(done, waitSeconds);
        return restoreReport(name);
    }

    /**
     * The running verification's report once it ends or {@code waitSeconds} passed, whichever is
     * first (0: at once); the last one if none runs.
     */
    public VerifyReport verifyReport(String name, int waitSeconds) {
        awaitQuietly(job(name).verifyDone(), waitSeconds);
        return verifyReport(name);
    }

    /** Longest a report call may wait for the end of what it reports on. */
    public static final int MAX_WAIT_SECONDS = 60;

    private static void awaitQuietly(CompletableFuture<?> f, int waitSeconds) {
        if (waitSeconds < 0 || waitSeconds > MAX_WAIT_SECONDS) {
            throw new IllegalArgumentException("waitSeconds must be 0.." + MAX_WAIT_SECONDS + ", not " + waitSeconds);
        }
        if (f == null || waitSeconds == 0) {
            return;
        }
        try {
            f.get(waitSeconds, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // still running (or ended badly): the report says which
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sets or clears ({@code null}) a job's verification schedule. */
    public synchronized JobStatus verifySchedule(String name, io.doppel.api.job.VerifySchedule schedule) {
        Job job = job(name);
        JobDefinition redefined = job.definition().withVerify(schedule);
        String problem = redefined.problem();
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        JobStatus status = job.status();
        save(redefined, job.isRunning() || status.state() == io.doppel.api.job.JobState.PAUSED,
                status.state() == io.doppel.api.job.JobState.PAUSED);
        job.redefine(redefined);
        return job.status();
    }

    /** Stops sending, keeps capturing: the journal holds the changes until {@link #start}. */
    public JobStatus pause(String name) {
        Job job = job(name);
        save(job.definition(), true, true);
        try {
            job.pause();
        } catch (IOException e) {
            throw new UncheckedIOException("job '" + name + "' paused, but its journal could not be flushed: "
                    + e.getMessage(), e);
        }
        startCapture(job);
        return job.status();
    }

    public JobStatus stop(String name) {
        Job job = job(name);
        save(job.definition(), false, false);
        try {
            job.stop(); // its mirror and verification first: they may read beneath the capture's mount
        } catch (IOException e) {
            throw new UncheckedIOException("job '" + name + "' stopped, but its journal could not be flushed: "
                    + e.getMessage(), e);
        } finally {
            stopCapture(name);
        }
        return job.status();
    }

    public synchronized JobStatus delete(String name) {
        Job job = job(name);
        if (job.isRunning() || captures.containsKey(name)) {
            throw new IllegalStateException("job '" + name + "' is running or paused; stop it first");
        }
        JobStatus last = job.status();
        try {
            job.close();
            deleteTree(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete job '" + name + "': " + e.getMessage(), e);
        }
        jobs.remove(name);
        LOG.info("Job '{}' deleted", name);
        return last;
    }

    /** A job's definition as it stands. */
    public JobDefinition definition(String name) {
        return job(name).definition();
    }

    public Job job(String name) {
        Job job = jobs.get(name);
        if (job == null) {
            throw new java.util.NoSuchElementException("no job named '" + name + "'");
        }
        return job;
    }

    /** Saves one at a time: they share the temporary file (a job's stop and the end of its restore may save at once). */
    private final Object saving = new Object();

    private void save(JobDefinition d, boolean running, boolean paused) {
        synchronized (saving) {
            saveLocked(d, running, paused);
        }
    }

    private void saveLocked(JobDefinition d, boolean running, boolean paused) {
        Path file = dir.resolve(d.name()).resolve(DEFINITION);
        try {
            Path tmp = file.resolveSibling(DEFINITION + ".tmp");
            Files.writeString(tmp, Json.PRETTY.toJson(new Saved(d, running, paused)), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save job '" + d.name() + "': " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The names of the jobs capturing {@code source}, quoted. */
    private String capturing(String source) {
        List<String> names = new ArrayList<>();
        captures.keySet().forEach(n -> {
            Job j = jobs.get(n);
            if (j != null && Path.of(j.definition().source()).normalize().equals(Path.of(source).normalize())) {
                names.add("'" + n + "'");
            }
        });
        names.sort(null);
        return String.join(", ", names);
    }

    // --- ReplicationEngine

    @Override
    public long capture(String job, Op op) throws ReplicationException {
        Job j = jobs.get(job);
        if (j == null) {
            throw new ReplicationException("no job named '" + job + "'");
        }
        return j.capture(op);
    }

    @Override
    public CompletionStage<Long> captureAndWait(String job, Op op) {
        Job j = jobs.get(job);
        if (j == null) {
            return CompletableFuture.failedFuture(new ReplicationException("no job named '" + job + "'"));
        }
        return j.captureAndWait(op);
    }

    @Override
    public List<JobStatus> jobs() {
        captures.forEach((name, shared) -> {
            String failure = shared.capture().failure();
            Job job = jobs.get(name);
            if (failure != null && job != null) {
                job.capture(shared.interceptor().id() + " stopped capturing: " + failure);
            }
        });
        List<JobStatus> result = new ArrayList<>();
        jobs.values().forEach(j -> result.add(j.status()));
        result.sort(Comparator.comparing(s -> s.definition().name()));
        return result;
    }

    // --- JobCatalog

    @Override
    public List<JobSummary> jobSummaries() {
        return jobs().stream().map(JobStatus::summary).toList();
    }
}
