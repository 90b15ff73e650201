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
import io.doppel.api.op.Op;
import io.doppel.engine.ReplicationException;
import io.doppel.engine.internal.codec.Coalescer;
import io.doppel.engine.internal.codec.OpCodec;
import io.doppel.engine.internal.codec.SequencedOp;
import io.doppel.engine.internal.journal.Journal;
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
    /** MiB of the send queue kept in memory when the job does not say. */
    static final int DEFAULT_QUEUE_MEMORY_MIB = 64;
    /** Bytes sent and not yet acknowledged, at most. */
    static final long WINDOW_BYTES = 16L * 1024 * 1024;
    /**
     * Frames sent and not yet acknowledged, at most: MINA's TLS filter refuses a write
     * (BufferOverflowException) when 64 are waiting to be encrypted, which small frames could
     * otherwise reach within the byte window.
     */
    static final int WINDOW_FRAMES = 32;
    /** Largest batch of ops in one frame. */
    static final int BATCH_BYTES = 1024 * 1024;
    private static final long MAX_BACKOFF_MS = 30_000;

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
    private Thread sender;

    /** Supplies the TLS context for a connection (it follows the current trusted peers). */
    interface TlsSupplier {
        SSLContext get(java.util.function.Consumer<String> onRefusal) throws java.security.GeneralSecurityException;
    }

    Job(JobDefinition definition, Path journalDir, TlsSupplier tls) throws IOException {
        this.definition = definition;
        this.schedule = BandwidthSchedule.parse(definition.bandwidth());
        this.rules = ReplicationRules.parse(definition.rules(), java.nio.file.Path.of(definition.source()));
        this.tls = tls;
        this.journal = Journal.open(journalDir, SEGMENT_BYTES,
                (definition.queueMemoryMiB() == 0 ? DEFAULT_QUEUE_MEMORY_MIB : definition.queueMemoryMiB()) * 1024L * 1024);
        this.sentSeq = journal.acked();
        this.appliedSeq = journal.acked();
        if (journal.recovery().damaged()) {
            lastError = "the journal was damaged (" + journal.recovery().damage() + "); ops after seq "
                    + journal.lastSeq() + " were lost and the target needs a resynchronisation";
            LOG.error("Job '{}': {}", definition.name(), lastError);
        } else if (journal.recovery().tornTailBytes() > 0) {
            LOG.warn("Job '{}': dropped {} bytes of an op cut short by a crash", definition.name(),
                    journal.recovery().tornTailBytes());
        }
    }

    JobDefinition definition() {
        return definition;
    }

    synchronized JobStatus status() {
        return new JobStatus(definition, state, journal.lastSeq(), sentSeq, appliedSeq, journal.pendingOps(),
                journal.diskBytes(), journal.memoryBytes(), lagMillis, lastError, capture, rate.perSecond(), rate.total());
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
        rules = newRules;
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
        long seq = journal.lastSeq() + 1;
        SequencedOp sequenced = new SequencedOp(seq, nowMicros(), op);
        try {
            journal.append(sequenced);
        } catch (IOException e) {
            fail("cannot write the journal: " + e.getMessage());
            throw new ReplicationException("job '" + definition.name() + "' cannot journal the change: "
                    + e.getMessage(), e);
        }
        notifyAll();
        return seq;
    }

    synchronized CompletableFuture<Long> captureAndWait(Op op) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        try {
            long seq = capture(op);
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
        lastError = null;
        nextWindow = System.nanoTime(); // interval mode: a start sends what accumulated at once
        move(JobState.CONNECTING, "started");
        sender = new Thread(this::run, "doppel-job-" + definition.name());
        sender.setDaemon(true);
        sender.start();
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
    }

    private void halt(JobState next, String why) throws IOException {
        Thread t;
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
    }

    private void fail(String reason) {
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
        long backoff = 500;
        while (stillRunning()) {
            try {
                synchronized (this) {
                    linkClosed = false;
                    linkCloseReason = null;
                    rewindTo = -1;
                }
                Link l = Link.connect(definition.target(), tls.get(this::refusedAtTls), this, 10);
                try {
                    stream(l);
                    backoff = 500;
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

    /** One connection's life: handshake, then stream until the link or the job ends. */
    private void stream(Link l) throws IOException, InterruptedException {
        l.send(new Frame.Hello(Frame.PROTOCOL, definition.name(), definition.imageName()));
        long applied = awaitResume();
        if (applied < 0) {
            return;
        }
        Journal.Reader reader = null;
        try {
            synchronized (this) {
                if (applied > journal.lastSeq()) {
                    fail("the target image '" + definition.imageName() + "' is ahead of this source (" + applied + " > "
                            + journal.lastSeq() + "): it belongs to another source or this source was restored");
                    return;
                }
                if (applied < journal.acked()) {
                    fail("the target image '" + definition.imageName() + "' is behind what it acknowledged (" + applied
                            + " < " + journal.acked() + "): it was reset or restored; it needs a resynchronisation");
                    return;
                }
                appliedSeq = applied;
                sentSeq = applied;
                inflight = 0;
                inflightOps.clear();
                inflightFrames.clear();
                lastError = null;
                move(JobState.REPLICATING, "target at " + applied);
                reader = journal.reader(applied + 1);
            }
            while (true) {
                List<SequencedOp> batch = new ArrayList<>();
                synchronized (this) {
                    while (sender == Thread.currentThread() && !linkClosed && rewindTo < 0
                            && !(reader.hasNext() && inflight < WINDOW_BYTES && inflightFrames.size() < WINDOW_FRAMES
                            && windowOpen())) {
                        long untilWindow = nextWindow - System.nanoTime();
                        if (reader.hasNext() && untilWindow > 0) {
                            TimeUnit.NANOSECONDS.timedWait(this, Math.min(untilWindow, TimeUnit.SECONDS.toNanos(1)));
                        } else {
                            wait(1000);
                        }
                    }
                    if (sender != Thread.currentThread() || linkClosed) {
                        return;
                    }
                    if (rewindTo >= 0) {
                        if (rewindTo < journal.acked()) {
                            fail("the target asked to resend from op " + (rewindTo + 1) + ", which it had made durable "
                                    + "and this source has released; the image needs a resynchronisation");
                            return;
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
                // Runs of writes to one file and repeated attribute changes travel as one op each.
                Frame.Ops ops = new Frame.Ops(Coalescer.coalesce(batch, BATCH_BYTES));
                byte[] frame = FrameCodec.encodeFrame(level == 0 ? ops : new Frame.Compressed(ops, level));
                if (!pace(frame.length)) {
                    return;
                }
                l.send(frame);
                rate.add(frame.length);
            }
        } finally {
            if (reader != null) {
                reader.close();
            }
        }
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

    private synchronized long awaitResume() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Link.SILENCE_SECONDS);
        while (rewindTo < 0 && !linkClosed && sender == Thread.currentThread()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                disconnected("the target did not answer the handshake in " + Link.SILENCE_SECONDS + " s");
                return -1;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
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
    public synchronized void received(Frame frame) {
        switch (frame) {
            case Frame.Resume r -> rewindTo = r.applied();
            case Frame.Ack a -> acknowledged(a.applied(), a.durable());
            case Frame.Refused r -> fail("the target refused: " + r.message() + " [" + r.code() + "]"
                    + (r.seq() > 0 ? " at op " + r.seq() : ""));
            case Frame.Heartbeat h -> { }
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
        linkCloseReason = reason;
        if (sender != null && state.canMoveTo(JobState.DISCONNECTED) && state != JobState.ERROR) {
            lastError = reason;
            move(JobState.DISCONNECTED, reason);
        }
        notifyAll();
    }

    /** The target applied ops up to {@code applied}; the journal can let go of them up to {@code durable}. */
    private void acknowledged(long applied, long durable) {
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
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
