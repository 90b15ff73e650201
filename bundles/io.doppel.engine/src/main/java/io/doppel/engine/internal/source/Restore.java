package io.doppel.engine.internal.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.job.RestoreReport;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.ApplyException;
import io.doppel.engine.internal.apply.ImageApplier;
import io.doppel.engine.internal.apply.ImageInspector;
import io.doppel.engine.internal.transport.Frame;
import io.doppel.management.protocol.Json;

/**
 * The reverse direction: makes a job's source directory equal to its target image, by differences
 * only, while the image stays as it is (the authority). Walks the image's listing beside the source
 * tree; an entry the source lacks, or holds with another type or link target, is created; a file's
 * blocks whose checksums differ are fetched; modes, owners, times and {@code user.*} attributes are
 * set as in the image; hard links are linked again; what only the source holds is removed (or kept).
 *
 * <p>The source tree is written through an {@link ImageApplier} of its own, with the same
 * confinement as on a target: nothing the image holds (a symlink, a hostile name) can make the
 * restore write outside the source directory. The job captures nothing meanwhile (it is not running
 * its interceptor), so none of it travels back. When the walk is done the job continues its journal
 * from the image's last applied op (see {@link Job#restoreEnded}).
 */
final class Restore {

    private static final Logger LOG = LoggerFactory.getLogger(Restore.class);
    static final String STATE_FILE = "restore.json";
    /** Block size for comparing and fetching file content. */
    static final int BLOCK = 1024 * 1024;
    private static final long ASK_TIMEOUT_SECONDS = 120;

    private final Job job;
    private final Path root;
    private final Path applierState;
    private final Path reportFile;
    private final boolean checksumAll;
    private final boolean keepExtra;
    private final long startedAt = System.currentTimeMillis();
    private final TargetQuestions target;
    private final CompletableFuture<RestoreReport> finished = new CompletableFuture<>();
    /** Image inode of a multi-link file → the first name restored for it. */
    private final Map<Long, RelPath> linked = new HashMap<>();
    /** Source inode → the name restored into it: a second name sharing it must be split off first. */
    private final Map<Long, RelPath> claimed = new HashMap<>();
    private volatile boolean stopping;
    private volatile String phase = "connecting";
    private volatile long imageApplied = -1;
    private volatile long entriesDone;
    private volatile long bytesCompared;
    private volatile long bytesFetched;
    private volatile long created;
    private volatile long updated;
    private volatile long removed;
    private volatile long kept;
    private volatile long droppedOps;
    private volatile long finishedAt;
    private volatile String error;
    private ImageApplier local;
    private ImageInspector here;
    private long seq;
    private Thread thread;

    Restore(Job job, Path root, Path jobDir, boolean checksumAll, boolean keepExtra) {
        this.job = job;
        this.root = root;
        this.applierState = jobDir.resolve("restore-applier");
        this.reportFile = jobDir.resolve(STATE_FILE);
        this.checksumAll = checksumAll;
        this.keepExtra = keepExtra;
        this.target = new TargetQuestions(job, () -> stopping, ASK_TIMEOUT_SECONDS);
    }

    RestoreReport report() {
        return new RestoreReport(job.definition().name(), phase, checksumAll, keepExtra, startedAt, finishedAt,
                imageApplied, entriesDone, bytesCompared, bytesFetched, created, updated, removed, kept, droppedOps, error);
    }

    CompletableFuture<RestoreReport> finished() {
        return finished;
    }

    void startThread() {
        save();
        thread = new Thread(this::run, "doppel-restore-" + job.definition().name());
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops the walk (the job stops); the restore counts as failed and can be run again. */
    void stopThread() {
        stopping = true;
        WalkThreads.wake(job, target);
        WalkThreads.join(thread);
    }

    private void run() {
        String failure = null;
        try {
            imageApplied = job.awaitRestoreLink(() -> stopping);
            if (imageApplied == 0) {
                // an image that never applied anything is empty: restoring from it would empty the source
                throw new IOException("the target has no image to restore from: it never applied an op of this job");
            }
            phase = "restoring";
            LOG.info("Job '{}': restore of {} from the target image (at op {}) starts{}{}", job.definition().name(), root,
                    imageApplied, checksumAll ? ", comparing every file by content" : "",
                    keepExtra ? ", keeping what only the source has" : "");
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(root);
            }
            deleteTree(applierState);
            local = ImageApplier.open(root, applierState);
            here = local.inspector();
            Frame.Listed top = target.stat(RelPath.ROOT, 0);
            if (top == null || top.type() != 'd') {
                throw new IOException("the target has no image to restore from (it holds no directory for this job)");
            }
            apply(new Op.Entry(RelPath.ROOT, Op.EntryType.DIRECTORY, null, top.mode(), top.uid(), top.gid()));
            xattrs(RelPath.ROOT, top, null);
            directory(RelPath.ROOT);
            times(RelPath.ROOT, top);
            local.sync();
            phase = "resuming";
        } catch (Mirror.Stopped e) {
            failure = "stopped before it was done; run the restore again (it continues by differences)";
        } catch (IOException | ApplyException | RuntimeException e) {
            LOG.error("Job '{}': restore failed", job.definition().name(), e);
            failure = e.getMessage();
        } finally {
            if (local != null) {
                try {
                    local.close();
                } catch (IOException e) {
                    failure = failure != null ? failure : "cannot close the restored tree: " + e.getMessage();
                }
            }
        }
        if (failure == null) {
            droppedOps = job.restoreEnded(this, null, imageApplied);
            phase = "done";
        } else {
            error = failure;
            phase = "failed";
            job.restoreEnded(this, failure, imageApplied);
        }
        finishedAt = System.currentTimeMillis();
        RestoreReport r = report();
        save();
        LOG.info("Job '{}': {}", job.definition().name(), r.summaryLine());
        job.event(failure == null ? io.doppel.api.event.Severity.INFO : io.doppel.api.event.Severity.ERROR,
                failure == null ? "restore.done" : "restore.failed", r.summaryLine());
        finished.complete(r);
    }

    /** Makes the source directory {@code dir} hold what the image directory holds. */
    private void directory(RelPath dir) throws IOException, ApplyException, Mirror.Stopped {
        Map<String, ImageInspector.Entry> mine = new TreeMap<>();
        String after = "";
        while (true) {
            ImageInspector.Page page = here.list(dir, after, Frame.LISTING_PAGE);
            page.entries().forEach(e -> mine.put(e.name(), e));
            if (!page.more() || page.entries().isEmpty()) {
                break;
            }
            after = page.entries().get(page.entries().size() - 1).name();
        }
        for (Frame.Listed theirs : target.list(dir, 0)) {
            checkStopping();
            RelPath path = dir.resolve(theirs.name());
            entry(path, theirs, mine.remove(theirs.name()));
            entriesDone++;
        }
        for (String name : mine.keySet()) {
            if (keepExtra) {
                kept++;
            } else {
                apply(new Op.Remove(dir.resolve(name)));
                removed++;
            }
        }
    }

    private void entry(RelPath path, Frame.Listed theirs, ImageInspector.Entry mine)
            throws IOException, ApplyException, Mirror.Stopped {
        if (theirs.type() == 'o') {
            LOG.warn("Job '{}': '{}' in the image is neither file, directory nor symlink; not restored",
                    job.definition().name(), path);
            return;
        }
        if (theirs.type() == 'f' && theirs.nlink() > 1) {
            RelPath first = linked.putIfAbsent(theirs.inode(), path);
            if (first != null) {
                ImageInspector.Entry firstHere = here.stat(first);
                if (mine == null || mine.type() != 'f' || firstHere == null || firstHere.inode() != mine.inode()) {
                    if (mine != null) {
                        apply(new Op.Remove(path));
                    }
                    apply(new Op.Link(first, path));
                    if (mine == null) {
                        created++;
                    } else {
                        updated++;
                    }
                }
                return;
            }
        }
        if (mine != null && mine.type() == 'f' && theirs.type() == 'f' && mine.nlink() > 1
                && claimed.putIfAbsent(mine.inode(), path) != null) {
            // the source links this name to a file restored under another name, which the image
            // does not: writing here would change that one too
            apply(new Op.Remove(path));
            mine = null;
        }
        boolean fresh = mine == null || mine.type() != theirs.type()
                || (theirs.type() == 'l' && !theirs.linkTarget().equals(mine.linkTarget()));
        boolean changed = false;
        if (fresh || mine.mode() != theirs.mode() || mine.uid() != theirs.uid() || mine.gid() != theirs.gid()) {
            Op.EntryType type = switch (theirs.type()) {
                case 'd' -> Op.EntryType.DIRECTORY;
                case 'l' -> Op.EntryType.SYMLINK;
                default -> Op.EntryType.FILE;
            };
            apply(new Op.Entry(path, type, theirs.type() == 'l' ? theirs.linkTarget() : null, theirs.mode(),
                    theirs.uid(), theirs.gid()));
            changed = !fresh;
        }
        if (theirs.type() == 'f') {
            changed |= content(path, theirs, fresh ? null : mine);
        }
        if (theirs.type() != 'l') {
            changed |= xattrs(path, theirs, fresh ? null : mine);
        }
        if (theirs.type() == 'd') {
            directory(path);
        }
        if (fresh || changed || mine.mtimeNanos() != theirs.mtimeNanos() || theirs.type() == 'd') {
            changed |= !fresh && mine.mtimeNanos() != theirs.mtimeNanos();
            times(path, theirs);
        }
        if (fresh && mine == null) {
            created++;
        } else if (fresh || changed) {
            updated++;
        }
    }

    /**
     * Fetches the blocks of a file that differ; blocks of zeros are not fetched (a hole where the
     * source had nothing, zeros written where it had something). Whether an existing file changed.
     */
    private boolean content(RelPath path, Frame.Listed theirs, ImageInspector.Entry mine)
            throws IOException, ApplyException, Mirror.Stopped {
        if (mine != null && !checksumAll && mine.size() == theirs.size() && mine.mtimeNanos() == theirs.mtimeNanos()) {
            bytesCompared += theirs.size();
            return false;
        }
        Frame.Sums sums = target.sums(path, BLOCK, 0);
        if (sums.size() < 0) {
            throw new IOException("'" + path + "' stopped being a file in the image during the restore");
        }
        long size = sums.size();
        byte[] digests = sums.digests();
        long ourSize = mine == null ? 0 : mine.size();
        byte[] ours = ourSize > 0 ? here.sums(path, BLOCK, Frame.DIGEST_BYTES, target.hash()).digests() : new byte[0];
        boolean changed = false;
        for (long offset = 0; offset < size; offset += BLOCK) {
            checkStopping();
            int length = (int) Math.min(BLOCK, size - offset);
            int d = (int) (offset / BLOCK) * Frame.DIGEST_BYTES;
            bytesCompared += length;
            if (d + Frame.DIGEST_BYTES <= ours.length && offset + length <= ourSize
                    && Arrays.equals(digests, d, d + Frame.DIGEST_BYTES, ours, d, d + Frame.DIGEST_BYTES)) {
                continue;
            }
            if (Arrays.equals(digests, d, d + Frame.DIGEST_BYTES, zeros(length), 0, Frame.DIGEST_BYTES)) {
                if (offset < ourSize) {
                    apply(new Op.Write(path, offset, new byte[(int) Math.min(length, ourSize - offset)]));
                    changed = true;
                }
                continue; // beyond what the source holds: a hole, made by the size below
            }
            Frame.Data data = target.read(path, offset, length, 0);
            if (data.size() < 0) {
                throw new IOException("'" + path + "' stopped being a file in the image during the restore");
            }
            apply(new Op.Write(path, offset, data.data()));
            bytesFetched += data.data().length;
            changed = true;
        }
        if (ourSize != size || mine == null) {
            apply(new Op.Truncate(path, size));
            changed = true;
        }
        return changed && mine != null;
    }

    private final Map<Integer, byte[]> zeroDigests = new HashMap<>();

    /** The digest of a block of {@code length} zero bytes. */
    private byte[] zeros(int length) {
        return zeroDigests.computeIfAbsent(length,
                n -> target.hash().of(new byte[n], 0, n, Frame.DIGEST_BYTES));
    }

    /** Sets the {@code user.*} attributes as in the image; whether anything changed. */
    private boolean xattrs(RelPath path, Frame.Listed theirs, ImageInspector.Entry mine)
            throws IOException, ApplyException, Mirror.Stopped {
        long ourDigest = mine == null ? (path.isRoot() ? here.stat(path).xattrs() : 0) : mine.xattrs();
        if (ourDigest == theirs.xattrs()) {
            return false;
        }
        Map<String, byte[]> wanted = theirs.xattrs() == 0 ? Map.of() : target.xattrs(path, 0);
        Map<String, byte[]> have = here.xattrs(path);
        if (wanted == null || have == null) {
            throw new IOException("'" + path + "' vanished during the restore");
        }
        for (var e : wanted.entrySet()) {
            if (!Arrays.equals(e.getValue(), have.get(e.getKey()))) {
                apply(new Op.SetXattr(path, e.getKey(), e.getValue()));
            }
        }
        for (String name : have.keySet()) {
            if (!wanted.containsKey(name)) {
                apply(new Op.RemoveXattr(path, name));
            }
        }
        return true;
    }

    private void times(RelPath path, Frame.Listed theirs) throws ApplyException {
        apply(new Op.SetTimes(path, Op.TIME_OMIT, theirs.mtimeNanos()));
    }

    private void apply(Op op) throws ApplyException {
        local.apply(++seq, op);
    }

    private void checkStopping() throws Mirror.Stopped {
        if (stopping) {
            throw new Mirror.Stopped();
        }
    }

    private void save() {
        try {
            Path tmp = reportFile.resolveSibling(STATE_FILE + ".tmp");
            Files.writeString(tmp, Json.PRETTY.toJson(report()), StandardCharsets.UTF_8);
            Files.move(tmp, reportFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("Job '{}': cannot save the restore report: {}", job.definition().name(), e.getMessage());
        }
    }

    /** The last restore's report, or {@code null}. */
    static RestoreReport load(Path jobDir) {
        Path f = jobDir.resolve(STATE_FILE);
        if (!Files.exists(f)) {
            return null;
        }
        try {
            RestoreReport r = Json.GSON.fromJson(Files.readString(f, StandardCharsets.UTF_8), RestoreReport.class);
            if (r != null && r.running()) {
                // the agent stopped while it ran
                return new RestoreReport(r.job(), "failed", r.checksumAll(), r.keepExtra(), r.startedAtMillis(),
                        System.currentTimeMillis(), r.imageApplied(), r.entriesDone(), r.bytesCompared(),
                        r.bytesFetched(), r.created(), r.updated(), r.removed(), r.kept(), r.droppedOps(),
                        "the agent stopped while it ran; run the restore again (it continues by differences)");
            }
            return r;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot read the restore report {}: {}", f, e.getMessage());
            return null;
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
