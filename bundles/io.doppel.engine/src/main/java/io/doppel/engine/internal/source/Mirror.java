package io.doppel.engine.internal.source;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.job.MirrorStatus;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.FileStat;
import io.doppel.engine.internal.apply.ImageInspector;
import io.doppel.engine.internal.apply.NativeDir;
import io.doppel.engine.internal.apply.NativeXattrs;
import io.doppel.engine.internal.transport.Frame;
import io.doppel.management.protocol.Json;

/**
 * The mirror of one job: walks the source tree in the {@link MirrorGate} order and puts what the
 * target lacks on the job's ordered stream, while live changes keep flowing (docs/MIRROR.md).
 * Modes: {@code full} (every byte), {@code diff} (only blocks whose checksums differ from the
 * target's; files of equal size and time are skipped unless {@code checksumAll}), {@code newer}
 * (files newer on the source). Its position is saved, so that a restarted agent resumes it.
 */
final class Mirror {

    private static final Logger LOG = LoggerFactory.getLogger(Mirror.class);
    static final String STATE_FILE = "mirror.json";
    /** Bytes of file content read and appended at once. */
    static final int CHUNK = 1024 * 1024;
    /** Mirror bytes appended and not yet applied by the target, at most. */
    static final long WINDOW = 8L * 1024 * 1024;
    private static final int ATTEMPTS = 3;
    private static final long SAVE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long ASK_TIMEOUT_SECONDS = 60;
    /**
     * How long before the gate began a file's change time still counts as "changed under the gate":
     * the kernel stamps times from a clock that lags by up to a tick, and some file systems keep
     * times to the second or two.
     */
    static final long WITHHELD_SLACK_MILLIS = 2_000;

    /** What is saved of a mirror, so that a restart resumes it (and status shows the last one). */
    record Plan(String mode, boolean checksumAll, String reason, long startedAtMillis, long finishedAtMillis,
            String cursor, boolean mainDone, List<String> pending, long filesDone, long bytesDone, long bytesSent, int resumed,
            String error, boolean repair) {
        Plan(String mode, boolean checksumAll, String reason, long startedAtMillis, long finishedAtMillis,
                String cursor, boolean mainDone, List<String> pending, long filesDone, long bytesDone, long bytesSent,
                int resumed, String error) {
            this(mode, checksumAll, reason, startedAtMillis, finishedAtMillis, cursor, mainDone, pending, filesDone,
                    bytesDone, bytesSent, resumed, error, false);
        }

        boolean running() {
            return finishedAtMillis == 0;
        }
    }

    /** The mirror stopped because the job stopped. */
    static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;
    }

    private final Job job;
    private final MirrorGate gate;
    private final Path root;
    private final Path stateFile;
    private final String mode;
    private final boolean checksumAll;
    private final String reason;
    private final long startedAt;
    private final int resumed;
    private final RelPath resumeAt;
    /** A repair of some paths after a verification: the target may hold something at each, to compare with. */
    private final boolean repair;
    private final CompletableFuture<String> finished = new CompletableFuture<>();
    private volatile boolean mainDone;
    private long appliedMark;
    private final Set<RelPath> resumePending;
    private volatile String phase = "counting";
    private volatile long filesTotal;
    private volatile long bytesTotal;
    private volatile long filesDone;
    private volatile long bytesDone;
    private volatile long bytesSent;
    private final long bytesDoneAtStart;
    private final long runStartNanos = System.nanoTime();
    private volatile long finishedAt;
    private volatile String error;
    /** The journal sequence the target must have applied before it answers (the mirror's start). */
    private long minApplied;
    /** Mirror bytes appended, and (seq, bytes so far) of recent appends, for the window. */
    private long appendedBytes;
    private final java.util.ArrayDeque<long[]> appends = new java.util.ArrayDeque<>();
    private long lastSeq;
    private long lastSave = System.nanoTime();
    private Thread thread;
    /** Set to stop the walk; never by interrupting it (an interrupt closes the journal's channel mid-write). */
    private volatile boolean stopping;
    private final TargetQuestions target;
    /** Files whose change time is at or after this (ms) may have had changes withheld by the gate. */
    private long withheldFromMillis = Long.MAX_VALUE;

    private Mirror(Job job, MirrorGate gate, Path root, Path stateFile, Plan plan) {
        this.job = job;
        this.target = new TargetQuestions(job, () -> stopping, ASK_TIMEOUT_SECONDS);
        this.gate = gate;
        this.root = root;
        this.stateFile = stateFile;
        this.mode = plan.mode();
        this.checksumAll = plan.checksumAll();
        this.reason = plan.reason();
        this.startedAt = plan.startedAtMillis();
        this.resumed = plan.resumed();
        this.resumeAt = plan.cursor() == null ? null : RelPath.of(plan.cursor());
        this.mainDone = plan.mainDone();
        this.repair = plan.repair();
        this.resumePending = new java.util.HashSet<>();
        plan.pending().forEach(p -> resumePending.add(RelPath.of(p)));
        this.filesDone = plan.filesDone();
        this.bytesDone = plan.bytesDone();
        this.bytesDoneAtStart = plan.bytesDone();
        this.bytesSent = plan.bytesSent();
    }

    /**
     * Opens the gate for this mirror (the caller holds the job's monitor, before any change can be
     * captured): from now on, changes to what the mirror has not reached are not sent.
     */
    void begin(long journalSeq) {
        minApplied = journalSeq;
        lastSeq = journalSeq; // done only once all that is journaled now is applied too
        if (gate.active()) {
            return; // the job paused and resumes: the gate kept what happened meanwhile
        }
        if (mainDone) {
            gate.begin(null, resumePending);
            gate.walkDone();
        } else {
            gate.begin(resumeAt, resumePending);
        }
    }

    /** A new mirror. */
    static Mirror start(Job job, MirrorGate gate, Path root, Path stateFile, String mode, boolean checksumAll,
            String reason) {
        return new Mirror(job, gate, root, stateFile, new Plan(mode, checksumAll, reason, System.currentTimeMillis(),
                0, null, false, List.of(), 0, 0, 0, 0, null));
    }

    /**
     * A repair after a verification: walks just {@code paths} (diff, checksum all), comparing with
     * what the target holds there.
     */
    static Mirror repair(Job job, MirrorGate gate, Path root, Path stateFile, List<RelPath> paths) {
        return new Mirror(job, gate, root, stateFile, new Plan("diff", true, "repair after a verification",
                System.currentTimeMillis(), 0, null, true, paths.stream().map(RelPath::value).toList(), 0, 0, 0, 0,
                null, true));
    }

    /** Completes when the mirror finished (null) or failed (the reason); not when it pauses. */
    CompletableFuture<String> finished() {
        return finished;
    }

    /** The mirror saved in {@code stateFile}, resumed if it was running; null if there is none. */
    static Plan load(Path stateFile) throws IOException {
        if (!Files.exists(stateFile)) {
            return null;
        }
        Plan plan = Json.GSON.fromJson(Files.readString(stateFile, StandardCharsets.UTF_8), Plan.class);
        if (plan == null || plan.mode() == null) {
            throw new IOException("mirror state " + stateFile + " is empty or damaged");
        }
        return plan.pending() == null ? new Plan(plan.mode(), plan.checksumAll(), plan.reason(), plan.startedAtMillis(),
                plan.finishedAtMillis(), plan.cursor(), plan.mainDone(), List.of(), plan.filesDone(), plan.bytesDone(), plan.bytesSent(),
                plan.resumed(), plan.error(), plan.repair()) : plan;
    }

    static Mirror resume(Job job, MirrorGate gate, Path root, Path stateFile, Plan plan) {
        if (gate.active()) {
            MirrorGate.Position at = gate.position();
            plan = new Plan(plan.mode(), plan.checksumAll(), plan.reason(), plan.startedAtMillis(), 0,
                    at.cursor() == null ? null : at.cursor().value(), at.mainDone(),
                    at.pending().stream().map(RelPath::value).toList(), plan.filesDone(), plan.bytesDone(),
                    plan.bytesSent(), plan.resumed(), null, plan.repair());
        }
        return new Mirror(job, gate, root, stateFile, new Plan(plan.mode(), plan.checksumAll(), plan.reason(),
                plan.startedAtMillis(), 0, plan.cursor(), plan.mainDone(), plan.pending(), plan.filesDone(), plan.bytesDone(),
                plan.bytesSent(), plan.resumed() + 1, null, plan.repair()));
    }

    /** The status of a mirror that is not running, from what was saved. */
    static MirrorStatus status(Plan p) {
        return new MirrorStatus(p.mode(), p.checksumAll(), p.reason(), p.error() != null ? "failed" : "done",
                p.filesDone(), p.filesDone(), p.bytesDone(), p.bytesDone(), p.bytesSent(), 0, 0, p.startedAtMillis(),
                p.finishedAtMillis(), p.resumed(), p.error());
    }

    MirrorStatus status() {
        long elapsed = Math.max(1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - runStartNanos));
        long rate = (bytesDone - bytesDoneAtStart) * 1000 / elapsed;
        long left = Math.max(0, bytesTotal - bytesDone);
        long eta = "counting".equals(phase) || rate <= 0 ? -1 : left / rate;
        return new MirrorStatus(mode, checksumAll, reason, phase, filesDone, Math.max(filesTotal, filesDone), bytesDone,
                Math.max(bytesTotal, bytesDone), bytesSent, rate, finishedAt != 0 ? 0 : eta, startedAt, finishedAt,
                resumed, error);
    }

    boolean running() {
        return finishedAt == 0;
    }

    void startThread() {
        thread = new Thread(this::run, "doppel-mirror-" + job.definition().name());
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks the walk to stop without waiting for it (the caller may hold the job's monitor). */
    void requestStop() {
        stopping = true;
        WalkThreads.wake(job, target);
    }

    boolean stopping() {
        return stopping;
    }

    /** Stops the walk (the job stops); what is saved lets the next start resume it. */
    void stopThread() {
        requestStop();
        WalkThreads.join(thread);
    }

    // --- the walk

    private void run() {
        try {
            LOG.info("Job '{}': mirror ({}{}) {} because: {}", job.definition().name(), mode,
                    checksumAll ? ", checksum all" : "", resumed > 0 ? "resumes at " + resumeAt : "starts", reason);
            count();
            phase = "copying";
            save(false);
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("the source directory " + root + " does not exist or is not a directory");
            }
            if (!mainDone) {
                walkRoot(RelPath.ROOT, resumeAt, true);
                mainDone = true;
            }
            while (true) {
                RelPath[] next = new RelPath[1];
                // Between two changes of the capture: a change made before this step and handed over
                // after it would be judged as made after the end, when the walk may have passed over it
                // unknowing (a file renamed just before the walk found it gone, to a name it had passed).
                job.betweenChanges(() -> {
                    synchronized (job) {
                        // nothing pending: the gate ends in this step. Kept open while the target catches up,
                        // it could still turn a change captured now into a removal and a path pending for a
                        // walk that would never come (a rename in the directory the walk looked at last was
                        // lost so)
                        next[0] = gate.finishWalks() ? null : gate.nextPending();
                    }
                });
                if (next[0] == null) {
                    break;
                }
                LOG.info("Job '{}': mirror walks {} again (it received content the mirror had not reached)",
                        job.definition().name(), next[0]);
                walkRoot(next[0], null, repair);
            }
            phase = "waiting for the target";
            job.awaitApplied(lastSeq, this::stopping);
            finish(null);
        } catch (Stopped e) {
            save(false);
            LOG.info("Job '{}': mirror paused at {}; it resumes when the job starts again", job.definition().name(),
                    gate.cursor());
        } catch (IOException | RuntimeException e) {
            LOG.error("Job '{}': mirror failed", job.definition().name(), e);
            finish("the mirror failed: " + e.getMessage());
        }
    }

    private void finish(String failure) {
        error = failure;
        phase = failure == null ? "done" : "failed";
        if (failure == null) {
            finishedAt = System.currentTimeMillis();
            synchronized (job) {
                gate.end();
            }
            save(true);
        } else {
            save(false); // the next start of the job resumes it
        }
        job.mirrorEnded(this, failure);
        finished.complete(failure);
        LOG.info("Job '{}': mirror {}: {} entries, {} bytes compared, {} bytes sent ({})", job.definition().name(),
                failure == null ? "done" : "failed", filesDone, bytesDone, bytesSent, target.counts());
    }

    /** Counts entries and bytes to do, for progress (from the saved position when resuming). */
    private void count() throws IOException, Stopped {
        long[] n = new long[2];
        List<Path> tops = new ArrayList<>();
        if (repair) {
            resumePending.forEach(p -> tops.add(abs(p)));
        } else {
            tops.add(root);
        }
        try {
            TreeCount count = new TreeCount(root, job::included, this::checkStopped);
            for (Path top : tops) {
                count.from(top, n);
            }
        } catch (StoppedUnchecked e) {
            throw new Stopped();
        }
        filesTotal = n[0];
        bytesTotal = n[1];
    }

    private static final class StoppedUnchecked extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private void checkStopped() {
        if (stopping) {
            throw new StoppedUnchecked();
        }
    }

    private Path abs(RelPath p) {
        return p.isRoot() ? root : root.resolve(p.value());
    }

    /**
     * Walks the subtree {@code top}: the entry itself, then (a directory) what it holds.
     * {@code resume} is a position inside it to resume after; {@code targetMayHave} false when the
     * target is known to hold nothing there.
     */
    private void walkRoot(RelPath top, RelPath resume, boolean targetMayHave) throws IOException, Stopped {
        target.forgetAhead(); // a pending walk goes back in the walk order
        if (top.isRoot()) {
            BasicFileAttributes a = lstat(root);
            synchronized (job) {
                append(List.of(new Op.Entry(RelPath.ROOT, Op.EntryType.DIRECTORY, null, mode(root), uid(root), gid(root))));
                if (resume == null || resume.isRoot()) {
                    gate.advance(RelPath.ROOT, false);
                }
            }
            filesDone = Math.max(filesDone, 1);
            walkDir(RelPath.ROOT, targetMayHave, resume == null ? List.of() : resume.components());
            setTimes(RelPath.ROOT, targetMayHave ? target.stat(RelPath.ROOT, minApplied) : null);
            if (a == null) {
                throw new IOException("the source directory " + root + " vanished during the mirror");
            }
        } else {
            walkEntry(top, targetMayHave ? target(top) : null);
        }
    }

    /** What the target has at {@code path} (by listing its parent), or null. */
    private Frame.Listed target(RelPath path) throws IOException, Stopped {
        for (Frame.Listed l : listTarget(path.parent())) {
            if (l.name().equals(path.name())) {
                return l;
            }
        }
        return null;
    }

    private void walkDir(RelPath dir, boolean targetMayHave, List<String> resumeRest) throws IOException, Stopped {
        checkInterrupted();
        if (!upcoming.isEmpty()) {
            upcoming.peekLast().remove(dir);
        }
        plannedAhead.remove(dir);
        List<Frame.Listed> listedEarly = listedAhead.remove(dir);
        if (!stillOurs(dir)) {
            return;
        }
        Map<String, Frame.Listed> there = new HashMap<>();
        if (targetMayHave) {
            for (Frame.Listed l : listedEarly != null ? listedEarly : listTarget(dir)) {
                there.put(l.name(), l);
            }
        }
        TreeSet<String> names = new TreeSet<>(listSource(dir));
        names.addAll(there.keySet());
        String resumeName = resumeRest.isEmpty() ? null : resumeRest.get(0);
        upcoming.addLast(planAhead(dir, there, names, resumeName));
        try {
            walkNames(dir, there, names, resumeName, resumeRest);
        } finally {
            for (RelPath d : upcoming.removeLast()) {
                listedAhead.remove(d); // planned ahead and not entered after all
                plannedAhead.remove(d);
            }
        }
    }

    /** Directories planned ahead and not entered yet, at most. */
    private static final int PLANS_AHEAD = 4;
    /** For each directory the walk is in, outermost first: the subdirectories it has yet to enter. */
    private final java.util.ArrayDeque<java.util.ArrayDeque<RelPath>> upcoming = new java.util.ArrayDeque<>();
    /** Directories planned ahead (their questions asked) and not entered yet. */
    private final Set<RelPath> plannedAhead = new java.util.HashSet<>();
    /** The target's listings of directories planned ahead, for the walk when it enters them. */
    private final Map<RelPath, List<Frame.Listed>> listedAhead = new HashMap<>();

    /**
     * While the walk would wait for the target's digests of a file: plans the next directory it
     * will enter (at its own level first, then further out) if the target's listing of it is in,
     * so that the target hashes that directory's files while the walk works here. Only questions
     * are asked: the walk takes its own look when it enters. Returns whether it planned one.
     */
    private boolean planNextAhead() throws Stopped {
        if (listedAhead.size() >= PLANS_AHEAD) {
            return false;
        }
        RelPath d = target.nextToLookAhead(upcoming, plannedAhead::contains);
        if (d == null) {
            return false;
        }
        plannedAhead.add(d);
        try {
            List<Frame.Listed> listed = target.listAhead(d, minApplied);
            listedAhead.put(d, listed);
            Map<String, Frame.Listed> there = new HashMap<>();
            for (Frame.Listed l : listed) {
                there.put(l.name(), l);
            }
            TreeSet<String> names = new TreeSet<>(sourceNames(d));
            names.addAll(there.keySet());
            planAhead(d, there, names, null);
            return true;
        } catch (IOException e) {
            return false; // the walk meets it again when it enters the directory
        }
    }

    private void walkNames(RelPath dir, Map<String, Frame.Listed> there, TreeSet<String> names, String resumeName,
            List<String> resumeRest) throws IOException, Stopped {
        String last = null;
        while (true) {
            String name;
            synchronized (job) {
                if (!stillOursLocked(dir)) {
                    return;
                }
                Set<String> discovered = gate.drainDiscovered(dir);
                if (!discovered.isEmpty()) {
                    LOG.debug("Job '{}': mirror in '{}' takes names created meanwhile: {}", job.definition().name(), dir,
                            discovered);
                    names.addAll(discovered);
                }
                name = resumeName != null ? names.ceiling(resumeName) : last == null ? (names.isEmpty() ? null
                        : names.first()) : names.higher(last);
                if (name == null) {
                    // Leave the directory in the same step as a last look at it, so that nothing
                    // created after the listing falls in between.
                    for (String n : sourceNames(dir)) {
                        if ((last == null || n.compareTo(last) > 0) && names.add(n)) {
                            LOG.debug("Job '{}': mirror's last look in '{}' finds '{}'", job.definition().name(), dir, n);
                        }
                    }
                    gate.listed(dir);
                    name = last == null ? (names.isEmpty() ? null : names.first()) : names.higher(last);
                    if (name == null) {
                        gate.advance(dir, true);
                        return;
                    }
                }
                // in the same step as the choice: a name made before it from now on is not walked, so
                // its creation must travel (the walk's position may still be well before it)
                gate.approach(dir.resolve(name));
            }
            RelPath path = dir.resolve(name);
            if (job.included(path)) {
                if (name.equals(resumeName) && resumeRest.size() > 1) {
                    // the directory the mirror was inside when it stopped
                    walkInto(path, there.get(name), resumeRest.subList(1, resumeRest.size()));
                } else {
                    walkEntry(path, there.get(name));
                }
            }
            resumeName = null;
            last = name;
        }
    }

    /**
     * Asks ahead for what the walk will need from the target in {@code dir}: the listings of the
     * directories it will enter that the target has too, and (diff mode) the digests of the files
     * it will compare (the target has a file there, and its size or time differs, or every file
     * with checksum-all), so that the round trips to the target overlap instead of following one
     * another. Returns the subdirectories whose listings it asked for, in walk order.
     */
    private java.util.ArrayDeque<RelPath> planAhead(RelPath dir, Map<String, Frame.Listed> there, TreeSet<String> names,
            String from) throws IOException {
        java.util.ArrayDeque<RelPath> subdirs = new java.util.ArrayDeque<>();
        if (there.isEmpty()) {
            return subdirs;
        }
        List<TargetQuestions.Ahead> ahead = new ArrayList<>();
        // only questions are planned here: each entry is looked at relative to its directory
        try (NativeDir held = NativeDir.open(abs(dir))) {
            planAhead(dir, there, names, from, held, ahead, subdirs);
        }
        target.plan(ahead);
        return subdirs;
    }

    private void planAhead(RelPath dir, Map<String, Frame.Listed> there, TreeSet<String> names, String from,
            NativeDir held, List<TargetQuestions.Ahead> ahead, java.util.ArrayDeque<RelPath> subdirs) throws IOException {
        for (String name : from == null ? names : names.tailSet(from, true)) {
            Frame.Listed t = there.get(name);
            if (t == null || (t.type() != 'f' && t.type() != 'd')) {
                continue;
            }
            RelPath path = dir.resolve(name);
            if (!job.included(path)) {
                continue;
            }
            FileStat a = held != null ? held.stat(name) : null;
            if (a == null) {
                a = FileStat.of(abs(path));
                if (a == null) {
                    continue;
                }
            }
            if (t.type() == 'd') {
                if (a.isDirectory()) {
                    ahead.add(TargetQuestions.Ahead.listing(path, minApplied));
                    subdirs.add(path);
                }
            } else if (a.isRegularFile() && "diff".equals(mode) && (checksumAll || t.size() != a.size()
                    || t.mtimeNanos() != a.mtimeNanos() || changedUnderTheGate(a))) {
                ahead.add(TargetQuestions.Ahead.sums(path, a.size(), minApplied));
            }
        }
    }

    /** Resuming inside {@code path}: it was begun, so its entry is redone, then the walk goes on inside. */
    private void walkInto(RelPath path, Frame.Listed there, List<String> rest) throws IOException, Stopped {
        BasicFileAttributes a = lstat(abs(path));
        if (a == null || !a.isDirectory()) {
            walkEntry(path, there);
            return;
        }
        synchronized (job) {
            append(List.of(new Op.Entry(path, Op.EntryType.DIRECTORY, null, mode(abs(path)), uid(abs(path)),
                    gid(abs(path)))));
        }
        walkDir(path, there != null && there.type() == 'd', rest);
        setTimes(path, there);
    }

    /** Whether the walk may still write beneath {@code dir} (a live change may have made it pending). */
    private boolean stillOurs(RelPath dir) {
        synchronized (job) {
            return stillOursLocked(dir);
        }
    }

    private boolean stillOursLocked(RelPath dir) {
        return !gate.underPending(dir);
    }

    private void walkEntry(RelPath path, Frame.Listed there) throws IOException, Stopped {
        checkInterrupted();
        for (int attempt = 1; ; attempt++) {
            Outcome o = entry(path, there, attempt >= ATTEMPTS);
            if (LOG.isDebugEnabled()) {
                LOG.debug("Job '{}': mirror walked '{}'{}{}", job.definition().name(), path,
                        there == null ? " (not on the target)" : " (the target had '" + there.type() + "')",
                        o == Outcome.AGAIN ? ", again: it changed meanwhile" : "");
            }
            if (o != Outcome.AGAIN) {
                filesDone++;
                saveIfDue();
                return;
            }
            // renamed or removed while being copied: whatever is there now, the target's copy is unknown
            there = new Frame.Listed(path.name(), UNKNOWN, 0, 0, 0, -1, 0, "");
        }
    }

    private enum Outcome { DONE, AGAIN }

    /** In place of a listed type: the target holds something, unknown what. */
    private static final char UNKNOWN = '?';

    private Outcome entry(RelPath path, Frame.Listed there, boolean lastAttempt) throws IOException, Stopped {
        Path p = abs(path);
        FileStat a;
        synchronized (job) {
            if (gate.underPending(path)) {
                return Outcome.DONE; // walked again later, as a whole
            }
            a = FileStat.of(p);
            if (a == null || a.isOther()) {
                // gone, or a FIFO, socket or device: not part of the image
                LOG.debug("Job '{}': mirror finds '{}' {}", job.definition().name(), path,
                        a == null ? "gone" : "no file, directory or symlink");
                gate.gone(path);
                if (there != null) {
                    append(List.of(new Op.Remove(path)));
                }
                gate.advance(path, true);
                return Outcome.DONE;
            }
            if (a.isDirectory()) {
                append(List.of(new Op.Entry(path, Op.EntryType.DIRECTORY, null, a.permissions(), a.uid(), a.gid())));
                gate.advance(path, false);
            } else if (a.isSymbolicLink()) {
                String target = Files.readSymbolicLink(p).toString();
                List<Op> ops = new ArrayList<>(2);
                ops.add(new Op.Entry(path, Op.EntryType.SYMLINK, target, 0, a.uid(), a.gid()));
                ops.add(new Op.SetTimes(path, a.atimeNanos(), a.mtimeNanos()));
                append(ops);
                gate.advance(path, true);
                return Outcome.DONE;
            }
        }
        if (a.isDirectory()) {
            walkDir(path, there != null && there.type() == 'd', List.of());
            setTimes(path, there);
            return Outcome.DONE;
        }
        return file(path, a, there, lastAttempt);
    }

    /**
     * Whether a change to this file may have been withheld by the gate (its change time is not older
     * than the gate): then the target's copy lacks it, and an equal size and modification time prove
     * nothing. The target's time may even equal the source's by chance: a write applied there in the
     * same clock tick as the application's, with the time that followed it withheld. Such a file's
     * blocks are compared. The time the gate began is the earliest of this mirror's start (a mirror
     * resumed after a restart withheld changes before it) and the gate's; if the wall clock steps back,
     * the bound moves back with it.
     */
    private boolean changedUnderTheGate(FileStat a) {
        long now = System.currentTimeMillis();
        long from = Math.min(Math.min(startedAt, gate.beganAtMillis()), now) - WITHHELD_SLACK_MILLIS;
        withheldFromMillis = Math.min(withheldFromMillis, from);
        return a.ctimeNanos() >= withheldFromMillis * 1_000_000L;
    }

    /** Copies or compares one regular file; AGAIN if it was renamed or removed meanwhile. */
    private Outcome file(RelPath path, FileStat a, Frame.Listed there, boolean lastAttempt)
            throws IOException, Stopped {
        Path p = abs(path);
        long size = a.size();
        long mtime = a.mtimeNanos();
        boolean targetFile = there != null && there.type() == 'f';
        // after its entry op, the target's file is empty: nothing or something else was there
        boolean fresh = there == null || (!targetFile && there.type() != UNKNOWN);
        boolean content;
        switch (mode) {
            case "full" -> content = true;
            case "newer" -> content = !targetFile || mtime > there.mtimeNanos() || changedUnderTheGate(a);
            default -> content = !targetFile || checksumAll || there.size() != size || there.mtimeNanos() != mtime
                    || changedUnderTheGate(a);
        }
        // Hard links: a second name of a file already visited is linked, not copied.
        Object inode = a.fileKey();
        int nlink = a.nlink();
        if (nlink > 1 && inode != null) {
            synchronized (job) {
                if (gate.underPending(path)) {
                    return Outcome.DONE;
                }
                FileStat now = FileStat.of(p);
                if (now != null && inode.equals(now.fileKey())) {
                    for (RelPath first : gate.linkedNames(inode)) {
                        FileStat firstNow = FileStat.of(abs(first));
                        if (firstNow != null && inode.equals(firstNow.fileKey()) && !first.equals(path)) {
                            // a visited name of the file: the target holds it as the source does
                            append(List.of(new Op.Remove(path), new Op.Link(first, path)));
                            gate.advance(path, true);
                            gate.linked(inode, path);
                            bytesDone += size;
                            return Outcome.DONE;
                        }
                    }
                }
            }
        }
        byte[] theirs = null;
        long theirSize = -1;
        int blockSize = blockSize(size);
        if (content && targetFile && "diff".equals(mode)) {
            while (target.sumsOnTheirWay(path) && planNextAhead()) {
                // the target hashes: meanwhile the next directories' questions are asked
            }
            Frame.Sums sums = sums(path, blockSize);
            if (sums.size() >= 0) {
                theirs = sums.digests();
                theirSize = sums.size();
            }
        }
        boolean wrote = false;
        boolean wholeFile = content && theirs == null;
        long readUpTo = size;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long s0;
            synchronized (job) {
                if (gate.underPending(path)) {
                    return Outcome.DONE;
                }
                FileStat now = FileStat.of(p);
                if (now == null || !now.isRegularFile() || !java.util.Objects.equals(now.fileKey(), inode)) {
                    return Outcome.AGAIN;
                }
                if (now.size() != size || now.mtimeNanos() != mtime || (!content && changedUnderTheGate(now))) {
                    // written since the first look, while the file was still unvisited: those writes
                    // did not travel, and what the first look decided (nothing to copy, or up to
                    // which size) is stale. Nothing is captured while this lock is held, so this look
                    // is the last one before the file turns visited below.
                    if (!content) {
                        return Outcome.AGAIN; // looked at again as unknown on the target: copied whole
                    }
                    readUpTo = now.size();
                }
                List<Op> ops = new ArrayList<>(2);
                int m = now.permissions();
                int u = now.uid();
                int g = now.gid();
                // a file the target has with this mode and owner needs no entry op: its blocks are compared
                boolean entryNeeded = !targetFile || there.mode() != m || there.uid() != u || there.gid() != g
                        || (content && theirs == null);
                if (entryNeeded && (!"newer".equals(mode) || content)) {
                    ops.add(new Op.Entry(path, Op.EntryType.FILE, null, m, u, g));
                }
                if (wholeFile && !fresh) {
                    ops.add(new Op.Truncate(path, 0));
                }
                append(ops);
                gate.advance(path, true);
                if (nlink > 1 && inode != null) {
                    gate.linked(inode, path);
                }
                s0 = job.lastSeqLocked(); // changes captured after this point come after the file's visit

            }
            if (content) {
                ByteBuffer buf = chunkBuffer(Math.max(CHUNK, blockSize));
                for (long off = 0; off < readUpTo; off += buf.capacity()) {
                    checkInterrupted();
                    int n = read(ch, buf, off);
                    synchronized (job) {
                        if (gate.underPending(path)) {
                            return Outcome.DONE;
                        }
                        if (gate.namesChangedSince(path, s0)) {
                            if (lastAttempt) {
                                throw new IOException("'" + path + "' keeps being renamed or replaced while it is mirrored");
                            }
                            return Outcome.AGAIN;
                        }
                        if (gate.contentChangedSince(path, s0)) {
                            // a change already in the stream may postdate what was read: read again, in step
                            n = read(ch, buf, off);
                        }
                        List<Op> writes = chunkOps(path, off, buf.array(), n, theirs, blockSize, wholeFile);
                        wrote |= !writes.isEmpty();
                        append(writes);
                        s0 = job.lastSeqLocked();
                        gate.forgetBefore(s0);
                    }
                    bytesDone += n;
                    awaitWindow();
                }
            } else {
                bytesDone += size;
            }
            // attributes the target's copy has and the source's may not: their names are asked
            // outside the lock (a round trip), and those the source lacks are removed
            boolean xattrsToo = targetFile && (!"newer".equals(mode) || content);
            Map<String, byte[]> theirXattrs = null;
            if (xattrsToo && there.xattrs() != 0 && there.xattrs() != ImageInspector.XattrDigest.of(p)) {
                theirXattrs = target.xattrs(path, minApplied);
            }
            synchronized (job) {
                if (gate.underPending(path)) {
                    return Outcome.DONE;
                }
                if (gate.namesChangedSince(path, s0)) {
                    return lastAttempt ? Outcome.DONE : Outcome.AGAIN;
                }
                FileStat end = FileStat.of(p);
                if (end == null || !end.isRegularFile()) {
                    return Outcome.AGAIN;
                }
                List<Op> ops = new ArrayList<>();
                // compared block by block and found equal, with the same size, time and attributes:
                // the target's file is the source's, and nothing more travels for it
                long xattrsHere = ImageInspector.XattrDigest.of(p);
                boolean same = theirs != null && !wrote && theirSize == end.size()
                        && end.mtimeNanos() == there.mtimeNanos() && there.xattrs() == xattrsHere;
                if (content && !same) {
                    ops.add(new Op.Truncate(path, end.size()));
                    ops.addAll(xattrs(path, p, theirXattrs));
                } else if (!same && xattrsToo && there.xattrs() != xattrsHere) {
                    ops.addAll(xattrs(path, p, theirXattrs)); // size and time equal, attributes not
                }
                if (!same && (content || end.mtimeNanos() != there.mtimeNanos())) {
                    if (!"newer".equals(mode) || content) {
                        ops.add(new Op.SetTimes(path, end.atimeNanos(), end.mtimeNanos()));
                    }
                }
                append(ops);
                if (LOG.isDebugEnabled()) {
                    LOG.debug("Job '{}': mirror compared '{}': source {} bytes at {} (first look {} at {}), target {}; "
                            + "content {}, digests {}, blocks sent {}, same {}: {} op(s)", job.definition().name(), path,
                            end.size(), end.mtimeNanos(), size, mtime, there == null ? "nothing"
                                    : there.size() + " bytes at " + there.mtimeNanos() + " ('" + there.type() + "')",
                            content, theirs != null, wrote, same, ops.size());
                }
            }
        } catch (NoSuchFileException e) {
            return Outcome.AGAIN;
        }
        return Outcome.DONE;
    }

    /** The writes for one chunk: every non-zero part of a new file, or the blocks that differ from the target's. */
    private List<Op> chunkOps(RelPath path, long off, byte[] data, int n, byte[] theirs, int blockSize, boolean skipZeros) {
        List<Op> ops = new ArrayList<>(4);
        int runStart = -1;
        for (int b = 0; b < n; b += blockSize) {
            int len = Math.min(blockSize, n - b);
            boolean send;
            if (theirs != null) {
                long index = (off + b) / blockSize;
                int at = (int) (index * Frame.DIGEST_BYTES);
                send = at + Frame.DIGEST_BYTES > theirs.length || !Arrays.equals(
                        target.hash().of(data, b, len, Frame.DIGEST_BYTES), 0, Frame.DIGEST_BYTES,
                        theirs, at, at + Frame.DIGEST_BYTES);
            } else {
                send = !skipZeros || !zero(data, b, len);
            }
            if (send && runStart < 0) {
                runStart = b;
            } else if (!send && runStart >= 0) {
                ops.add(write(path, off, data, runStart, b));
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            ops.add(write(path, off, data, runStart, n));
        }
        return ops;
    }

    /** The walk's read buffer, kept from file to file (what is read is copied into ops). */
    private ByteBuffer chunk;

    private ByteBuffer chunkBuffer(int size) {
        if (chunk == null || chunk.capacity() != size) {
            chunk = ByteBuffer.allocate(size);
        }
        return chunk;
    }

    private Op.Write write(RelPath path, long off, byte[] data, int from, int to) {
        bytesSent += to - from;
        return new Op.Write(path, off + from, Arrays.copyOfRange(data, from, to));
    }

    private static final byte[] ZEROS = new byte[64 * 1024];

    private static boolean zero(byte[] data, int from, int len) {
        for (int i = from; i < from + len; i += ZEROS.length) {
            int l = Math.min(ZEROS.length, from + len - i);
            if (Arrays.mismatch(data, i, i + l, ZEROS, 0, l) >= 0) {
                return false;
            }
        }
        return true;
    }

    static int blockSize(long size) {
        int b = 64 * 1024;
        while (b < 16 * 1024 * 1024 && size / b > 16_384) {
            b *= 2;
        }
        return b;
    }

    private static int read(FileChannel ch, ByteBuffer buf, long off) throws IOException {
        buf.clear();
        while (buf.hasRemaining()) {
            if (ch.read(buf, off + buf.position()) < 0) {
                break;
            }
        }
        return buf.position();
    }

    private List<Op> xattrs(RelPath path, Path p) {
        return xattrs(path, p, null);
    }

    /**
     * The source's {@code user.*} attributes of {@code p} as ops; given what the target's copy has
     * ({@code theirs}, names with their prefix), only those that differ, and removals of those the
     * source lacks.
     */
    private List<Op> xattrs(RelPath path, Path p, Map<String, byte[]> theirs) {
        List<Op> ops = setXattrs(path, p);
        if (theirs == null) {
            return ops;
        }
        Set<String> mine = new java.util.HashSet<>();
        ops.removeIf(op -> {
            Op.SetXattr x = (Op.SetXattr) op;
            mine.add(x.name());
            return Arrays.equals(x.value(), theirs.get(x.name()));
        });
        for (String name : new java.util.TreeSet<>(theirs.keySet())) {
            if (!mine.contains(name)) {
                ops.add(new Op.RemoveXattr(path, name));
            }
        }
        return ops;
    }

    private List<Op> setXattrs(RelPath path, Path p) {
        List<NativeXattrs.Attribute> read = NativeXattrs.userAttributes(p);
        if (read != null) {
            List<Op> ops = new ArrayList<>(read.size());
            for (NativeXattrs.Attribute a : read) {
                ops.add(new Op.SetXattr(path, "user." + a.name(), a.value()));
            }
            return ops;
        }
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return List.of();
        }
        List<Op> ops = new ArrayList<>();
        try {
            for (String name : view.list()) {
                ByteBuffer b = ByteBuffer.allocate(view.size(name));
                view.read(name, b);
                ops.add(new Op.SetXattr(path, "user." + name, Arrays.copyOf(b.array(), b.position())));
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("xattrs of {} not read: {}", p, e.toString());
        }
        return ops;
    }

    /**
     * After a directory's children: its times, which their creation changed on the target, and its
     * {@code user.*} attributes; with what the target holds there ({@code there}, or null if nothing
     * or not known), the removal of those only the target's directory has.
     */
    private void setTimes(RelPath dir, Frame.Listed there) throws IOException, Stopped {
        Map<String, byte[]> theirXattrs = null;
        if (there != null && there.type() == 'd' && there.xattrs() != 0
                && there.xattrs() != ImageInspector.XattrDigest.of(abs(dir))) {
            theirXattrs = target.xattrs(dir, minApplied); // a round trip, outside the lock
        }
        synchronized (job) {
            if (gate.underPending(dir)) {
                return;
            }
            FileStat a = FileStat.of(abs(dir));
            if (a != null && a.isDirectory()) {
                List<Op> ops = new ArrayList<>(xattrs(dir, abs(dir), theirXattrs));
                ops.add(new Op.SetTimes(dir, a.atimeNanos(), a.mtimeNanos()));
                append(ops);
            }
        }
        saveIfDue();
    }

    // --- the source tree

    /** Lists {@code dir} outside the lock, telling the gate, which judges the changes captured meanwhile. */
    private List<String> listSource(RelPath dir) throws IOException {
        synchronized (job) {
            gate.listing(dir);
        }
        try {
            return sourceNames(dir);
        } finally {
            synchronized (job) {
                gate.listed(dir);
            }
        }
    }

    private List<String> sourceNames(RelPath dir) throws IOException {
        try (NativeDir d = NativeDir.open(abs(dir))) {
            List<String> listed = d != null ? d.names() : null;
            if (listed != null) {
                return listed;
            }
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(abs(dir))) {
            for (Path e : s) {
                names.add(e.getFileName().toString());
            }
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return List.of();
        }
        return names;
    }

    private static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return null;
        }
    }

    private static int mode(Path p) throws IOException {
        return unix(p, "mode", 0755) & 07777;
    }

    private static int uid(Path p) throws IOException {
        return unix(p, "uid", Op.NO_OWNER);
    }

    private static int gid(Path p) throws IOException {
        return unix(p, "gid", Op.NO_OWNER);
    }

    private static int unix(Path p, String attr, int otherwise) throws IOException {
        try {
            return (Integer) Files.getAttribute(p, "unix:" + attr, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return otherwise;
        } catch (NoSuchFileException e) {
            return otherwise;
        }
    }

    private static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }

    // --- the stream and the target

    /** Journals mirror ops (the caller holds the job's monitor). */
    private void append(List<Op> ops) throws IOException {
        if (ops.isEmpty()) {
            return;
        }
        for (Op op : ops) {
            lastSeq = job.appendLocked(op);
            appendedBytes += op instanceof Op.Write w ? w.data().length : 64;
        }
        appends.addLast(new long[] {lastSeq, appendedBytes});
    }

    /** Bytes of this mirror's ops that the target has not applied yet (the caller holds the job's monitor). */
    long unappliedBytesLocked() {
        long applied = job.appliedSeqLocked();
        while (!appends.isEmpty() && appends.peekFirst()[0] <= applied) {
            appliedMark = appends.removeFirst()[1];
        }
        return appendedBytes - appliedMark;
    }

    /** Waits while more than {@link #WINDOW} bytes (less under a small disk budget: {@link Job#mirrorWindow}) of the mirror wait for the target. */
    private void awaitWindow() throws Stopped {
        long window = job.mirrorWindow();
        try {
            job.awaitMirrorWindow(this::stopping,
                    () -> unappliedBytesLocked() <= window && job.roomForMirrorLocked());
        } catch (InterruptedException e) {
            throw new Stopped();
        }
        checkInterrupted();
    }

    private List<Frame.Listed> listTarget(RelPath dir) throws IOException, Stopped {
        return target.list(dir, minApplied);
    }

    private Frame.Sums sums(RelPath path, int blockSize) throws IOException, Stopped {
        return target.sums(path, blockSize, minApplied);
    }

    private void checkInterrupted() throws Stopped {
        if (stopping) {
            throw new Stopped();
        }
    }

    // --- saved state

    private void saveIfDue() {
        if (System.nanoTime() - lastSave > SAVE_EVERY_NANOS) {
            save(false);
        }
        progressEvent();
    }

    /** Tenths of the mirror already told as an event. */
    private int toldTenths;

    /** An event at each tenth of the way (by bytes, or by entries for a tree of empty files). */
    private void progressEvent() {
        if (!"copying".equals(phase) || (bytesTotal <= 0 && filesTotal <= 0)) {
            return;
        }
        int tenths = (int) Math.min(9, bytesTotal > 0 ? bytesDone * 10 / bytesTotal : filesDone * 10 / filesTotal);
        if (tenths <= toldTenths) {
            return;
        }
        toldTenths = tenths;
        MirrorStatus s = status();
        job.event(io.doppel.api.event.Severity.INFO, "mirror.progress", String.format(
                "%s mirror %d%%: %d of %d entries, %d of %d bytes, %d bytes sent, %d bytes/s, %s", s.mode(), tenths * 10,
                s.filesDone(), s.filesTotal(), s.bytesDone(), s.bytesTotal(), s.bytesSent(), s.bytesPerSecond(),
                s.etaSeconds() < 0 ? "time left unknown" : "about " + s.etaSeconds() + " s left"));
    }

    private void save(boolean finished) {
        lastSave = System.nanoTime();
        MirrorGate.Position at;
        synchronized (job) {
            at = gate.active() && !finished ? gate.position() : new MirrorGate.Position(null, true, Set.of());
        }
        Plan plan = new Plan(mode, checksumAll, reason, startedAt, finishedAt,
                at.cursor() == null ? null : at.cursor().value(), at.mainDone(),
                at.pending().stream().map(RelPath::value).sorted().toList(), filesDone, bytesDone, bytesSent, resumed,
                error, repair);
        try {
            Path tmp = stateFile.resolveSibling(STATE_FILE + ".tmp");
            Files.writeString(tmp, Json.PRETTY.toJson(plan), StandardCharsets.UTF_8);
            Files.move(tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("Job '{}': cannot save the mirror's position ({}); a restart would start it over",
                    job.definition().name(), e.getMessage());
        }
    }
}
