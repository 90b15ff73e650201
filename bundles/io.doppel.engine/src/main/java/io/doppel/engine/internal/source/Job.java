package io.doppel.engine.internal.source;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.api.job.MirrorStatus;
import io.doppel.api.op.RelPath;
import io.doppel.api.op.Op;
import io.doppel.engine.ReplicationException;
import io.doppel.engine.internal.codec.Coalescer;
import io.doppel.engine.internal.codec.OpCodec;
import io.doppel.engine.internal.codec.SequencedOp;
import io.doppel.engine.internal.journal.Journal;
import io.doppel.engine.internal.transport.Compressor;
import io.doppel.engine.internal.transport.Frame;
import io.doppel.engine.internal.transport.FrameCodec;

/**
 * One replication job on its source: the journal of captured ops, the state machine, and the sender
 * thread that streams the journal to the target, resumes after any disconnect from what the target
 * has applied, and trims the journal as acknowledgements arrive. All state is guarded by this
 * object's monitor; the sender waits on it and link callbacks notify it.
 */
final class Job implements Link.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(Job.class);
    static final long SEGMENT_BYTES = 64L * 1024 * 1024;

    /**
     * The journal's segment size for a job: {@link #SEGMENT_BYTES}, or a quarter of a smaller disk
     * budget (at least 1 MiB), so that the acknowledged records a segment keeps until it rolls add
     * little to what the budget allows on disk.
     */
    static long segmentBytes(JobDefinition definition) {
        long budget = diskBudget(definition);
        return budget == 0 ? SEGMENT_BYTES : Math.max(1L << 20, Math.min(SEGMENT_BYTES, budget / 4));
    }
    /** The job's disk budget in bytes: what the journal may hold that the target has not acknowledged (0: no limit). */
    static long diskBudget(JobDefinition definition) {
        return definition.queueDiskMiB() * 1024L * 1024;
    }

    /** MiB of the send queue kept in memory when the job does not say. */
    static final int DEFAULT_QUEUE_MEMORY_MIB = 64;
    /** Bytes sent and not yet acknowledged, at most. */
    static final long WINDOW_BYTES = 16L * 1024 * 1024;
    /**
     * Frames sent and not yet acknowledged, at most (beside the byte window): bounds the target's
     * work queued behind one connection when frames are small. (MINA's TLS filter, used before
     * TlsFilter, refused a 65th write waiting to be encrypted.)
     */
    static final int WINDOW_FRAMES = 32;
    /** Largest batch of ops in one frame. */
    static final int BATCH_BYTES = 1024 * 1024;
    private static final long MAX_BACKOFF_MS = 30_000;
    /** The longest wait between attempts while the target's disk is full: space may return any time. */
    private static final long FULL_BACKOFF_MS = 10_000;

    private volatile JobDefinition definition;
    private volatile BandwidthSchedule schedule;
    private volatile ReplicationRules rules;
    private final TokenBucket bucket = new TokenBucket(System::nanoTime);
    private final RateMeter rate = new RateMeter(System::nanoTime);
    /** In interval mode: when the next batch of accumulated changes may go (System.nanoTime). */
    private long nextWindow = System.nanoTime();
    private final Journal journal;
    private final TlsSupplier tls;
    /** Sent, not yet acknowledged ops: seq → {encoded size, capture time in µs}. Bounded by the window. */
    private final Map<Long, long[]> inflightOps = new TreeMap<>();
    /** The last sequence of each frame sent and not yet acknowledged, oldest first. */
    private final java.util.ArrayDeque<Long> inflightFrames = new java.util.ArrayDeque<>();
    private final TreeMap<Long, CompletableFuture<Long>> waiters = new TreeMap<>();

    private JobState state = JobState.STOPPED;
    private String lastError;
    private long sentSeq;
    private long inflight;
    private long lagMillis = -1;
    /** How changes are captured for this job, for status. */
    private String capture = "not capturing";
    /** Newest op the target applied (may be ahead of what it made durable, which is journal.acked()). */
    private long appliedSeq;
    private long rewindTo = -1;
    private boolean linkClosed;
    private String linkCloseReason;
    /** The target refused for want of space, and has not applied anything since: retry, but not at once. */
    private boolean targetFull;
    private Thread sender;
    /**
     * Changes captured this long after a mirror ended may have been made before the mirror read
     * what they changed (an interceptor hands a change over just after making it): they stay lenient.
     */
    static final long LENIENT_AFTER_MIRROR_NANOS = TimeUnit.SECONDS.toNanos(30);
    private long mirrorEndedNanos = System.nanoTime() - LENIENT_AFTER_MIRROR_NANOS;
    /** Keeps live changes and the mirror in order (see {@link MirrorGate}). */
    private final MirrorGate gate = new MirrorGate();
    private final Path mirrorFile;
    /** The running mirror, or null. */
    private Mirror mirror;
    /** The last mirror's saved state, for status and to resume it. */
    private Mirror.Plan mirrorPlan;
    /** Why the next start must mirror (a damaged journal, a new job), or null. */
    private String mirrorNeeded;
    /** Whether the job's interceptor captures now; a mirror waits for it (it would miss what changes meanwhile). */
    private boolean captureRunning;
    /** A start decided on its mirror once capture runs: whether the job had been stopped before. */
    private Boolean mirrorOnCapture;
    private final Path verifyFile;
    /** The running verification, or null. */
    private Verify verify;
    /** The last verification's report, or null. */
    private io.doppel.api.job.VerifyReport lastVerify;
    /** The connection while the target listens, for the mirror's questions. */
    private Link link;
    private final Path jobDir;
    /** The running restore of the source from the image, or {@code null}. */
    private Restore restore;
    /** The last restore that ran since the agent started, or {@code null}. */
    private Restore lastRestoreRun;
    /** The report of a restore before the agent started, or {@code null}. */
    private io.doppel.api.job.RestoreReport loadedRestore;
    /** After a restore: the op the journal continues from, which the image's cursor must move to; else -1. */
    private long rebaseAfterRestore = -1;
    private final Map<Long, CompletableFuture<Frame>> questions = new java.util.concurrent.ConcurrentHashMap<>();
    private long nextQuestion;

    /** Where a job's events go (the agent's event log, when there is one). */
    @FunctionalInterface
    interface Events {
        void post(io.doppel.api.event.Severity severity, String code, String message);

        Events NONE = (severity, code, message) -> { };
    }

    private volatile Events events = Events.NONE;

    void events(Events sink) {
        this.events = sink == null ? Events.NONE : sink;
    }

    /** Posts an event of this job; a failing event log never disturbs the job. */
    void event(io.doppel.api.event.Severity severity, String code, String message) {
        try {
            events.post(severity, code, message);
        } catch (RuntimeException e) {
            LOG.warn("Job '{}': cannot post the event {}: {}", definition.name(), code, e.toString());
        }
    }

    /** Supplies the TLS context for a connection (it follows the current trusted peers). */
    interface TlsSupplier {
        SSLContext get(java.util.function.Consumer<String> onRefusal) throws java.security.GeneralSecurityException;
    }

    Job(JobDefinition definition, Path journalDir, TlsSupplier tls) throws IOException {
        this.definition = definition;
        this.schedule = BandwidthSchedule.parse(definition.bandwidth());
        this.rules = ReplicationRules.parse(definition.rules(), java.nio.file.Path.of(definition.source()))
                .readingFrom(this::readRoot);
        this.tls = tls;
        this.journal = Journal.open(journalDir, segmentBytes(definition), queueMemoryBytes(definition));
        this.sentSeq = journal.acked();
        this.appliedSeq = journal.acked();
        this.mirrorFile = journalDir.resolveSibling(Mirror.STATE_FILE);
        this.verifyFile = journalDir.resolveSibling(Verify.STATE_FILE);
        this.jobDir = journalDir.getParent();
        this.loadedRestore = Restore.load(jobDir);
        this.lastVerify = Verify.load(verifyFile);
        try {
            this.mirrorPlan = Mirror.load(mirrorFile);
        } catch (IOException | RuntimeException e) {
            LOG.error("Job '{}': the mirror's saved state is unreadable ({}); a new mirror will run", definition.name(),
                    e.getMessage());
            mirrorNeeded = "the mirror's saved state was unreadable";
        }
        if (mirrorPlan == null && journal.lastSeq() == 0 && mirrors()) {
            mirrorNeeded = "initial copy";
        }
        if (journal.recovery().damaged()) {
            mirrorNeeded = "the journal was damaged (" + journal.recovery().damage() + ")";
            LOG.error("Job '{}': the journal was damaged ({}); ops after seq {} were lost; a difference mirror "
                    + "resynchronises the target", definition.name(), journal.recovery().damage(), journal.lastSeq());
        } else if (journal.recovery().tornTailBytes() > 0) {
            LOG.warn("Job '{}': dropped {} bytes of an op cut short by a crash", definition.name(),
                    journal.recovery().tornTailBytes());
        }
    }

    JobDefinition definition() {
        return definition;
    }

    /** How much of a job's queue its journal keeps in memory, at most (its queue memory). */
    static long queueMemoryBytes(JobDefinition definition) {
        return (definition.queueMemoryMiB() == 0 ? DEFAULT_QUEUE_MEMORY_MIB : definition.queueMemoryMiB()) * 1024L * 1024;
    }

    synchronized JobStatus status() {
        return new JobStatus(definition, state, journal.lastSeq(), sentSeq, appliedSeq, journal.pendingOps(),
                journal.unackedBytes(), journal.memoryBytes(), lagMillis, lastError, capture, rate.perSecond(), rate.total(),
                mirror != null ? mirror.status() : mirrorPlan != null ? Mirror.status(mirrorPlan) : null,
                verify != null ? verify.report().summary() : lastVerify != null ? lastVerify.summary() : null,
                restoreReport());
    }

    // --- restore (the reverse direction)

    /**
     * Starts a restore of the source directory from the target image (see {@link Restore}). The job
     * must be stopped: nothing is captured or sent while the restore writes into the source; when it
     * is done, the job replicates again from the image's last op.
     */
    synchronized io.doppel.api.job.RestoreReport restore(boolean checksumAll, boolean keepExtra) {
        if (sender != null || (state != JobState.STOPPED && state != JobState.ERROR)) {
            throw new IllegalStateException("job '" + definition.name() + "' is " + state + "; stop it first (doppel job stop "
                    + definition.name() + "): a restore writes into the source directory, and nothing may be captured "
                    + "or sent meanwhile");
        }
        Restore r = new Restore(this, Path.of(definition.source()), jobDir, checksumAll, keepExtra);
        restore = r;
        lastRestoreRun = r;
        lastError = null;
        rebaseAfterRestore = -1;
        move(JobState.CONNECTING, "restore of the source from the target image requested");
        connection++; // what the previous run's link still reports (its close, say) is not this run's
        sender = new Thread(this::run, "doppel-job-" + definition.name());
        sender.setDaemon(true);
        sender.start();
        r.startThread();
        event(io.doppel.api.event.Severity.WARNING, "restore.started", "restore of the source directory "
                + definition.source() + " from the target image starts" + (keepExtra ? " (keeping what only the source has)"
                : "; what only the source has is removed"));
        return r.report();
    }

    synchronized io.doppel.api.job.RestoreReport restoreReport() {
        return restore != null ? restore.report() : lastRestoreRun != null ? lastRestoreRun.report() : loadedRestore;
    }

    /** Completes when the running (or last) restore ends; {@code null} if the job never restored since the agent started. */
    synchronized CompletableFuture<io.doppel.api.job.RestoreReport> restoreDone() {
        Restore r = restore != null ? restore : lastRestoreRun;
        return r == null ? null : r.finished();
    }

    /** Waits until the restore has a connection to the target; returns the image's last applied op then. */
    synchronized long awaitRestoreLink(java.util.function.BooleanSupplier stop) throws Mirror.Stopped {
        try {
            while (link == null || state != JobState.RESTORING) {
                if (stop.getAsBoolean() || sender == null) {
                    throw new Mirror.Stopped();
                }
                wait(1000);
            }
            return appliedSeq;
        } catch (InterruptedException e) {
            throw new Mirror.Stopped();
        }
    }

    /**
     * The restore ended. Done: the source equals the image as of op {@code imageApplied}, so ops the
     * target never applied are dropped (the image is the authority), the journal continues after
     * the later of its last op and the image's, and the image's cursor is moved there; the job then
     * replicates. Returns the ops dropped. Failed: the job fails with the reason.
     */
    long restoreEnded(Restore r, String failure, long imageApplied) {
        synchronized (this) {
            if (restore != r) {
                return 0; // the job stopped it
            }
            restore = null;
            if (failure != null) {
                fail("the restore failed: " + failure);
                return 0;
            }
            // ops up to the image's cursor were applied there (acknowledged durably or not)
            long dropped = Math.max(0, journal.lastSeq() - Math.max(journal.acked(), imageApplied));
            long continueAt = Math.max(journal.lastSeq(), imageApplied);
            try {
                journal.restartAt(continueAt);
            } catch (IOException e) {
                fail("cannot continue the journal after the restore: " + e.getMessage());
                return 0;
            }
            sentSeq = continueAt;
            rebaseAfterRestore = continueAt;
            mirrorPlan = null;
            mirrorNeeded = null;
            try {
                java.nio.file.Files.deleteIfExists(mirrorFile);
            } catch (IOException e) {
                LOG.warn("Job '{}': cannot remove the finished mirror's state: {}", definition.name(), e.getMessage());
            }
            if (dropped > 0) {
                LOG.warn("Job '{}': {} captured ops the target never applied were dropped: the restore made the source "
                        + "equal to the image, which is the authority", definition.name(), dropped);
            }
            notifyAll();
            return dropped;
        }
    }

    // --- verification

    /** Starts a verification of the target against the source (see {@link Verify}). */
    synchronized io.doppel.api.job.VerifyReport verify(boolean repair, String orphans, int orphanAgeDays, String reason) {
        if (sender == null) {
            throw new IllegalStateException("job '" + definition.name() + "' is " + state + "; start it to verify");
        }
        if (mirror != null) {
            throw new IllegalStateException("job '" + definition.name() + "' is mirroring; verify once the mirror is done");
        }
        if (verify != null) {
            throw new IllegalStateException("job '" + definition.name() + "' is verifying already ("
                    + verify.report().entriesCompared() + " entries compared)");
        }
        Verify v = new Verify(this, readRoot(), verifyFile, repair, orphans, orphanAgeDays, reason);
        verify = v;
        v.start(journal.lastSeq());
        return v.report();
    }

    /** The running verification's report so far, or the last one, or null. */
    synchronized io.doppel.api.job.VerifyReport verifyReport() {
        return verify != null ? verify.report() : lastVerify;
    }

    /** Completes with the running verification's report, or at once with the last one (or null). */
    synchronized CompletableFuture<io.doppel.api.job.VerifyReport> verifyDone() {
        return verify != null ? verify.done() : CompletableFuture.completedFuture(lastVerify);
    }

    synchronized boolean verifying() {
        return verify != null;
    }

    void verifyEnded(Verify v) {
        synchronized (this) {
            if (verify == v) {
                verify = null;
            }
            lastVerify = v.report();
            notifyAll();
        }
        io.doppel.api.job.VerifyReport r = v.report();
        if (r.error() != null) {
            event(io.doppel.api.event.Severity.ERROR, "verify.failed", "verification failed: " + r.error());
        } else if (r.equal()) {
            event(io.doppel.api.event.Severity.INFO, "verify.done", "verification: the target equals the source ("
                    + r.entriesCompared() + " entries, " + r.bytesCompared() + " bytes compared)");
        } else {
            event(io.doppel.api.event.Severity.WARNING, "verify.differences", "verification: " + r.missing() + " missing, "
                    + r.extra() + " extra, " + r.different() + " different" + (r.repair() ? ", " + r.repaired() + " repaired"
                    : " (not repaired)"));
        }
    }

    /**
     * Runs a repair mirror of {@code paths} for a verification; completes with null when done, or why
     * not.
     */
    synchronized CompletableFuture<String> repairMirror(List<io.doppel.api.op.RelPath> paths) {
        if (sender == null) {
            return CompletableFuture.completedFuture("the job is " + state);
        }
        if (mirror != null) {
            return CompletableFuture.completedFuture("a mirror was running (it compares everything anyway)");
        }
        gate.end();
        Mirror m = Mirror.repair(this, gate, readRoot(), mirrorFile, paths);
        startMirror(m);
        return m.finished();
    }

    /** Takes a definition that differs only in what the job reads when it needs it (e.g. its verification schedule). */
    synchronized void redefine(JobDefinition redefined) {
        definition = redefined;
    }

    /** Changes the bandwidth schedule; takes effect with the next batch. */
    synchronized void limit(JobDefinition redefined, BandwidthSchedule newSchedule) {
        definition = redefined;
        schedule = newSchedule;
        LOG.info("Job '{}': bandwidth now {}", definition.name(), newSchedule);
        notifyAll();
    }

    /** Changes the replication set; interceptors ask {@link #included} on every scan. */
    synchronized void rules(JobDefinition redefined, ReplicationRules newRules) {
        definition = redefined;
        rules = newRules.readingFrom(this::readRoot);
        LOG.info("Job '{}': replication set now {}", definition.name(), newRules);
    }

    /** Whether a path is in the job's replication set now. */
    boolean included(io.doppel.api.op.RelPath path) {
        return rules.included(path);
    }

    synchronized void capture(String description) {
        this.capture = description;
    }

    /** Stops the job with a reason (a failure outside the link, e.g. capture could not start). */
    synchronized void failWith(String reason) {
        fail(reason);
    }

    /** Whether the job should be capturing (running or paused by the admin). */
    synchronized boolean wantsCapture() {
        return sender != null || state == JobState.PAUSED;
    }

    synchronized boolean isRunning() {
        return sender != null;
    }

    // --- capture

    synchronized long capture(Op op) throws ReplicationException {
        if (!state.isCapturing()) {
            throw new ReplicationException("job '" + definition.name() + "' is " + state
                    + (lastError == null ? "" : " (" + lastError + ")") + "; it does not capture changes");
        }
        if (gate.active() && gate.hasLinked() && !gate.visited(op.path())) {
            op = throughVisitedLink(op);
        }
        boolean lenient = gate.active() || mirror != null
                || System.nanoTime() - mirrorEndedNanos < LENIENT_AFTER_MIRROR_NANOS;
        List<Op> ops = gate.filter(op, journal.lastSeq() + 1);
        if (LOG.isDebugEnabled() && gate.active() && (ops.isEmpty() || ops.get(0) != op)) {
            LOG.debug("Job '{}': {} '{}' {} by the mirror's gate ({})", definition.name(), op.kind(), op.path(),
                    ops.isEmpty() ? "not sent" : "sent as " + ops, gate.describe());
        }
        try {
            for (Op o : ops) {
                appendLocked(o, lenient);
            }
        } catch (IOException e) {
            fail("cannot write the journal: " + e.getMessage());
            throw new ReplicationException("job '" + definition.name() + "' cannot journal the change: "
                    + e.getMessage(), e);
        }
        long seq = journal.lastSeq();
        if (diskBudget(definition) > 0 && journal.unackedBytes() > diskBudget(definition)) {
            overflow();
        }
        notifyAll();
        return seq;
    }

    /** Whether the changes the target has not applied went back beyond the RPO target, as last told. */
    private boolean rpoExceeded;

    /**
     * How far back the changes the target has not applied yet go, in ms (0 if it has applied all):
     * what would be lost if the source died now.
     */
    synchronized long exposureMillis(long nowMicros) {
        if (journal.lastSeq() <= appliedSeq) {
            return 0;
        }
        long captured;
        var sent = inflightOps.entrySet().stream().filter(e -> e.getKey() > appliedSeq).findFirst();
        if (sent.isPresent()) {
            captured = sent.get().getValue()[1];
        } else {
            long from = Math.max(appliedSeq, journal.acked()) + 1;
            try (Journal.Reader r = journal.reader(from)) {
                captured = r.hasNext() ? r.next().capturedAtMicros() : nowMicros;
            } catch (IOException | RuntimeException e) {
                return 0; // the journal is changing under the reader (a restart, an overflow): next time
            }
        }
        return Math.max(0, (nowMicros - captured) / 1000);
    }

    /** Tells, by an event, when the exposure crosses the job's RPO target ({@code rpoSeconds}), either way. */
    void checkRpo() {
        int rpo = definition.rpoSeconds();
        if (rpo <= 0) {
            return;
        }
        long exposure = exposureMillis(nowMicros());
        boolean exceeded = exposure > rpo * 1000L;
        boolean changed;
        synchronized (this) {
            changed = exceeded != rpoExceeded;
            rpoExceeded = exceeded;
        }
        if (changed && exceeded) {
            event(io.doppel.api.event.Severity.WARNING, "rpo.exceeded", "changes not yet on the target go back "
                    + exposure / 1000 + " s, beyond the RPO target of " + rpo + " s");
        } else if (changed) {
            event(io.doppel.api.event.Severity.INFO, "rpo.recovered", "changes not yet on the target go back "
                    + exposure / 1000 + " s, within the RPO target of " + rpo + " s again");
        }
    }

    /** Why the target must be resynchronised after the queue overflowed, until a mirror does it; else null. */
    private String overflowed;

    /**
     * The journal outgrew its disk budget: what the target has not acknowledged is dropped (the
     * journal continues after its last op) and the target is resynchronised by a mirror at the next
     * handshake, which copies what those changes did. A running mirror stops (its ops were dropped
     * too); the resynchronising one replaces it. Synchronous callers of dropped ops are told.
     */
    private void overflow() {
        long pending = journal.lastSeq() - journal.acked();
        // how much of it the mirror's: a live write rate above what the link carries overflows any budget
        String share = mirror == null ? "" : String.format(java.util.Locale.ROOT, ", of which %.1f MiB the mirror's",
                mirror.unappliedBytesLocked() / 1048576.0);
        String why = "the queue outgrew its disk budget of " + definition.queueDiskMiB() + " MiB with " + pending
                + String.format(java.util.Locale.ROOT, " ops (%.1f MiB%s)", journal.unackedBytes() / 1048576.0, share)
                + " the target had not acknowledged";
        try {
            journal.restartAt(journal.lastSeq());
        } catch (IOException e) {
            fail("cannot drop the overflowing queue: " + e.getMessage());
            return;
        }
        LOG.warn("Job '{}': {}; they are dropped and the target is resynchronised by a mirror", definition.name(), why);
        event(io.doppel.api.event.Severity.WARNING, "queue.overflow", why + "; they are dropped and the target is "
                + "resynchronised by a mirror");
        failWaiters(why + "; the change was dropped (the target is resynchronised by a mirror)");
        if (mirror != null) {
            mirror.requestStop();
            mirror = null;
            mirrorPlan = null;
            gate.end();
        }
        overflowed = why;
        sentSeq = journal.lastSeq();
        inflight = 0;
        inflightOps.clear();
        inflightFrames.clear();
        if (link != null) {
            // the stream on this connection stands on ops that are gone: start over with a handshake
            linkCloseReason = why + "; reconnecting to resynchronise";
            linkClosed = true;
        }
    }

    /** Journals an op as it is (the mirror's, or a live change the gate let through); the caller holds this monitor. */
    long appendLocked(Op op) throws IOException {
        return appendLocked(op, false);
    }

    private long appendLocked(Op op, boolean lenient) throws IOException {
        long seq = journal.lastSeq() + 1;
        journal.append(new SequencedOp(seq, seq, nowMicros(), op, lenient));
        long budget = diskBudget(definition);
        if (budget > 0 && releaseAskedAt <= journal.acked() && journal.unackedBytes() > budget / 4) {
            // The journal lets go of ops once the target made them durable, which it does by itself
            // every few seconds or tens of MiB: a stream that never pauses could fill a small
            // budget with ops the target applied long ago. A whole-tree consistency point makes the
            // target sync now and say so; one at a time.
            releaseAskedAt = seq + 1;
            journal.append(new SequencedOp(releaseAskedAt, releaseAskedAt, nowMicros(), new Op.Fsync(RelPath.ROOT), false));
        }
        notifyAll();
        return seq;
    }

    /**
     * Mirror bytes the target may not have applied yet: {@link Mirror#WINDOW}, or a quarter of a
     * small disk budget (at least 2 MiB). With a release asked for at a quarter of the budget
     * ({@link #appendLocked}), a mirror whose target keeps up then stays well within the budget.
     */
    long mirrorWindow() {
        long budget = diskBudget(definition);
        return budget == 0 ? Mirror.WINDOW : Math.max(2L << 20, Math.min(Mirror.WINDOW, budget / 4));
    }

    /**
     * Whether a mirror may append more under the job's disk budget: not while what the target has not
     * acknowledged is more than half of it. The rest is left to live changes, which cannot wait: a
     * mirror that filled the budget while an application writes hard would make the queue overflow,
     * and the overflow restart the mirror. The caller holds this monitor.
     */
    boolean roomForMirrorLocked() {
        long budget = diskBudget(definition);
        return budget == 0 || journal.unackedBytes() <= budget / 2;
    }

    /** The consistency point last appended to have the target release ops under a disk budget (see {@link #appendLocked}). */
    private long releaseAskedAt;

    private Object inode(RelPath path) throws IOException {
        var stat = io.doppel.engine.internal.apply.FileStat.of(readRoot().resolve(path.value()));
        return stat == null ? null : stat.fileKey();
    }

    /**
     * A change to a file with several names, captured under a name the mirror has not reached,
     * goes to the name it has (or nowhere, if it has none yet).
     */
    private Op throughVisitedLink(Op op) {
        RelPath visited = null;
        try {
            Object inode = inode(op.path());
            if (inode == null) {
                return op;
            }
            for (RelPath name : gate.linkedNames(inode)) {
                // a name the mirror gave the file may have been renamed or removed since
                if (inode.equals(inode(name))) {
                    visited = name;
                    break;
                }
            }
            if (visited == null) {
                return op;
            }
        } catch (IOException e) {
            return op;
        }
        return switch (op) {
            case Op.Write w -> new Op.Write(visited, w.offset(), w.data());
            case Op.Truncate t -> new Op.Truncate(visited, t.size());
            case Op.Fallocate f -> new Op.Fallocate(visited, f.offset(), f.length(), f.keepSize(), f.punchHole());
            case Op.SetMode m -> new Op.SetMode(visited, m.mode());
            case Op.SetOwner o -> new Op.SetOwner(visited, o.uid(), o.gid());
            case Op.SetTimes t -> new Op.SetTimes(visited, t.atimeNanos(), t.mtimeNanos());
            case Op.SetXattr x -> new Op.SetXattr(visited, x.name(), x.value());
            case Op.RemoveXattr x -> new Op.RemoveXattr(visited, x.name());
            default -> op;
        };
    }

    synchronized CompletableFuture<Long> captureAndWait(Op op) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        try {
            long seq = capture(op);
            if (seq <= appliedSeq) {
                done.complete(seq); // nothing new to send (the mirror will copy it)
                return done;
            }
            waiters.put(seq, done);
        } catch (ReplicationException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    // --- lifecycle

    synchronized void start() {
        if (sender != null) {
            return;
        }
        boolean wasStopped = state == JobState.STOPPED || state == JobState.ERROR;
        lastError = null;
        nextWindow = System.nanoTime(); // interval mode: a start sends what accumulated at once
        move(JobState.CONNECTING, "started");
        connection++; // what the previous run's link still reports (its close, say) is not this run's
        sender = new Thread(this::run, "doppel-job-" + definition.name());
        sender.setDaemon(true);
        sender.start();
        if (!captureRunning && !CaptureBinding.NONE.equals(definition.interceptor())) {
            // after an agent restart the interceptor may come later (and clear what a crash left, a dead
            // mount say): the mirror starts when it captures
            mirrorOnCapture = wasStopped;
            gateForDueMirror(wasStopped);
            return;
        }
        startDueMirror(wasStopped);
    }

    /**
     * Opens the gate of the mirror that starts once the interceptor captures, as a paused job does
     * ({@link #restorePaused}): the interceptor hands over changes from the moment it runs, before
     * the mirror's thread begins, and those changes must be judged by that mirror's walk already
     * (dropped where it has not been, lenient where it has). Without it they would travel as plain
     * changes to an image that lacks what changed while the job was stopped.
     */
    private void gateForDueMirror(boolean wasStopped) {
        if (gate.active()) {
            return; // a mirror stopped with the job: its gate still holds
        }
        if (mirrorPlan != null && mirrorPlan.running()) {
            Mirror.resume(this, gate, readRoot(), mirrorFile, mirrorPlan).begin(journal.lastSeq());
        } else if (mirrorNeeded != null || (wasStopped && journal.lastSeq() > 0 && mirrors())) {
            Mirror.start(this, gate, readRoot(), mirrorFile, autoMode(), false, "held for the start")
                    .begin(journal.lastSeq());
        }
    }

    /**
     * Where the source tree is read (mirrors, verifications): beneath the capture's mount while one
     * runs ({@link io.doppel.api.capture.Capture#backing}), else the source directory itself.
     */
    private volatile Path backing;

    Path readRoot() {
        Path b = backing;
        return b != null ? b : Path.of(definition.source());
    }

    /** The job's interceptor captures now: a mirror that waited for it starts. */
    synchronized void captureStarted(io.doppel.api.capture.Capture capture) {
        this.backing = capture.backing();
        this.runningCapture = capture;
        captureStarted();
    }

    /** The capture that hands this job its changes, or null. */
    private volatile io.doppel.api.capture.Capture runningCapture;

    /**
     * Runs {@code action} when no change is under way in the job's capture (see
     * {@link io.doppel.api.capture.Capture#betweenChanges}). The caller must not hold this monitor:
     * the capture's lock comes first.
     */
    void betweenChanges(Runnable action) {
        io.doppel.api.capture.Capture c = runningCapture;
        if (c == null) {
            action.run();
        } else {
            c.betweenChanges(action);
        }
    }

    /** The job's interceptor captures now: a mirror that waited for it starts. */
    synchronized void captureStarted() {
        captureRunning = true;
        if (mirrorOnCapture != null && sender != null) {
            boolean wasStopped = mirrorOnCapture;
            mirrorOnCapture = null;
            if (mirror != null) {
                // a resynchronisation began meanwhile (a shared capture saw a change cross this job's
                // set): it walks everything, and two walks must never share the gate
                mirrorNeeded = null;
                return;
            }
            startDueMirror(wasStopped);
        }
    }

    synchronized void captureStopped() {
        captureRunning = false;
        backing = null;
        runningCapture = null;
    }

    /** Whether the job takes changes now (running, mirroring or paused). */
    synchronized boolean capturing() {
        return state.isCapturing();
    }

    /**
     * A change was made that this job cannot replicate as an op (a shared capture saw it cross the
     * border of this job's replication set): a difference mirror copies it, now, after the running
     * mirror, or when the job starts.
     */
    synchronized void resyncFor(String why) {
        event(io.doppel.api.event.Severity.WARNING, "capture.resync", why + "; a difference mirror copies it");
        if (sender == null) {
            mirrorNeeded = why;
            return;
        }
        if (mirror != null) {
            resyncAfterMirror = why;
            return;
        }
        LOG.warn("Job '{}': {}; a {} mirror resynchronises it", definition.name(), why, autoMode());
        gate.end();
        startMirror(Mirror.start(this, gate, readRoot(), mirrorFile, autoMode(), false, why));
    }

    /** Why another mirror is to follow the running one, else null. */
    private String resyncAfterMirror;

    private void startDueMirror(boolean wasStopped) {
        if (mirrorPlan != null && mirrorPlan.running()) {
            startMirror(Mirror.resume(this, gate, readRoot(), mirrorFile, mirrorPlan));
        } else if (mirrorNeeded != null) {
            startMirror(Mirror.start(this, gate, readRoot(), mirrorFile, autoMode(),
                    false, mirrorNeeded));
        } else if (wasStopped && journal.lastSeq() > 0 && mirrors()) {
            startMirror(Mirror.start(this, gate, readRoot(), mirrorFile, autoMode(), false,
                    "the job restarted: changes made while it was stopped were not captured"));
        } else if (mirror == null) {
            gate.end(); // no mirror comes: a gate held for one would drop every change
        }
        mirrorNeeded = null;
    }

    /** Whether this job mirrors by itself (it has an interceptor, and its mirror mode is not none). */
    private boolean mirrors() {
        return !"none".equals(definition.mirrorMode()) && !CaptureBinding.NONE.equals(definition.interceptor());
    }

    /** The mode of a mirror the job starts by itself: its own, or diff if it has none. */
    private String autoMode() {
        return "none".equals(definition.mirrorMode()) ? "diff" : definition.mirrorMode();
    }

    /** Starts a mirror now at the admin's request (a running one is replaced, resuming nothing). */
    synchronized JobStatus mirror(String mode, boolean checksumAll) {
        if (sender == null) {
            throw new IllegalStateException("job '" + definition.name() + "' is " + state + "; start it to mirror");
        }
        if (!MirrorStatus.MODES.contains(mode)) {
            throw new IllegalArgumentException("mode: '" + mode + "' must be one of " + MirrorStatus.MODES);
        }
        if (mirror != null) {
            throw new IllegalStateException("job '" + definition.name() + "' is mirroring already ("
                    + mirror.status().filesDone() + " of " + mirror.status().filesTotal() + " entries)");
        }
        gate.end();
        startMirror(Mirror.start(this, gate, readRoot(), mirrorFile, mode, checksumAll,
                "requested by the admin"));
        return status();
    }

    private void startMirror(Mirror m) {
        mirror = m;
        MirrorStatus ms = m.status();
        boolean asked = "requested by the admin".equals(ms.reason()) || "initial copy".equals(ms.reason());
        event(asked ? io.doppel.api.event.Severity.INFO : io.doppel.api.event.Severity.WARNING,
                ms.resumed() > 0 ? "mirror.resumed" : asked ? "mirror.started" : "mirror.resync",
                ms.mode() + " mirror " + (ms.resumed() > 0 ? "resumes" : "starts") + " because: " + ms.reason());
        m.begin(journal.lastSeq());
        if (state == JobState.REPLICATING) {
            move(JobState.MIRRORING, "mirror started");
        }
        m.startThread();
    }

    /** The mirror finished (failure null) or failed. */
    void mirrorEnded(Mirror m, String failure) {
        synchronized (this) {
            if (mirror != m) {
                return;
            }
            mirror = null;
            mirrorEndedNanos = System.nanoTime();
            try {
                mirrorPlan = Mirror.load(mirrorFile);
            } catch (IOException e) {
                mirrorPlan = null;
            }
            MirrorStatus ms = m.status();
            if (failure == null) {
                event(io.doppel.api.event.Severity.INFO, "mirror.done", ms.mode() + " mirror done: " + ms.filesDone()
                        + " entries, " + ms.bytesDone() + " bytes compared, " + ms.bytesSent() + " bytes sent");
            } else {
                event(io.doppel.api.event.Severity.ERROR, "mirror.failed", ms.mode() + " mirror failed: " + failure);
            }
            if (failure != null) {
                fail(failure + "; start the job again to resume the mirror");
            } else if (resyncAfterMirror != null && sender != null) {
                String why = resyncAfterMirror;
                resyncAfterMirror = null;
                gate.end();
                startMirror(Mirror.start(this, gate, readRoot(), mirrorFile, autoMode(), false,
                        why));
            } else if (state == JobState.MIRRORING) {
                move(JobState.REPLICATING, "mirror done");
            }
        }
    }

    synchronized long lastSeqLocked() {
        return journal.lastSeq();
    }

    synchronized long appliedSeqLocked() {
        return appliedSeq;
    }

    /** Waits until the target applied {@code seq}. */
    void awaitApplied(long seq, java.util.function.BooleanSupplier stop) throws Mirror.Stopped {
        synchronized (this) {
            try {
                while (appliedSeq < seq) {
                    if (stop.getAsBoolean()) {
                        throw new Mirror.Stopped();
                    }
                    wait(1000);
                }
            } catch (InterruptedException e) {
                throw new Mirror.Stopped();
            }
        }
    }

    /** Waits until {@code ready} (evaluated under this monitor) holds. */
    synchronized void awaitMirrorWindow(java.util.function.BooleanSupplier stop, java.util.function.BooleanSupplier ready)
            throws InterruptedException {
        while (!stop.getAsBoolean() && !ready.getAsBoolean()) {
            wait(1000);
        }
    }

    /** Sends a question to the target once connected; the answer completes the future. */
    CompletableFuture<Frame> ask(java.util.function.LongFunction<Frame> question, java.util.function.BooleanSupplier stop)
            throws InterruptedException {
        Link l;
        long id;
        CompletableFuture<Frame> answer = new CompletableFuture<>();
        synchronized (this) {
            while (link == null) {
                if (stop.getAsBoolean()) {
                    return CompletableFuture.failedFuture(new IOException("the mirror stops"));
                }
                wait(1000);
            }
            l = link;
            id = ++nextQuestion;
            questions.put(id, answer);
        }
        l.send(question.apply(id));
        return answer;
    }

    /** Sends a question if the job is connected now (without waiting); null if it is not. */
    CompletableFuture<Frame> askIfConnected(java.util.function.LongFunction<Frame> question) {
        Link l;
        long id;
        CompletableFuture<Frame> answer = new CompletableFuture<>();
        synchronized (this) {
            if (link == null) {
                return null;
            }
            l = link;
            id = ++nextQuestion;
            questions.put(id, answer);
        }
        l.send(question.apply(id));
        return answer;
    }

    private void answered(long id, Frame answer) {
        CompletableFuture<Frame> f = questions.remove(id);
        if (f != null) {
            f.complete(answer);
        }
    }

    private void linkGone() {
        link = null;
        questions.values().forEach(f -> f.completeExceptionally(new IOException("the connection to the target closed")));
        questions.clear();
    }

    void stop() throws IOException {
        halt(JobState.STOPPED, "stopped");
    }

    /** Stops sending but keeps capturing: changes queue in the journal until {@link #start()}. */
    void pause() throws IOException {
        halt(JobState.PAUSED, "paused");
    }

    /** After an agent restart: a job the admin left paused captures but does not send. */
    synchronized void restorePaused() {
        move(JobState.PAUSED, "paused before the agent restarted");
        // changes captured while paused must respect the unfinished mirror's gate
        if (mirrorPlan != null && mirrorPlan.running()) {
            Mirror.resume(this, gate, readRoot(), mirrorFile, mirrorPlan).begin(journal.lastSeq());
        } else if (mirrorNeeded != null) {
            Mirror.start(this, gate, readRoot(), mirrorFile, autoMode(), false, mirrorNeeded)
                    .begin(journal.lastSeq());
        }
    }

    private void halt(JobState next, String why) throws IOException {
        Thread t;
        Mirror m;
        Verify v;
        Restore r;
        synchronized (this) {
            m = mirror;
            mirror = null;
            v = verify;
            r = restore;
            restore = null;
        }
        if (v != null) {
            v.stopThread();
        }
        if (r != null) {
            r.stopThread();
        }
        if (m != null) {
            m.stopThread();
            synchronized (this) {
                try {
                    mirrorPlan = Mirror.load(mirrorFile);
                } catch (IOException e) {
                    LOG.warn("Job '{}': the mirror's saved state is unreadable: {}", definition.name(), e.getMessage());
                }
            }
        }
        synchronized (this) {
            t = sender;
            sender = null;
            if (state != next && state.canMoveTo(next)) {
                move(next, why);
            }
            if (next == JobState.STOPPED) {
                failWaiters("job '" + definition.name() + "' stopped");
            }
            notifyAll();
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            journal.force();
        }
    }

    void close() throws IOException {
        stop();
        synchronized (this) {
            journal.close();
        }
    }

    private void move(JobState next, String why) {
        if (state == next) {
            return;
        }
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("job '" + definition.name() + "': no transition " + state + " -> " + next);
        }
        LOG.info("Job '{}': {} -> {} ({})", definition.name(), state, next, why);
        state = next;
        event(switch (next) {
            case ERROR -> io.doppel.api.event.Severity.ERROR;
            case DISCONNECTED -> io.doppel.api.event.Severity.WARNING;
            default -> io.doppel.api.event.Severity.INFO;
        }, "job.state", next + ": " + why);
    }

    private void fail(String reason) {
        if (mirror != null) {
            mirror.requestStop(); // it saves where it was; the next start resumes it
            mirror = null;
        }
        lastError = reason;
        if (state.canMoveTo(JobState.ERROR)) {
            move(JobState.ERROR, reason);
        }
        failWaiters(reason);
        sender = null;
        notifyAll();
    }

    private void failWaiters(String reason) {
        waiters.values().forEach(w -> w.completeExceptionally(new ReplicationException(reason)));
        waiters.clear();
    }

    // --- the sender thread

    private void run() {
        try {
            connectAndStream();
        } catch (RuntimeException | Error e) {
            // a bug, not a condition of the link: the job says so instead of going silent
            LOG.error("Job '{}': the sender failed", definition.name(), e);
            synchronized (this) {
                if (sender == Thread.currentThread()) {
                    fail("internal error in the sender: " + e + "; start the job again");
                }
            }
        }
    }

    private void connectAndStream() {
        long backoff = 500;
        while (stillRunning()) {
            try {
                long generation;
                synchronized (this) {
                    linkClosed = false;
                    linkCloseReason = null;
                    rewindTo = -1;
                    generation = ++connection;
                }
                Link l = Link.connect(definition.target(), tls.get(this::refusedAtTls), listenerFor(generation), 10);
                try {
                    boolean accepted = stream(l);
                    boolean full;
                    synchronized (this) {
                        full = targetFull;
                    }
                    if (accepted && !full) {
                        backoff = 500;
                    } else if (full) {
                        backoff = Math.min(backoff, FULL_BACKOFF_MS / 2); // retried at least every 10 s
                        disconnected("the target's disk is full");
                    } else {
                        disconnected("the target closed the connection during the handshake");
                    }
                } finally {
                    l.close();
                }
            } catch (IOException | java.security.GeneralSecurityException e) {
                disconnected(e.getMessage());
            } catch (InterruptedException e) {
                return;
            }
            if (!stillRunning()) {
                return;
            }
            try {
                synchronized (this) {
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
                    while (sender == Thread.currentThread() && System.nanoTime() < until) {
                        TimeUnit.NANOSECONDS.timedWait(this, until - System.nanoTime());
                    }
                    if (sender == Thread.currentThread()) {
                        move(JobState.CONNECTING, "retrying after " + backoff + " ms");
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    /** The number of the job's current connection: frames and closings of earlier ones are ignored. */
    private volatile long connection;

    /**
     * What a connection tells the job, as long as it is the current one: the previous link's
     * closing can arrive after the next link has connected, and must not close that one.
     */
    private Link.Listener listenerFor(long generation) {
        return new Link.Listener() {
            @Override
            public void received(Frame frame) {
                if (connection == generation) {
                    Job.this.received(frame);
                }
            }

            @Override
            public void closed(String reason) {
                if (connection == generation) {
                    Job.this.closed(reason);
                }
            }
        };
    }

    private synchronized boolean stillRunning() {
        return sender == Thread.currentThread();
    }

    private synchronized void disconnected(String reason) {
        if (linkCloseReason != null) {
            reason = linkCloseReason;
        }
        if (sender == Thread.currentThread() && state.canMoveTo(JobState.DISCONNECTED)) {
            lastError = reason;
            move(JobState.DISCONNECTED, reason);
        }
    }

    /**
     * One connection's life: handshake, then stream until the link or the job ends. Returns whether
     * the target accepted the handshake.
     */
    private boolean stream(Link l) throws IOException, InterruptedException {
        boolean restoringNow;
        synchronized (this) {
            // a restore, or the rebase that ends one: an image held after a failover admits only these
            restoringNow = restore != null || rebaseAfterRestore >= 0;
        }
        l.send(new Frame.Hello(Frame.PROTOCOL, definition.name(), definition.imageName(), restoringNow));
        long applied = awaitResume(l);
        if (applied < 0) {
            return false;
        }
        if (restoring(l, applied)) {
            return true;
        }
        long rebaseTo;
        synchronized (this) {
            if (rebaseAfterRestore >= 0 && applied <= rebaseAfterRestore) {
                rebaseTo = rebaseAfterRestore; // the image takes the journal's numbering after a restore
            } else {
                rebaseTo = applied < journal.acked() ? resynchronise(applied) : -1;
            }
        }
        if (rebaseTo == -2) {
            return true;
        }
        if (rebaseTo >= 0) {
            l.send(new Frame.Rebase(rebaseTo));
            applied = awaitResume(l);
            if (applied < 0) {
                return true;
            }
            synchronized (this) {
                if (applied >= rebaseAfterRestore) {
                    rebaseAfterRestore = -1;
                }
            }
        }
        Journal.Reader reader = null;
        Compressor compressor = null;
        try {
            synchronized (this) {
                if (applied > journal.lastSeq()) {
                    fail("the target image '" + definition.imageName() + "' is ahead of this source (" + applied + " > "
                            + journal.lastSeq() + "): it belongs to another source or this source was restored");
                    return true;
                }
                if (applied < journal.acked()) {
                    fail("the target image '" + definition.imageName() + "' is behind what it acknowledged (" + applied
                            + " < " + journal.acked() + ") and did not move forward when asked");
                    return true;
                }
                if (linkClosed || sender != Thread.currentThread()) {
                    return true; // closed (or stopped) meanwhile: the next connection goes on
                }
                appliedSeq = applied;
                sentSeq = applied;
                inflight = 0;
                inflightOps.clear();
                inflightFrames.clear();
                lastError = null;
                move(mirror != null ? JobState.MIRRORING : JobState.REPLICATING, "target at " + applied);
                link = l;
                notifyAll();
                reader = journal.reader(applied + 1);
            }
            long headSaid = 0;
            while (true) {
                List<SequencedOp> batch = new ArrayList<>();
                synchronized (this) {
                    headSaid = sayHead(l, headSaid);
                    while (sender == Thread.currentThread() && !linkClosed && rewindTo < 0
                            && !(reader.hasNext() && inflight < WINDOW_BYTES && inflightFrames.size() < WINDOW_FRAMES
                            && windowOpen())) {
                        headSaid = sayHead(l, headSaid);
                        long untilWindow = nextWindow - System.nanoTime();
                        if (reader.hasNext() && untilWindow > 0) {
                            TimeUnit.NANOSECONDS.timedWait(this, Math.min(untilWindow, TimeUnit.SECONDS.toNanos(1)));
                        } else {
                            wait(1000);
                        }
                    }
                    if (sender != Thread.currentThread() || linkClosed) {
                        return true;
                    }
                    if (rewindTo >= 0) {
                        if (rewindTo < journal.acked()) {
                            long to = resynchronise(rewindTo);
                            if (to < 0) {
                                return true;
                            }
                            rewindTo = -1;
                            l.send(new Frame.Rebase(to)); // answered by a Resume: the rewind below
                            continue;
                        }
                        reader.close();
                        reader = journal.reader(rewindTo + 1);
                        sentSeq = rewindTo;
                        inflight = 0;
                        inflightOps.clear();
                        inflightFrames.clear();
                        rewindTo = -1;
                        continue;
                    }
                    long bytes = 0;
                    long rate = schedule.bytesPerSecondAt(java.time.ZonedDateTime.now());
                    bucket.rate(rate);
                    // Under a limit, batches of about a quarter second's worth keep the pace smooth.
                    long batchLimit = rate == BandwidthSchedule.UNLIMITED ? BATCH_BYTES
                            : Math.max(4096, Math.min(BATCH_BYTES, rate / 4));
                    while (reader.hasNext() && bytes < batchLimit && inflight + bytes < WINDOW_BYTES) {
                        SequencedOp op = reader.next();
                        batch.add(op);
                        int size = OpCodec.size(op);
                        bytes += size;
                        inflightOps.put(op.seq(), new long[] {size, op.capturedAtMicros()});
                    }
                    inflight += bytes;
                    sentSeq = batch.get(batch.size() - 1).seq();
                    inflightFrames.addLast(sentSeq);
                    if (!reader.hasNext() && definition.intervalSeconds() > 0) {
                        nextWindow = System.nanoTime() + TimeUnit.SECONDS.toNanos(definition.intervalSeconds());
                    }
                }
                int level = compressionLevel(definition.compressionLevel());
                if (compressor == null || compressor.level() != level) {
                    if (compressor != null) {
                        compressor.close();
                    }
                    compressor = new Compressor(level);
                }
                // Runs of writes to one file and repeated attribute changes travel as one op each;
                // compressed only if it pays (data that is compressed already travels as it is).
                FrameCodec.Encoded frame = compressor.encode(new Frame.Ops(Coalescer.coalesce(batch, BATCH_BYTES)));
                if (!pace(frame.length())) {
                    return true;
                }
                l.send(frame);
                rate.add(frame.length());
            }
        } finally {
            synchronized (this) {
                linkGone();
            }
            if (reader != null) {
                reader.close();
            }
            if (compressor != null) {
                compressor.close();
            }
        }
    }

    /**
     * Tells the target the journal's head, at most every {@value #HEAD_EVERY_MILLIS} ms and only
     * while it is ahead of what was sent: a target that takes over then knows how many changes it
     * lacks. Returns when it was said (nanoTime).
     */
    private long sayHead(Link l, long saidAt) {
        if (definition.synchronous()) {
            // a change not yet acknowledged by the target has not completed for its application either:
            // the replica lacks nothing that was done, so no head is said (a takeover is never "behind")
            return saidAt;
        }
        long now = System.nanoTime();
        long head = journal.lastSeq();
        if (head <= sentSeq || now - saidAt < TimeUnit.MILLISECONDS.toNanos(HEAD_EVERY_MILLIS)) {
            return saidAt;
        }
        l.send(new Frame.Heartbeat(System.currentTimeMillis(), head));
        return now;
    }

    static final long HEAD_EVERY_MILLIS = 500;

    /**
     * While a restore runs, the connection only carries its questions: nothing is sent from the
     * journal. Returns whether this connection's life ended (the link closed, the job stopped or the
     * restore failed); false when the restore is done and the connection goes on streaming.
     */
    private synchronized boolean restoring(Link l, long applied) throws InterruptedException {
        if (restore == null) {
            return false;
        }
        if (linkClosed || sender != Thread.currentThread()) {
            return true; // closed meanwhile: the next connection goes on
        }
        appliedSeq = applied;
        link = l;
        move(JobState.RESTORING, "restoring the source from the target image at op " + applied);
        notifyAll();
        while (restore != null && sender == Thread.currentThread() && !linkClosed) {
            wait(1000);
        }
        return restore != null || sender != Thread.currentThread() || linkClosed;
    }

    /**
     * The target image is behind ops this source released (it was reset or restored from a backup):
     * they cannot be sent again, so the image is resynchronised by a mirror instead. Under this
     * monitor: a mirror begins at the journal's last op, and the target is to move its cursor there
     * without applying the ops before (the mirror copies everything they did). Returns that op, or
     * -2 if the job failed instead (its mirror mode is none, or a mirror is running already).
     */
    private long resynchronise(long applied) {
        String why = overflowed != null ? overflowed
                : "the target image '" + definition.imageName() + "' was behind what this source had released (op "
                + applied + " < " + journal.acked() + "): it was reset or restored from a backup";
        overflowed = null;
        if ("none".equals(definition.mirrorMode())) {
            fail(why + "; the job's mirror mode is none, so it needs a mirror by the admin (doppel job mirror)");
            return -2;
        }
        if (mirror != null) {
            fail(why + ", while a mirror ran; start the job again to resynchronise it");
            return -2;
        }
        LOG.warn("Job '{}': {}; a {} mirror resynchronises it", definition.name(), why, autoMode());
        gate.end();
        startMirror(Mirror.start(this, gate, readRoot(), mirrorFile, autoMode(), false, why));
        return journal.lastSeq();
    }

    /** In interval mode, whether the current window is open; always in continuous mode. */
    private boolean windowOpen() {
        return definition.intervalSeconds() == 0 || System.nanoTime() - nextWindow >= 0;
    }

    /** Waits until the bandwidth limit lets {@code bytes} go; false if the job stopped meanwhile. */
    private synchronized boolean pace(long bytes) throws InterruptedException {
        while (sender == Thread.currentThread() && !linkClosed) {
            long wait = bucket.take(bytes);
            if (wait == 0) {
                return true;
            }
            TimeUnit.NANOSECONDS.timedWait(this, wait);
            bucket.rate(schedule.bytesPerSecondAt(java.time.ZonedDateTime.now()));
        }
        return false;
    }

    private synchronized long awaitResume(Link l) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Link.SILENCE_SECONDS);
        while (rewindTo < 0 && !linkClosed && sender == Thread.currentThread()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                disconnected("the target did not answer the handshake in " + Link.SILENCE_SECONDS + " s");
                return -1;
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(Link.HANDSHAKE_NUDGE_MILLIS)));
            if (rewindTo < 0 && !linkClosed) {
                // a heartbeat while waiting (the target ignores heartbeats): with MINA's TLS filter a
                // frame just after the handshake could stay queued until the next write; kept as a guard
                l.send(new Frame.Heartbeat(System.currentTimeMillis()));
            }
        }
        if (rewindTo < 0) {
            return -1;
        }
        long applied = rewindTo;
        rewindTo = -1;
        return applied;
    }

    // --- link callbacks (MINA threads)

    @Override
    public void received(Frame frame) {
        // answers to a walk's questions need no part of the job's state: they skip its monitor,
        // which the walk holds while it appends
        switch (frame) {
            case Frame.Listing l -> answered(l.id(), l);
            case Frame.Sums r -> answered(r.id(), r);
            case Frame.SumsBatch r -> answered(r.id(), r);
            case Frame.Data d -> answered(d.id(), d);
            case Frame.Xattrs x -> answered(x.id(), x);
            default -> receivedLocked(frame);
        }
    }

    private synchronized void receivedLocked(Frame frame) {
        switch (frame) {
            case Frame.Resume r -> rewindTo = r.applied();
            case Frame.Ack a -> acknowledged(a.applied(), a.durable());
            case Frame.Refused r when "BUSY".equals(r.code()) -> {
                // the target still holds the image for a connection that is going away (this
                // source's previous one, closing): try again, with the usual backoff
                linkCloseReason = "the target refused for now: " + r.message() + "; retrying";
                linkClosed = true;
            }
            case Frame.Refused r when "NO_SPACE".equals(r.code()) -> {
                // the image's disk is full: nothing is lost (the journal keeps every change the target
                // has not applied); the job goes on capturing and retries until space returns
                String why = "the target cannot store the changes: " + r.message()
                        + "; free space there: the job keeps its changes and retries";
                if (!targetFull) {
                    event(io.doppel.api.event.Severity.ERROR, "target.full", why);
                }
                linkCloseReason = why;
                lastError = why; // the connection may be seen closed before this frame
                linkClosed = true;
                targetFull = true;
            }
            case Frame.Refused r -> fail("the target refused: " + r.message() + " [" + r.code() + "]"
                    + (r.seq() > 0 ? " at op " + r.seq() : ""));
            case Frame.Heartbeat h -> { }
            case Frame.HeadRequest q -> {
                // a target about to take over: how far have this job's applications got? A synchronous
                // change completes only once the target applied it, so the target lacks none of those
                if (link != null) {
                    link.send(new Frame.HeadAnswer(q.id(), definition.synchronous() ? appliedSeq : journal.lastSeq()));
                }
            }
            default -> fail("the target sent an unexpected " + frame.getClass().getSimpleName() + " frame");
        }
        notifyAll();
    }

    /** The TLS handshake refused the target: report it now, not after the handshake timeout. */
    private synchronized void refusedAtTls(String reason) {
        linkClosed = true;
        linkCloseReason = reason;
        if (sender != null && state.canMoveTo(JobState.DISCONNECTED)) {
            lastError = reason;
            move(JobState.DISCONNECTED, reason);
        }
        notifyAll();
    }

    @Override
    public synchronized void closed(String reason) {
        linkClosed = true;
        linkGone();
        if (linkCloseReason == null) {
            linkCloseReason = reason;
        }
        if (sender != null && state.canMoveTo(JobState.DISCONNECTED) && state != JobState.ERROR) {
            // why the target closed it (a refusal) says more than how the connection ended
            lastError = linkCloseReason;
            move(JobState.DISCONNECTED, linkCloseReason);
        }
        notifyAll();
    }

    /** The target applied ops up to {@code applied}; the journal can let go of them up to {@code durable}. */
    private void acknowledged(long applied, long durable) {
        if (targetFull && applied > appliedSeq) {
            targetFull = false;
            event(io.doppel.api.event.Severity.INFO, "target.space", "the target stores the changes again");
        }
        if (applied > journal.lastSeq()) {
            fail("the target acknowledged op " + applied + " that was never sent");
            return;
        }
        if (durable > journal.acked()) {
            try {
                journal.acknowledge(durable);
            } catch (IOException e) {
                fail("cannot record the acknowledgement in the journal: " + e.getMessage());
                return;
            }
        }
        if (applied <= appliedSeq) {
            return;
        }
        appliedSeq = applied;
        long[] newest = inflightOps.get(applied);
        if (newest != null) {
            lagMillis = Math.max(0, (nowMicros() - newest[1]) / 1000);
        }
        var done = inflightOps.entrySet().iterator();
        while (done.hasNext()) {
            var e = done.next();
            if (e.getKey() > applied) {
                break;
            }
            inflight -= e.getValue()[0];
            done.remove();
        }
        while (!inflightFrames.isEmpty() && inflightFrames.peekFirst() <= applied) {
            inflightFrames.removeFirst();
        }
        var ready = waiters.headMap(applied, true);
        ready.forEach((seq, w) -> w.complete(seq));
        ready.clear();
    }

    static int compressionLevel(String name) {
        return switch (name) {
            case "none" -> 0;
            case "balanced" -> 6;
            case "max" -> 9;
            default -> 1;
        };
    }

    private static long nowMicros() {
        return SteadyClock.nowMicros();
    }
}
