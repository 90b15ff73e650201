package io.doppel.engine.internal.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.job.VerifyReport;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.FileStat;
import io.doppel.engine.internal.apply.ImageInspector;
import io.doppel.engine.internal.apply.NativeDir;
import io.doppel.engine.internal.transport.Frame;
import io.doppel.management.protocol.Json;

/**
 * A verification of one job: walks the source and the target image side by side and compares every
 * entry (type, size, content by block checksums, mode, owner, file times, {@code user.*} extended
 * attributes, symlink targets, hard links). It only reads, outside the job's lock, so replication
 * goes on meanwhile. A difference is reported only if it is still there after the target applied
 * every change captured until the re-check, and the source entry did not change between the two
 * looks; otherwise it counts as changing (see docs/MIRROR.md, "Verify").
 *
 * <p>With repair, metadata differences are fixed by ops journaled under the job's lock from what
 * the source holds at that moment; content, type and missing entries by a repair mirror of just
 * those paths (which compares blocks, so only what differs travels); orphans are reported, moved
 * aside or deleted as the admin chose, if the source still has nothing there and they are older
 * than the age filter.
 */
final class Verify {

    private static final Logger LOG = LoggerFactory.getLogger(Verify.class);
    static final String STATE_FILE = "verify.json";
    private static final long ASK_TIMEOUT_SECONDS = 120;
    private static final int ATTEMPTS = 3;
    /** Candidates in one directory beyond which the re-check lists it instead of asking entry by entry. */
    private static final int RELIST = 16;

    /** Stopped by the job. */
    static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;
    }

    /** A difference seen once, with what the source looked like then. */
    private record Candidate(RelPath path, String kind, List<String> details, Snapshot seen, boolean metadataOnly,
            long seenAtNanos) {
        Candidate(RelPath path, String kind, List<String> details, Snapshot seen, boolean metadataOnly) {
            this(path, kind, details, seen, metadataOnly, System.nanoTime());
        }
    }

    /**
     * How long after a first look the re-check comes at the earliest: an interceptor hands a change
     * over just after making it, so a change seen on disk may not be in the stream yet.
     */
    static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What tells whether a source entry changed between two looks. */
    private record Snapshot(char type, long size, long mtime, long ctime, Object key) {
        static final Snapshot ABSENT = new Snapshot('-', 0, 0, 0, null);
    }

    private final Job job;
    private final Path root;
    private final Path stateFile;
    private final boolean repair;
    private final String orphans;
    private final int orphanAgeDays;
    private final String reason;
    private final long startedAt = System.currentTimeMillis();
    private volatile String phase = "comparing";
    private volatile long entries;
    private volatile long bytes;
    private volatile long missing;
    private volatile long extra;
    private volatile long different;
    private volatile long changing;
    private volatile long repaired;
    private volatile long finishedAt;
    private volatile String error;
    private final List<Candidate> candidates = new ArrayList<>();
    private final List<VerifyReport.Difference> confirmed = new ArrayList<>();
    private volatile boolean truncated;
    private volatile boolean stopping;
    private final TargetQuestions target;
    private final CompletableFuture<VerifyReport> done = new CompletableFuture<>();
    /** Hard links: source file key → names; target inode → names; name → target inode. */
    private final Map<Object, List<RelPath>> sourceLinks = new HashMap<>();
    private final Map<Long, List<RelPath>> targetLinks = new HashMap<>();
    private final Map<RelPath, Long> targetInode = new HashMap<>();
    private final Map<RelPath, Object> sourceKey = new HashMap<>();
    private long minApplied;
    private Thread thread;
    /** The source's digests of the files the walk compares next, computed beside the target's. */
    private DigestsAhead digests;

    Verify(Job job, Path root, Path stateFile, boolean repair, String orphans, int orphanAgeDays, String reason) {
        this.job = job;
        this.target = new TargetQuestions(job, () -> stopping, ASK_TIMEOUT_SECONDS);
        this.root = root;
        this.stateFile = stateFile;
        this.repair = repair;
        this.orphans = orphans == null ? "report" : orphans;
        this.orphanAgeDays = orphanAgeDays;
        this.reason = reason;
        if (!VerifyReport.ORPHANS.contains(this.orphans)) {
            throw new IllegalArgumentException("orphans: '" + orphans + "' must be one of " + VerifyReport.ORPHANS);
        }
        if (orphanAgeDays < 0) {
            throw new IllegalArgumentException("orphanAgeDays: " + orphanAgeDays + " must not be negative");
        }
    }

    /** The last report saved, or null. */
    static VerifyReport load(Path stateFile) {
        try {
            if (!Files.exists(stateFile)) {
                return null;
            }
            return Json.GSON.fromJson(Files.readString(stateFile, StandardCharsets.UTF_8), VerifyReport.class);
        } catch (IOException | RuntimeException e) {
            LOG.warn("The last verification report {} is unreadable: {}", stateFile, e.getMessage());
            return null;
        }
    }

    VerifyReport report() {
        List<VerifyReport.Difference> list;
        synchronized (confirmed) {
            list = List.copyOf(confirmed);
        }
        return new VerifyReport(job.definition().name(), phase, repair, orphans, orphanAgeDays, startedAt, finishedAt,
                entries, bytes, missing, extra, different, changing, repaired, list, truncated, error);
    }

    boolean running() {
        return finishedAt == 0;
    }

    CompletableFuture<VerifyReport> done() {
        return done;
    }

    void start(long journalSeq) {
        minApplied = journalSeq;
        thread = new Thread(this::run, "doppel-verify-" + job.definition().name());
        thread.setDaemon(true);
        thread.start();
    }

    void requestStop() {
        stopping = true;
        WalkThreads.wake(job, target);
    }

    void stopThread() {
        requestStop();
        WalkThreads.join(thread);
    }

    private void run() {
        String failure = null;
        try {
            LOG.info("Job '{}': verification starts ({}{}, orphans: {}) because: {}", job.definition().name(),
                    repair ? "repair" : "compare only", orphanAgeDays > 0 ? ", orphans older than " + orphanAgeDays + " days"
                            : "", orphans, reason);
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("the source directory " + root + " does not exist or is not a directory");
            }
            digests = new DigestsAhead(job.definition().name(), Frame.DIGEST_BYTES, target.hash(), () -> stopping);
            try {
                compareDir(RelPath.ROOT);
            } finally {
                digests.close();
            }
            compareLinks();
            phase = "re-checking";
            recheck();
            if (repair || !"report".equals(orphans)) {
                phase = "repairing";
                repairAll();
            }
        } catch (Stopped e) {
            failure = "the job stopped before the verification finished";
        } catch (IOException | RuntimeException e) {
            LOG.error("Job '{}': verification failed", job.definition().name(), e);
            failure = "the verification failed: " + e.getMessage();
        }
        error = failure;
        phase = failure == null ? "done" : "failed";
        finishedAt = System.currentTimeMillis();
        VerifyReport r = report();
        save(r);
        LOG.info("Job '{}': verification {}: {} entries, {} bytes compared; {} missing, {} extra, {} different, {} changing, {} repaired ({})",
                job.definition().name(), phase, entries, bytes, missing, extra, different, changing, repaired,
                target.counts());
        job.verifyEnded(this);
        done.complete(r);
    }

    // --- the walk

    /**
     * One look at a directory on both sides before the walk compares its entries: the target's
     * listing, the names on either side, each source entry's attributes and the digest of its
     * extended attributes; the digests of the files whose content is compared are asked for ahead,
     * from the target and from {@link #digests}.
     */
    private record Scan(Map<String, Frame.Listed> there, TreeSet<String> names, Map<String, FileStat> looks,
            Map<String, Long> xattrs, List<RelPath> digesting) { }

    /** Directories scanned ahead, while the walk waited for the target's digests, and not entered yet. */
    private final Map<RelPath, Scan> scannedAhead = new HashMap<>();
    /** For each directory the walk is in, outermost first: the subdirectories it has yet to enter, in order. */
    private final java.util.ArrayDeque<java.util.ArrayDeque<RelPath>> upcoming = new java.util.ArrayDeque<>();
    /** Most directories scanned ahead and not entered yet. */
    private static final int SCANS_AHEAD = 4;

    private Scan scan(RelPath dir, boolean ahead) throws IOException, Stopped {
        Map<String, Frame.Listed> there = new HashMap<>();
        for (Frame.Listed l : listTarget(dir, minApplied, ahead)) {
            there.put(l.name(), l);
        }
        try (NativeDir held = NativeDir.open(abs(dir))) {
            return scan(dir, there, held);
        }
    }

    /** {@link #scan(RelPath, boolean)} with the source directory held open where it can be ({@code held} not null). */
    private Scan scan(RelPath dir, Map<String, Frame.Listed> there, NativeDir held) throws IOException {
        List<String> listed = held != null ? held.names() : null;
        TreeSet<String> names = new TreeSet<>(listed != null ? listed : sourceNames(dir));
        names.addAll(there.keySet());
        // one look at each source entry, then ask ahead for what the walk will need from the
        // target: the digests of the files whose content it compares (same size on both sides) and
        // the listings of the directories it enters, so that the round trips overlap
        Map<String, FileStat> looks = new HashMap<>();
        Map<String, Long> xattrs = new HashMap<>();
        List<TargetQuestions.Ahead> questions = new ArrayList<>();
        List<RelPath> digesting = new ArrayList<>();
        for (String name : names) {
            RelPath path = dir.resolve(name);
            if (!job.included(path)) {
                continue;
            }
            Path p = abs(path);
            FileStat a = held != null ? held.stat(name) : null;
            if (a == null) {
                a = FileStat.of(p);
            }
            looks.put(name, a);
            Snapshot s = snapshot(a);
            Frame.Listed t = there.get(name);
            if (t != null && (s.type() == 'f' || s.type() == 'd') && s.type() == t.type()) {
                Long x = held != null ? held.xattrDigest(name) : null;
                xattrs.put(name, x != null ? x : ImageInspector.XattrDigest.of(p));
            }
            if (t != null && t.type() == 'f' && s.type() == 'f' && s.size() == t.size() && s.size() > 0) {
                questions.add(TargetQuestions.Ahead.sums(path, s.size(), minApplied));
                digests.ask(path, p, Mirror.blockSize(s.size()), s.size());
                digesting.add(path);
            } else if (t != null && t.type() == 'd' && s.type() == 'd') {
                questions.add(TargetQuestions.Ahead.listing(path, minApplied));
            }
        }
        target.plan(questions);
        return new Scan(there, names, looks, xattrs, digesting);
    }

    /**
     * While the walk would wait for the target's digests: scans the next directory it will enter
     * (at its own level first, then further out) if the target's listing of it is in. Returns
     * whether it scanned one; then the target and {@link #digests} have that directory's files to
     * hash while the walk goes on here.
     */
    private boolean scanAhead() throws Stopped {
        if (scannedAhead.size() >= SCANS_AHEAD) {
            return false;
        }
        RelPath d = target.nextToLookAhead(upcoming, scannedAhead::containsKey);
        if (d == null) {
            return false;
        }
        try {
            scannedAhead.put(d, scan(d, true));
            return true;
        } catch (IOException e) {
            return false; // the walk meets it again when it enters the directory
        }
    }

    private void compareDir(RelPath dir) throws IOException, Stopped {
        checkStopped();
        Scan scan = scannedAhead.remove(dir);
        if (scan == null) {
            scan = scan(dir, false);
        }
        java.util.ArrayDeque<RelPath> subdirs = new java.util.ArrayDeque<>();
        for (String name : scan.names()) {
            FileStat a = scan.looks().get(name);
            Frame.Listed t = scan.there().get(name);
            if (a != null && t != null && t.type() == 'd' && snapshot(a).type() == 'd') {
                subdirs.add(dir.resolve(name));
            }
        }
        upcoming.addLast(subdirs);
        try {
            for (String name : scan.names()) {
                RelPath path = dir.resolve(name);
                if (!scan.looks().containsKey(name)) {
                    continue; // excluded
                }
                Path p = abs(path);
                FileStat a = scan.looks().get(name);
                Snapshot s = snapshot(a);
                Frame.Listed t = scan.there().get(name);
                if (s.type() == '-' && t == null) {
                    continue;
                }
                entries++;
                noteLinks(path, s, a, t);
                List<String> details = s.type() == '-' || t == null ? List.of()
                        : compare(path, p, s, a, t, scan.xattrs().get(name));
                if (s.type() == '-') {
                    candidates.add(new Candidate(path, "extra", List.of(describe(t)), s, false));
                } else if (t == null) {
                    candidates.add(new Candidate(path, "missing", List.of(), s, false));
                } else if (!details.isEmpty()) {
                    candidates.add(new Candidate(path, "different", details, s, metadataOnly(details)));
                }
                if (s.type() == 'd' && t != null && t.type() == 'd') {
                    subdirs.remove(path);
                    compareDir(path);
                }
            }
        } finally {
            upcoming.removeLast();
        }
        scan.digesting().forEach(digests::drop); // asked for files whose content was not compared after all
    }

    private static boolean metadataOnly(List<String> details) {
        for (String d : details) {
            if (d.startsWith("content") || d.startsWith("size") || d.startsWith("type") || d.startsWith("symlink")
                    || d.startsWith("hard links")) {
                return false;
            }
        }
        return true;
    }

    /** What differs between the source entry and the target's, source first; empty if nothing. */
    private List<String> compare(RelPath path, Path p, Snapshot s, FileStat a, Frame.Listed t,
            Long xattrsSeen) throws IOException, Stopped {
        List<String> d = new ArrayList<>(2);
        char st = s.type() == 'o' ? 'o' : s.type();
        if (st != t.type()) {
            d.add("type " + typeName(st) + " != " + typeName(t.type()));
            return d;
        }
        if (st == 'o') {
            return d;
        }
        if (a == null) {
            return d; // gone meanwhile: the re-check decides
        }
        int mode = a.permissions();
        if (st != 'l' && mode != t.mode()) {
            d.add(String.format("mode %04o != %04o", mode, t.mode()));
        }
        int uid = a.uid();
        int gid = a.gid();
        if (uid != t.uid() || gid != t.gid()) {
            d.add("owner " + uid + ":" + gid + " != " + t.uid() + ":" + t.gid());
        }
        if (st == 'l') {
            String link;
            try {
                link = Files.readSymbolicLink(p).toString();
            } catch (NoSuchFileException | java.nio.file.NotLinkException e) {
                // gone or replaced since the first look: the re-check decides
                d.add("symlink target (it changed while it was compared)");
                return d;
            }
            if (!link.equals(t.linkTarget())) {
                d.add("symlink target '" + link + "' != '" + t.linkTarget() + "'");
            }
            return d;
        }
        long xattrs = xattrsSeen != null ? xattrsSeen : ImageInspector.XattrDigest.of(p);
        if (xattrs != t.xattrs()) {
            d.add("extended attributes");
        }
        if (st == 'd') {
            return d; // a directory's times follow what happens inside it on each side: not compared
        }
        if (s.mtime() != t.mtimeNanos()) {
            d.add("mtime " + time(s.mtime()) + " != " + time(t.mtimeNanos()));
        }
        if (s.size() != t.size()) {
            d.add("size " + s.size() + " != " + t.size());
            return d;
        }
        String content = compareContent(path, p, s.size(), minApplied);
        if (content != null) {
            d.add(content);
        }
        return d;
    }

    /** Compares a file's blocks with the target's; a description of the difference, or null. */
    private String compareContent(RelPath path, Path p, long size, long applied) throws IOException, Stopped {
        if (size == 0) {
            return null;
        }
        int blockSize = Mirror.blockSize(size);
        // ours first: asked ahead, they are being computed while the target computes its own
        while (target.sumsOnTheirWay(path) && scanAhead()) {
            // the target hashes: meanwhile the walk looks at the next directories, so that both
            // sides have their files to hash when this one is done
        }
        DigestsAhead.Digests mine;
        try {
            mine = digests != null ? digests.take(path, p, blockSize, size)
                    : DigestsAhead.compute(p, blockSize, size, Frame.DIGEST_BYTES, target.hash());
        } catch (DigestsAhead.Stopped e) {
            throw new Stopped();
        }
        Frame.Sums theirs;
        try {
            theirs = target.sums(path, blockSize, applied);
        } catch (Mirror.Stopped e) {
            throw new Stopped();
        }
        if (theirs.size() < 0) {
            return "type file != other";
        }
        if (mine.gone()) {
            return "content (the file went away while it was read)";
        }
        byte[] ours = mine.digests();
        bytes += size;
        if (theirs.size() != size) {
            return "size " + size + " != " + theirs.size();
        }
        int blocks = ours.length / Frame.DIGEST_BYTES;
        int differ = 0;
        for (int i = 0; i < blocks; i++) {
            int at = i * Frame.DIGEST_BYTES;
            if (at + Frame.DIGEST_BYTES > theirs.digests().length
                    || !java.util.Arrays.equals(ours, at, at + Frame.DIGEST_BYTES, theirs.digests(), at, at + Frame.DIGEST_BYTES)) {
                differ++;
            }
        }
        return differ == 0 ? null : "content (" + differ + " of " + blocks + " blocks)";
    }

    private void noteLinks(RelPath path, Snapshot s, FileStat a, Frame.Listed t) {
        if (s.type() == 'f' && s.key() != null && a.nlink() > 1) {
            sourceLinks.computeIfAbsent(s.key(), k -> new ArrayList<>()).add(path);
            sourceKey.put(path, s.key());
        }
        if (t != null && t.type() == 'f' && t.nlink() > 1) {
            targetLinks.computeIfAbsent(t.inode(), k -> new ArrayList<>()).add(path);
            targetInode.put(path, t.inode());
        }
    }

    /** Names that are one file on one side and not on the other. */
    private void compareLinks() throws IOException {
        Set<RelPath> wrong = new TreeSet<>(Comparator.WALK);
        for (List<RelPath> names : sourceLinks.values()) {
            Long inode = targetInode.get(names.get(0));
            for (RelPath n : names) {
                if (inode == null || !inode.equals(targetInode.get(n))) {
                    wrong.addAll(names);
                    break;
                }
            }
        }
        for (List<RelPath> names : targetLinks.values()) {
            Object key = sourceKey.get(names.get(0));
            for (RelPath n : names) {
                if (key == null || !key.equals(sourceKey.get(n))) {
                    wrong.addAll(names);
                    break;
                }
            }
        }
        Set<RelPath> listed = new java.util.HashSet<>();
        for (Candidate c : candidates) {
            listed.add(c.path());
        }
        for (RelPath n : wrong) {
            if (listed.contains(n)) {
                continue; // missing, extra or different already: the re-check and repair cover it
            }
            Snapshot s = snapshot(abs(n));
            if (s.type() == 'f') {
                candidates.add(new Candidate(n, "different", List.of("hard links"), s, false));
            }
        }
        candidates.sort((x, y) -> MirrorGate.compare(x.path(), y.path()));
    }

    /** The walk order, for sorted sets of paths. */
    private enum Comparator implements java.util.Comparator<RelPath> {
        WALK;

        @Override
        public int compare(RelPath a, RelPath b) {
            return MirrorGate.compare(a, b);
        }
    }

    // --- the re-check

    /**
     * Looks at every candidate again once the target has applied everything captured until now; what
     * still differs, with the source unchanged since the first look, is confirmed.
     */
    private void recheck() throws IOException, Stopped {
        List<Candidate> todo = new ArrayList<>(candidates);
        candidates.clear();
        for (int attempt = 1; attempt <= ATTEMPTS && !todo.isEmpty(); attempt++) {
            long latest = todo.stream().mapToLong(Candidate::seenAtNanos).max().orElseThrow();
            settle(latest + SETTLE_NANOS);
            long seq = job.lastSeqLocked();
            awaitApplied(seq);
            List<Candidate> again = new ArrayList<>();
            Map<RelPath, List<Candidate>> byDir = new LinkedHashMap<>();
            for (Candidate c : todo) {
                byDir.computeIfAbsent(c.path().parent(), d -> new ArrayList<>()).add(c);
            }
            for (var group : byDir.entrySet()) {
                Map<String, Frame.Listed> listed = null;
                if (group.getValue().size() > RELIST) {
                    listed = new HashMap<>();
                    for (Frame.Listed l : listTarget(group.getKey(), seq)) {
                        listed.put(l.name(), l);
                    }
                }
                for (Candidate c : group.getValue()) {
                    checkStopped();
                    Frame.Listed t = listed != null ? listed.get(c.path().name()) : stat(c.path(), seq);
                    Path p = abs(c.path());
                    Snapshot s = snapshot(p);
                    if (!sameSource(s, c.seen())) {
                        // changed since the first look: look once more next round, from this state
                        again.add(new Candidate(c.path(), c.kind(), c.details(), s, c.metadataOnly()));
                        continue;
                    }
                    Candidate now = recompare(c, p, s, t, seq);
                    if (now != null) {
                        if (!sameSource(snapshot(p), s)) {
                            again.add(now);
                        } else {
                            confirm(now);
                        }
                    }
                }
            }
            todo = again;
        }
        changing += todo.size();
        if (!todo.isEmpty()) {
            LOG.info("Job '{}': verification: {} entries kept changing while they were compared, first {}",
                    job.definition().name(), todo.size(), todo.get(0).path());
        }
    }

    /** The candidate as it is now, or null if source and target agree now. */
    private Candidate recompare(Candidate c, Path p, Snapshot s, Frame.Listed t, long seq) throws IOException, Stopped {
        if (s.type() == '-') {
            return t == null ? null : new Candidate(c.path(), "extra", List.of(describe(t)), s, false);
        }
        if (t == null) {
            return new Candidate(c.path(), "missing", List.of(), s, false);
        }
        long saved = minApplied;
        minApplied = seq;
        try {
            List<String> d = new ArrayList<>(compare(c.path(), p, s, FileStat.of(p), t, null));
            if (c.details().contains("hard links") && !linksAgree(c.path(), s, t, seq)) {
                d.add("hard links");
            }
            return d.isEmpty() ? null : new Candidate(c.path(), "different", d, s, metadataOnly(d));
        } finally {
            minApplied = saved;
        }
    }

    /**
     * Whether the names that share a file with {@code path} on the source share one file on the
     * target, which has as many names as the source's.
     */
    private boolean linksAgree(RelPath path, Snapshot s, Frame.Listed t, long seq) throws IOException, Stopped {
        for (RelPath n : sourceLinks.getOrDefault(s.key(), List.of(path))) {
            if (!Objects.equals(snapshot(abs(n)).key(), s.key())) {
                continue; // no longer a name of this file
            }
            Frame.Listed nt = n.equals(path) ? t : stat(n, seq);
            if (nt == null || nt.inode() != t.inode()) {
                return false;
            }
        }
        return t.nlink() == unixInt(abs(path), "nlink");
    }

    /** Waits until {@code System.nanoTime()} reaches {@code until}, or the verification stops. */
    private void settle(long until) throws Stopped {
        synchronized (job) {
            try {
                while (!stopping && until - System.nanoTime() > 0) {
                    TimeUnit.NANOSECONDS.timedWait(job, until - System.nanoTime());
                }
            } catch (InterruptedException e) {
                throw new Stopped();
            }
        }
        checkStopped();
    }

    private void confirm(Candidate c) {
        switch (c.kind()) {
            case "missing" -> missing++;
            case "extra" -> extra++;
            default -> different++;
        }
        candidates.add(c);
        synchronized (confirmed) {
            if (confirmed.size() < VerifyReport.MAX_LISTED) {
                confirmed.add(new VerifyReport.Difference(c.path().value(), c.kind(), c.details(), "none"));
            } else {
                truncated = true;
            }
        }
    }

    private static boolean sameSource(Snapshot a, Snapshot b) {
        return a.equals(b);
    }

    // --- repair

    private void repairAll() throws IOException, Stopped {
        String batch = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli(startedAt));
        long ageLimit = System.currentTimeMillis() - TimeUnit.DAYS.toMillis(orphanAgeDays);
        Map<RelPath, String> actions = new HashMap<>();
        TreeMap<RelPath, Boolean> mirrorPaths = new TreeMap<>(Comparator.WALK);
        for (Candidate c : candidates) {
            checkStopped();
            RelPath path = c.path();
            Path p = abs(path);
            if ("extra".equals(c.kind())) {
                if ("report".equals(orphans)) {
                    continue;
                }
                Frame.Listed t = stat(path, job.lastSeqLocked());
                if (t == null) {
                    actions.put(path, "gone from the target meanwhile");
                    continue;
                }
                if (orphanAgeDays > 0 && TimeUnit.NANOSECONDS.toMillis(t.mtimeNanos()) > ageLimit) {
                    actions.put(path, "kept (younger than " + orphanAgeDays + " days)");
                    continue;
                }
                synchronized (job) {
                    // only if the source still has nothing there: anything it creates later follows in the stream
                    if (snapshot(p).type() != '-') {
                        actions.put(path, "kept (the source has it now)");
                        continue;
                    }
                    job.appendLocked("aside".equals(orphans) ? new Op.MoveAside(path, batch) : new Op.Remove(path));
                }
                actions.put(path, "aside".equals(orphans) ? "moved aside to .aside/" + job.definition().imageName() + "/"
                        + batch : "deleted");
                repaired++;
                continue;
            }
            if (!repair) {
                continue;
            }
            if (c.metadataOnly()) {
                // attributes only the target has are removed: their names are asked before the lock (a round trip)
                Map<String, byte[]> theirXattrs = c.details().contains("extended attributes")
                        ? xattrs(path, job.lastSeqLocked()) : null;
                synchronized (job) {
                    List<Op> ops = metadataOps(path, p, theirXattrs);
                    if (ops == null) {
                        actions.put(path, "not repaired: it went away on the source meanwhile");
                        continue;
                    }
                    for (Op op : ops) {
                        job.appendLocked(op);
                    }
                }
                actions.put(path, "repaired");
                repaired++;
            } else {
                mirrorPaths.put(path, Boolean.TRUE);
            }
        }
        if (!mirrorPaths.isEmpty()) {
            // a path beneath another one is walked with it
            List<RelPath> tops = new ArrayList<>();
            for (RelPath p : mirrorPaths.keySet()) {
                if (tops.isEmpty() || !tops.get(tops.size() - 1).contains(p)) {
                    tops.add(p);
                }
            }
            CompletableFuture<String> mirrored = job.repairMirror(tops);
            String failure;
            try {
                failure = awaitFuture(mirrored);
            } catch (ExecutionException e) {
                failure = e.getCause().getMessage();
            }
            for (RelPath p : mirrorPaths.keySet()) {
                actions.put(p, failure == null ? "repaired" : "not repaired: " + failure);
                if (failure == null) {
                    repaired++;
                }
            }
        }
        synchronized (confirmed) {
            for (int i = 0; i < confirmed.size(); i++) {
                VerifyReport.Difference d = confirmed.get(i);
                String action = actions.get(RelPath.of(d.path()));
                if (action != null) {
                    confirmed.set(i, new VerifyReport.Difference(d.path(), d.kind(), d.details(), action));
                }
            }
        }
        awaitApplied(job.lastSeqLocked());
    }

    /** Ops that give the target's entry the source's metadata now (the caller holds the job's monitor), or null if it is gone. */
    private static List<Op> metadataOps(RelPath path, Path p, Map<String, byte[]> theirXattrs) throws IOException {
        FileStat a = FileStat.of(p);
        if (a == null) {
            return null;
        }
        int mode = a.mode();
        Op.EntryType type = switch (mode & 0170000) {
            case 0100000 -> Op.EntryType.FILE;
            case 0040000 -> Op.EntryType.DIRECTORY;
            case 0120000 -> Op.EntryType.SYMLINK;
            default -> null;
        };
        if (type == null) {
            return null;
        }
        List<Op> ops = new ArrayList<>();
        ops.add(new Op.Entry(path, type, type == Op.EntryType.SYMLINK ? Files.readSymbolicLink(p).toString() : null,
                mode & 07777, a.uid(), a.gid()));
        if (type != Op.EntryType.SYMLINK) {
            var view = Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (view != null) {
                try {
                    List<String> mine = view.list();
                    for (String name : mine) {
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(view.size(name));
                        view.read(name, b);
                        ops.add(new Op.SetXattr(path, "user." + name, java.util.Arrays.copyOf(b.array(), b.position())));
                    }
                    if (theirXattrs != null) {
                        for (String name : new TreeMap<>(theirXattrs).keySet()) {
                            if (!mine.contains(name.substring("user.".length()))) {
                                ops.add(new Op.RemoveXattr(path, name));
                            }
                        }
                    }
                } catch (UnsupportedOperationException e) {
                    // no user xattrs here
                }
            }
        }
        ops.add(new Op.SetTimes(path, a.atimeNanos(), a.mtimeNanos()));
        return ops;
    }

    // --- the source

    private Path abs(RelPath p) {
        return p.isRoot() ? root : root.resolve(p.value());
    }

    private List<String> sourceNames(RelPath dir) throws IOException {
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

    private static int unixInt(Path p, String name) throws IOException {
        try {
            return (Integer) Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return 0;
        }
    }

    private static Snapshot snapshot(Path p) throws IOException {
        return snapshot(FileStat.of(p));
    }

    /** The snapshot of what {@link FileStat} read ({@code null}: nothing there). */
    private static Snapshot snapshot(FileStat a) {
        if (a == null) {
            return Snapshot.ABSENT;
        }
        char type = a.type();
        if (type == 'o') {
            return Snapshot.ABSENT; // FIFOs, sockets and devices are not part of the image
        }
        return new Snapshot(type, a.size(), a.mtimeNanos(), a.ctimeNanos(), a.fileKey());
    }

    private static String time(long nanos) {
        return Instant.ofEpochSecond(0, nanos).toString();
    }

    private static String typeName(char t) {
        return switch (t) {
            case 'f' -> "file";
            case 'd' -> "directory";
            case 'l' -> "symlink";
            default -> "other";
        };
    }

    private static String describe(Frame.Listed t) {
        return typeName(t.type()) + (t.type() == 'f' ? ", " + t.size() + " bytes" : "") + ", modified "
                + time(t.mtimeNanos());
    }

    // --- the target

    private List<Frame.Listed> listTarget(RelPath dir, long applied) throws IOException, Stopped {
        return listTarget(dir, applied, false);
    }

    /** With {@code ahead}: for a directory beyond the walk's position, whose answers before it stay kept. */
    private List<Frame.Listed> listTarget(RelPath dir, long applied, boolean ahead) throws IOException, Stopped {
        try {
            return ahead ? target.listAhead(dir, applied) : target.list(dir, applied);
        } catch (Mirror.Stopped e) {
            throw new Stopped();
        }
    }

    /** The target's {@code user.*} attributes of {@code path} (names with their prefix), or null if it has none there. */
    private Map<String, byte[]> xattrs(RelPath path, long applied) throws IOException, Stopped {
        try {
            return target.xattrs(path, applied);
        } catch (Mirror.Stopped e) {
            throw new Stopped();
        }
    }

    private Frame.Listed stat(RelPath path, long applied) throws IOException, Stopped {
        try {
            return target.stat(path, applied);
        } catch (Mirror.Stopped e) {
            throw new Stopped();
        }
    }

    private void awaitApplied(long seq) throws Stopped {
        try {
            job.awaitApplied(seq, () -> stopping);
        } catch (Mirror.Stopped e) {
            throw new Stopped();
        }
    }

    private <T> T awaitFuture(CompletableFuture<T> f) throws ExecutionException, Stopped {
        while (true) {
            checkStopped();
            try {
                return f.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                // check whether the job stops, then wait on
            } catch (InterruptedException e) {
                throw new Stopped();
            }
        }
    }

    private void checkStopped() throws Stopped {
        if (stopping) {
            throw new Stopped();
        }
    }

    private void save(VerifyReport r) {
        try {
            Path tmp = stateFile.resolveSibling(STATE_FILE + ".tmp");
            Files.writeString(tmp, Json.PRETTY.toJson(r), StandardCharsets.UTF_8);
            Files.move(tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("Job '{}': cannot save the verification report: {}", job.definition().name(), e.getMessage());
        }
    }
}
