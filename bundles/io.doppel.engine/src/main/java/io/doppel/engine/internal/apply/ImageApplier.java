package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.op.Op;
import io.doppel.engine.internal.apply.ApplyException.Reason;

/**
 * Applies the ordered op stream of one source to its image directory on the target, confined to
 * that directory and exactly once.
 *
 * <h2>Confinement</h2>
 * Every path is resolved beneath the image root component by component without following symlinks
 * ({@link Confined}): an intermediate component that is a symlink is refused (HOSTILE), the final
 * component is opened, chmod-ed, chown-ed and time-stamped with {@code NOFOLLOW_LINKS}, and a
 * write, truncate or chmod whose final component is a symlink is refused rather than followed.
 * Symlink ops store their target text and nothing ever follows it; hard links must name a file
 * inside the image that is not a symlink. The state directory must lie outside the image.
 * <p>
 * What remains is the race between a check and the system call after it: a local process that
 * swaps a checked directory for a symlink in between could redirect one op. That is acceptable
 * here because the image belongs to the agent, which keeps it locked against local writers until
 * failover, so nothing but the applier changes it; op input alone cannot win the race, since ops
 * are applied one at a time. With Java 22 FFM the walk can become openat(O_NOFOLLOW|O_DIRECTORY)
 * per component and close it.
 *
 * <h2>Exactly once</h2>
 * The applied sequence ({@link Cursor}) is written with one positional write after every op and
 * fsynced by {@link #sync()}. Ops that are not idempotent (create, mkdir, symlink, link, unlink,
 * rmdir, rename, exchange) first write a small {@link Intent} note; at open, a note for the op after
 * the cursor is settled by looking at the image ({@link Recovery}): creators are rolled back,
 * removals and renames rolled forward if their source is gone, an exchange is finished. Idempotent
 * ops (write, truncate, fallocate, chmod, chown, utimens, set/remove xattr) are simply applied again.
 * <ul>
 * <li><b>Process crash</b> (kill -9, OOM, JVM crash; the kernel keeps running): exactly once. The
 * cursor and note live in the page cache, which survives, so on reopen
 * {@link #appliedSequence()} is exact and the interrupted op, if any, is settled; ops re-sent
 * from any earlier sequence are ignored as duplicates, and the next op applies once.</li>
 * <li><b>Power loss or kernel crash</b>: everything up to the last completed {@link #sync()} is
 * durable. The cursor records carry the boot id, so after a reboot the applier resumes after the
 * last synced op ({@link #durableSequence()}), never after an op that may not have reached the
 * disk, and nothing acknowledged as durable is lost. Ops after that sync are applied again onto a
 * disk that may hold any subset of their effects: data and attribute ops converge, but a
 * re-applied namespace op may fail with CONFLICT (the engine then resyncs) and, in rare
 * interleavings (e.g. rename a→b followed by create a), silently diverge. Re-application after
 * power loss is therefore <em>not</em> guaranteed exact: run a verify of the image after an
 * unclean reboot; acknowledge ops to the source as durable only up to {@link #durableSequence()}.</li>
 * </ul>
 * A failed op (any {@link ApplyException}) leaves {@link #appliedSequence()} unchanged and the image
 * as it was (a create whose chmod fails is removed again), so it can be retried. If the cursor
 * itself cannot be written the applier refuses further work until it is reopened.
 */
public final class ImageApplier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ImageApplier.class);

    private final Confined confined;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Cursor cursor;
    private final Intent intent;
    private final Touched touched;
    private final ContentOps content;
    private final MetadataOps metadata;
    private final MirrorOps mirror;
    private CrashHook hook = CrashHook.NONE;
    private NamespaceOps namespace;
    private Exchange exchange;
    private IOException broken;
    /** Lenient ops skipped since the image was opened (a mirror had brought the image past them). */
    private long skipped;
    /** Skips told at INFO per opening; the rest at DEBUG, and their count when the image closes. */
    private static final int SKIPS_TOLD = 20;
    private boolean closed;
    /** The sync running off the applying thread, if any (see {@link #beginSync}). */
    private Touched.Detached syncing;

    private ImageApplier(Path root, FileChannel lockChannel, FileLock lock, Cursor cursor, Intent intent,
            boolean runningAsRoot) {
        this.confined = new Confined(root);
        this.touched = new Touched(root);
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.cursor = cursor;
        this.intent = intent;
        this.content = new ContentOps(confined, touched);
        this.metadata = new MetadataOps(confined, runningAsRoot);
        this.mirror = new MirrorOps(confined, touched, metadata);
        setCrashHook(CrashHook.NONE);
    }

    /** Opens the image rooted at imageRoot (created if missing) with its cursor file kept in stateDir (created if missing). */
    public static ImageApplier open(Path imageRoot, Path stateDir) throws IOException {
        Files.createDirectories(imageRoot);
        Files.createDirectories(stateDir);
        Path root = imageRoot.toRealPath();
        Path state = stateDir.toRealPath();
        if (state.startsWith(root)) {
            throw new IOException("state directory " + state + " lies inside the image " + root
                    + "; ops could overwrite it, so it must be somewhere else");
        }
        FileChannel lockChannel = FileChannel.open(state.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        Cursor cursor = null;
        Intent intent = null;
        try {
            FileLock lock = tryLock(lockChannel, root);
            cursor = Cursor.open(state.resolve("cursor"));
            intent = Intent.open(state.resolve("intent"));
            forceDirectory(state);
            long settled = Recovery.settle(new Confined(root), intent.read(), cursor.applied());
            if (settled != cursor.applied()) {
                cursor.advance(settled);
            }
            intent.clear();
            ImageApplier applier = new ImageApplier(root, lockChannel, lock, cursor, intent, runningAsRoot(state));
            LOG.info("Opened image {} at op {} (state in {})", root, cursor.applied(), state);
            return applier;
        } catch (IOException | RuntimeException e) {
            closeAll(e, intent, cursor, lockChannel);
            throw e;
        }
    }

    /** Read-only questions about this image (listings, block sums), safe to ask beside applying. */
    public ImageInspector inspector() {
        return new ImageInspector(confined);
    }

    /** Sequence number of the last applied op (0 for a new image). Persisted. */
    public synchronized long appliedSequence() {
        return cursor.applied();
    }

    /** Sequence number of the last op made durable by {@link #sync()}; safe to acknowledge as durable. */
    public synchronized long durableSequence() {
        return cursor.durable();
    }

    /**
     * Applies op number seq. seq &lt;= appliedSequence(): duplicate, returns false without effect.
     * seq &gt; appliedSequence()+1: throws GapException (carrying the expected sequence). Otherwise
     * applies and returns true.
     */
    public boolean apply(long seq, Op op) throws ApplyException {
        return apply(seq, seq, op);
    }

    /**
     * Whether {@code op} changes only a file's content or attributes, never what a name in the
     * image is: the directories the applier remembers stay what they were.
     */
    private static boolean keepsNames(Op op) {
        return op instanceof Op.Write || op instanceof Op.Truncate || op instanceof Op.Fallocate
                || op instanceof Op.SetMode || op instanceof Op.SetOwner || op instanceof Op.SetTimes
                || op instanceof Op.SetXattr || op instanceof Op.RemoveXattr || op instanceof Op.Fsync;
    }

    /**
     * A batch of ops begins: the directories remembered from earlier batches are forgotten (the
     * image may have been held for an application in between), see {@code Confined}.
     */
    public synchronized void beginBatch() {
        confined.forget();
    }

    /** How many directories the applier remembers having resolved, for tests. */
    synchronized int rememberedDirectories() {
        return confined.remembered();
    }

    /**
     * Applies an op that stands for the run of ops {@code seq..lastSeq} (coalesced by the source; a
     * single op when they are equal) and moves the cursor to {@code lastSeq} in one step. A run
     * already applied entirely is a duplicate (false, no effect). A run that starts within what is
     * applied is applied again: only kinds that overwrite what they set may form a run, so the result
     * is the state after {@code lastSeq} either way. A run that starts beyond the next op is a gap.
     */
    public synchronized boolean apply(long seq, long lastSeq, Op op) throws ApplyException {
        return apply(seq, lastSeq, op, false);
    }

    /**
     * {@link #apply(long, long, Op)}, or for a {@code lenient} op (captured while a mirror ran, see
     * {@code SequencedOp#isLenient}): a CONFLICT (the name it creates exists, the one it changes
     * is gone) means the mirror already brought the image past it, so it is skipped; a lenient
     * rmdir of a directory that is not empty removes what it holds too.
     */
    public synchronized boolean apply(long seq, long lastSeq, Op op, boolean lenient) throws ApplyException {
        Objects.requireNonNull(op, "op");
        ensureUsable();
        long applied = cursor.applied();
        if (lastSeq <= applied) {
            return false;
        }
        if (seq > applied + 1) {
            throw new GapException(applied + 1, seq);
        }
        if (lastSeq != seq && !io.doppel.engine.internal.codec.Coalescer.coalescible(op)) {
            throw new ApplyException(Reason.UNSUPPORTED, "a " + op.kind() + " op cannot stand for the run of ops " + seq
                    + ".." + lastSeq);
        }
        seq = lastSeq;
        if (LOG.isTraceEnabled()) {
            LOG.trace("Image {}: op {} {} '{}'{}", confined.root(), seq, op.kind(), op.path(), lenient ? " (lenient)" : "");
        }
        try {
            try {
                dispatch(seq, op);
            } catch (ApplyException e) {
                if (!lenient || e.reason() != Reason.CONFLICT) {
                    throw e;
                }
                if (op instanceof Op.Rmdir r) {
                    mirror.remove(new Op.Remove(r.path()));
                } else {
                    skipped++;
                    if (skipped <= SKIPS_TOLD) {
                        LOG.info("Image {}: op {} skipped, captured while a mirror ran and found done already: {}{}",
                                confined.root(), seq, e.getMessage(), skipped == SKIPS_TOLD
                                        ? " (further skips are counted when the image closes)" : "");
                    } else {
                        LOG.debug("Image {}: op {} skipped, captured while a mirror ran and found done already: {}",
                                confined.root(), seq, e.getMessage());
                    }
                }
            }
        } catch (RuntimeException e) {
            // a bug, or the JDK refusing input in a way not foreseen: never let it escape unchecked
            broken = new IOException("internal error applying op " + seq, e);
            LOG.error("Image {}: internal error applying op {} ({})", confined.root(), seq, op.kind(), e);
            throw new ApplyException(Reason.IO, ApplyException.describe(op.kind(), op.path())
                    + ": internal error (" + e + "); reopen the image to continue", e);
        }
        hook.reached("applied");
        try {
            cursor.advance(seq);
            if (op instanceof Op.Fsync) {
                cursor.markDurable();
            }
        } catch (IOException e) {
            broken = e;
            throw new ApplyException(Reason.IO, "op " + seq + " was applied but the cursor " + cursor.file()
                    + " could not be written (" + Failures.reasonOf(e) + "); reopen the image to continue", e);
        }
        if (touched.full()) {
            try {
                touched.sync();
            } catch (IOException e) {
                LOG.warn("Image {}: background flush after op {} failed, will retry at the next sync: {}",
                        confined.root(), seq, e.toString());
            }
        }
        return true;
    }

    private void dispatch(long seq, Op op) throws ApplyException {
        if (!keepsNames(op)) {
            confined.changing(op.path());
            if (op instanceof Op.Rename r) {
                confined.changing(r.to());
            } else if (op instanceof Op.Link l) {
                confined.changing(l.to());
            }
        }
        switch (op) {
            case Op.Create c -> namespace.create(seq, c);
            case Op.Write w -> content.write(w);
            case Op.Truncate t -> content.truncate(t);
            case Op.Fallocate f -> content.fallocate(f);
            case Op.Unlink u -> namespace.unlink(seq, u);
            case Op.Rmdir r -> namespace.rmdir(seq, r);
            case Op.Mkdir m -> namespace.mkdir(seq, m);
            case Op.Symlink s -> namespace.symlink(seq, s);
            case Op.Link l -> namespace.link(seq, l);
            case Op.Rename r when r.mode() == Op.RenameMode.EXCHANGE -> exchange.apply(seq, r);
            case Op.Rename r -> namespace.rename(seq, r);
            case Op.SetMode m -> metadata.setMode(m);
            case Op.SetOwner o -> metadata.setOwner(o);
            case Op.SetTimes t -> metadata.setTimes(t);
            case Op.SetXattr x -> metadata.setXattr(x);
            case Op.RemoveXattr x -> metadata.removeXattr(x);
            case Op.Entry e -> mirror.entry(e);
            case Op.Remove r -> mirror.remove(r);
            case Op.MoveAside a -> mirror.moveAside(a);
            case Op.Fsync f -> {
                try {
                    awaitBackgroundSync();
                    touched.sync();
                } catch (IOException e) {
                    throw Failures.map(op, f.path(), e, confined.root());
                }
            }
        }
    }

    /**
     * Moves the cursor forward to {@code seq} without applying anything: the source can no longer
     * send the ops in between (it released them after this image acknowledged them, and the image
     * was then reset or restored), so it resynchronises the image by a mirror that follows. Never
     * moves backwards. Returns the applied sequence afterwards.
     */
    public synchronized long rebase(long seq) throws IOException {
        ensureOpen();
        if (broken != null) {
            throw new IOException("image " + confined.root() + " needs reopening after an earlier failure", broken);
        }
        if (seq > cursor.applied()) {
            awaitBackgroundSync();
            touched.sync();
            LOG.warn("Image {}: rebased from op {} to op {}: the source continues its numbering there (after a "
                    + "restore, or with a mirror that resynchronises the image)", confined.root(), cursor.applied(), seq);
            cursor.advance(seq);
            cursor.markDurable();
        }
        return cursor.applied();
    }

    /** Makes everything applied so far durable (fsync of touched files and directories, and of the cursor). */
    public synchronized void sync() throws IOException {
        ensureOpen();
        if (broken != null) {
            throw new IOException("image " + confined.root() + " needs reopening after an earlier failure", broken);
        }
        awaitBackgroundSync();
        touched.sync();
        cursor.markDurable();
    }

    /**
     * A sync in three steps, so that the slow part does not stop the applying: {@link #beginSync}
     * (quick, under the applier's lock) notes the applied sequence and takes the files and
     * directories written so far; {@link SyncPoint#force()} (slow, on any thread, while ops go on
     * being applied) forces them; {@link #completeSync} records the noted sequence as durable. The
     * durable sequence never claims an op whose effects were not forced: what {@code beginSync}
     * took covers every op up to the noted sequence, and an {@code fsync} op or {@link #sync()}
     * meanwhile first waits for the forcing to finish. Null if a sync is already under way.
     */
    public synchronized SyncPoint beginSync() throws IOException {
        ensureOpen();
        if (broken != null) {
            throw new IOException("image " + confined.root() + " needs reopening after an earlier failure", broken);
        }
        if (syncing != null) {
            return null;
        }
        syncing = touched.detach();
        return new SyncPoint(cursor.applied(), syncing);
    }

    /** Records a forced {@link SyncPoint} as durable; a failed one leaves the applier needing a reopen. */
    public synchronized void completeSync(SyncPoint point, IOException failure) throws IOException {
        if (syncing == point.files) {
            syncing = null;
        }
        if (closed) {
            return;
        }
        if (failure != null) {
            broken = broken == null ? failure : broken;
            throw failure;
        }
        if (broken != null) {
            throw new IOException("image " + confined.root() + " needs reopening after an earlier failure", broken);
        }
        try {
            cursor.markDurable(point.seq);
        } catch (IOException e) {
            broken = e;
            throw e;
        }
    }

    /** What one background sync makes durable: every op up to {@link #seq()}. */
    public static final class SyncPoint {
        private final long seq;
        private final Touched.Detached files;

        private SyncPoint(long seq, Touched.Detached files) {
            this.seq = seq;
            this.files = files;
        }

        public long seq() {
            return seq;
        }

        /** Forces the files and directories; runs without the applier's lock. */
        public void force() throws IOException {
            files.force();
        }
    }

    /** An fsync op or a full sync must not claim durability before the background sync is done. */
    private void awaitBackgroundSync() throws IOException {
        Touched.Detached pending = syncing;
        if (pending != null) {
            try {
                pending.await();
            } catch (IOException e) {
                broken = broken == null ? e : broken;
                throw e;
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        IOException failure = null;
        try {
            if (broken == null) {
                sync();
            }
        } catch (IOException e) {
            failure = e;
        }
        closed = true;
        try {
            touched.closeAll();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
        closeAll(failure, intent, cursor, lockChannel);
        if (failure != null) {
            throw failure;
        }
        LOG.info("Closed image {} at op {}{}", confined.root(), cursor.applied(), skipped == 0 ? ""
                : " (" + skipped + " op(s) captured while a mirror ran were found done already and skipped)");
    }

    /** Test seam: installs a {@link CrashHook}. */
    synchronized void setCrashHook(CrashHook crashHook) {
        this.hook = crashHook;
        this.namespace = new NamespaceOps(confined, touched, intent, metadata, crashHook);
        this.exchange = new Exchange(confined, touched, intent, crashHook);
    }

    /** Test seam: lets go of every file as a killed process would, writing and syncing nothing. */
    synchronized void abandon() throws IOException {
        closed = true;
        touched.closeAll();
        closeAll(null, intent, cursor, lockChannel);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("image applier for " + confined.root() + " is closed");
        }
    }

    private void ensureUsable() throws ApplyException {
        ensureOpen();
        if (broken != null) {
            throw new ApplyException(Reason.IO, "image " + confined.root()
                    + " needs reopening after an earlier failure: " + broken.getMessage(), broken);
        }
    }

    private static FileLock tryLock(FileChannel channel, Path root) throws IOException {
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new ImageBusyException("image " + root + " is already open in another process", null);
            }
            return lock;
        } catch (OverlappingFileLockException e) {
            throw new ImageBusyException("image " + root + " is already open in this process", e);
        }
    }

    /** Whether files created here can be given away (chown), i.e. whether we run as root. */
    private static boolean runningAsRoot(Path state) throws IOException {
        Path probe = Files.createTempFile(state, "owner", ".probe");
        try {
            return ((Integer) Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS)) == 0;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        } finally {
            Files.delete(probe);
        }
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static <T extends Throwable> void closeAll(T failure, AutoCloseable... closeables) {
        for (AutoCloseable c : closeables) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    if (failure != null) {
                        failure.addSuppressed(e);
                    } else {
                        LOG.warn("Closing {} failed: {}", c, e.toString());
                    }
                }
            }
        }
    }
}
