package io.doppel.engine.internal.replica;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Executor;

import org.apache.mina.core.session.IoSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.engine.internal.apply.ApplyException;
import io.doppel.engine.internal.apply.GapException;
import io.doppel.engine.internal.apply.ImageApplier;
import io.doppel.engine.internal.codec.SequencedOp;
import io.doppel.engine.internal.transport.Frame;

/**
 * One source feeding one image over one connection: applies batches strictly in order, asks for a
 * rewind on a gap, acknowledges cumulatively, and reports a refusal when an op cannot be applied.
 */
final class ImageSession {

    private static final Logger LOG = LoggerFactory.getLogger(ImageSession.class);

    private final String key;
    private final String sourceName;
    private final ImageApplier applier;
    private final Path imageRoot;
    private final Executor syncer;
    private volatile boolean refused;
    /** Guarded by this: a background sync is running, and when the last one started. */
    private boolean syncing;
    private long lastSync = System.nanoTime();
    /**
     * Ops applied since the last sync are made durable at least this often while a stream flows (and
     * at once when it pauses, and at every fsync op). While the stream flows the forcing runs on the
     * {@code syncer}, so applying goes on meanwhile; a sync costs disk bandwidth, so not too often.
     */
    static final long SYNC_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    /**
     * Or after this many bytes written: forcing while the stream flows spreads the disk's work over
     * the stream instead of leaving it all to the next fsync op.
     */
    static final long SYNC_BYTES = 64L * 1024 * 1024;
    /** Guarded by this: bytes written by ops applied since the last sync began. */
    private long unsyncedBytes;

    ImageSession(String key, String sourceName, Path imageRoot, ImageApplier applier, Executor syncer) {
        this.key = key;
        this.sourceName = sourceName;
        this.imageRoot = imageRoot;
        this.applier = applier;
        this.syncer = syncer;
    }

    String key() {
        return key;
    }

    long applied() {
        return applier.appliedSequence();
    }

    /** Applies one batch and answers on the session. Runs on one worker at a time per session. */
    void apply(IoSession session, Frame.Ops batch) {
        if (refused) {
            return;
        }
        long written = 0;
        applier.beginBatch();
        for (SequencedOp op : batch.ops()) {
            if (op.op() instanceof io.doppel.api.op.Op.Write w) {
                written += w.data().length;
            }
            try {
                applier.apply(op.seq(), op.lastSeq(), op.op(), op.lenient());
            } catch (GapException e) {
                LOG.warn("Image {}: gap, expected op {} but got {}; asking {} to resend", imageRoot, e.expected(),
                        e.received(), sourceName);
                session.write(new Frame.Resume(applier.appliedSequence()));
                return;
            } catch (ApplyException e) {
                refused = true;
                LOG.error("Image {}: op {} from {} cannot be applied ({}): {}", imageRoot, op.seq(), sourceName,
                        e.reason(), e.getMessage());
                session.write(new Frame.Refused(e.reason().name(), e.getMessage(), op.seq()));
                session.closeOnFlush();
                return;
            }
        }
        syncInBackgroundIfDue(session, written);
        session.write(new Frame.Ack(applier.appliedSequence(), applier.durableSequence()));
        synchronized (appliedMonitor) {
            appliedMonitor.notifyAll();
        }
    }

    /** Moves the image's cursor forward for a source that resynchronises it by a mirror (see {@link Frame.Rebase}). */
    boolean rebase(IoSession session, long seq) {
        if (refused) {
            return false;
        }
        try {
            long applied = applier.rebase(seq);
            LOG.warn("Image {}: source {} continues from op {}", imageRoot, sourceName, applied);
            session.write(new Frame.Resume(applied));
            return true;
        } catch (IOException e) {
            refused = true;
            session.write(new Frame.Refused("IO", "cannot rebase image " + key + ": " + e.getMessage(), seq));
            session.closeOnFlush();
            return false;
        }
    }

    /** Waits up to {@code waitNanos} for the image to apply op {@code seq}; returns whether it has. */
    boolean awaitApplied(long seq, long waitNanos) throws InterruptedException {
        long deadline = System.nanoTime() + waitNanos;
        synchronized (appliedMonitor) {
            while (!refused && applier.appliedSequence() < seq && deadline - System.nanoTime() > 0) {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(appliedMonitor, deadline - System.nanoTime());
            }
        }
        return applier.appliedSequence() >= seq;
    }

    /** Longest a mirror's question waits for the image to reach the sequence it names. */
    static final long INSPECT_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    private final Object appliedMonitor = new Object();

    /**
     * Answers a mirror's question (a listing or block sums) once the image has applied what the
     * question needs, or after {@link #INSPECT_WAIT_NANOS} with an answer that says it is not there
     * yet (the source asks again). Runs on an inspector thread, beside the applying.
     */
    void inspect(IoSession session, Frame question) {
        long minApplied = switch (question) {
            case Frame.ListRequest l -> l.minApplied();
            case Frame.SumsRequest r -> r.minApplied();
            case Frame.SumsBatchRequest r -> r.minApplied();
            case Frame.StatRequest r -> r.minApplied();
            case Frame.ReadRequest r -> r.minApplied();
            case Frame.XattrsRequest r -> r.minApplied();
            default -> throw new IllegalArgumentException("not a question: " + question);
        };
        long deadline = System.nanoTime() + INSPECT_WAIT_NANOS;
        try {
            synchronized (appliedMonitor) {
                while (!refused && applier.appliedSequence() < minApplied && deadline - System.nanoTime() > 0) {
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(appliedMonitor, deadline - System.nanoTime());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        long applied = applier.appliedSequence();
        io.doppel.engine.internal.apply.ImageInspector inspector = applier.inspector();
        switch (question) {
            case Frame.ListRequest l -> {
                String error = io.doppel.api.op.RelPath.problemWith(l.path());
                if (error == null && applied >= minApplied) {
                    try {
                        var page = inspector.list(io.doppel.api.op.RelPath.of(l.path()), l.after(), Frame.LISTING_PAGE);
                        session.write(new Frame.Listing(l.id(), applied, page.exists(), page.entries().stream()
                                .map(ImageSession::listed).toList(), page.more(), null));
                        return;
                    } catch (IOException | RuntimeException e) {
                        error = "cannot list '" + l.path() + "' in image " + key + ": " + e.getMessage();
                        LOG.warn("Image {}: {}", imageRoot, error);
                    }
                }
                session.write(new Frame.Listing(l.id(), applied, false, java.util.List.of(), false,
                        error != null ? error : "not applied up to " + minApplied + " yet"));
            }
            case Frame.StatRequest r -> {
                String error = io.doppel.api.op.RelPath.problemWith(r.path());
                if (error == null && applied >= minApplied) {
                    try {
                        var e = inspector.stat(io.doppel.api.op.RelPath.of(r.path()));
                        session.write(new Frame.Listing(r.id(), applied, e != null,
                                e == null ? java.util.List.of() : java.util.List.of(listed(e)), false, null));
                        return;
                    } catch (IOException | RuntimeException e) {
                        error = "cannot look at '" + r.path() + "' in image " + key + ": " + e.getMessage();
                        LOG.warn("Image {}: {}", imageRoot, error);
                    }
                }
                session.write(new Frame.Listing(r.id(), applied, false, java.util.List.of(), false,
                        error != null ? error : "not applied up to " + minApplied + " yet"));
            }
            case Frame.SumsRequest r -> {
                String error = io.doppel.api.op.RelPath.problemWith(r.path());
                if (error == null && applied >= minApplied) {
                    try {
                        var sums = inspector.sums(io.doppel.api.op.RelPath.of(r.path()), r.blockSize(), Frame.DIGEST_BYTES,
                                io.doppel.engine.internal.apply.BlockHash.of(r.key()));
                        session.write(new Frame.Sums(r.id(), applied, sums.size(), r.blockSize(), sums.digests(), null));
                        return;
                    } catch (IOException | RuntimeException e) {
                        error = "cannot read '" + r.path() + "' in image " + key + ": " + e.getMessage();
                        LOG.warn("Image {}: {}", imageRoot, error);
                    }
                }
                session.write(new Frame.Sums(r.id(), applied, -1, r.blockSize(), new byte[0],
                        error != null ? error : "not applied up to " + minApplied + " yet"));
            }
            case Frame.SumsBatchRequest r -> {
                if (applied >= minApplied) {
                    java.util.List<Frame.FileSums> files = new java.util.ArrayList<>(r.files().size());
                    try (var batch = inspector.batch(io.doppel.engine.internal.apply.BlockHash.of(r.key()))) {
                        for (Frame.Wanted w : r.files()) {
                            files.add(fileSums(batch, w));
                        }
                    }
                    session.write(new Frame.SumsBatch(r.id(), applied, files, null));
                    return;
                }
                session.write(new Frame.SumsBatch(r.id(), applied, java.util.List.of(),
                        "not applied up to " + minApplied + " yet"));
            }
            case Frame.ReadRequest r -> {
                String error = io.doppel.api.op.RelPath.problemWith(r.path());
                if (error == null && applied >= minApplied) {
                    try {
                        var chunk = inspector.read(io.doppel.api.op.RelPath.of(r.path()), r.offset(), r.length());
                        session.write(new Frame.Data(r.id(), applied, chunk.size(), chunk.data(), null));
                        return;
                    } catch (IOException | RuntimeException e) {
                        error = "cannot read '" + r.path() + "' in image " + key + ": " + e.getMessage();
                        LOG.warn("Image {}: {}", imageRoot, error);
                    }
                }
                session.write(new Frame.Data(r.id(), applied, -1, new byte[0],
                        error != null ? error : "not applied up to " + minApplied + " yet"));
            }
            case Frame.XattrsRequest r -> {
                String error = io.doppel.api.op.RelPath.problemWith(r.path());
                if (error == null && applied >= minApplied) {
                    try {
                        var values = inspector.xattrs(io.doppel.api.op.RelPath.of(r.path()));
                        session.write(new Frame.Xattrs(r.id(), applied, values != null,
                                values == null ? java.util.Map.of() : values, null));
                        return;
                    } catch (IOException | RuntimeException e) {
                        error = "cannot read the attributes of '" + r.path() + "' in image " + key + ": " + e.getMessage();
                        LOG.warn("Image {}: {}", imageRoot, error);
                    }
                }
                session.write(new Frame.Xattrs(r.id(), applied, false, java.util.Map.of(),
                        error != null ? error : "not applied up to " + minApplied + " yet"));
            }
            default -> { }
        }
    }

    /** The block sums of one file of a batch, or why there are none. */
    private Frame.FileSums fileSums(io.doppel.engine.internal.apply.ImageInspector.Batch batch, Frame.Wanted w) {
        String path = w.path();
        String error = io.doppel.api.op.RelPath.problemWith(path);
        if (error == null) {
            try {
                var sums = batch.sums(io.doppel.api.op.RelPath.of(path), w.blockSize(), Frame.DIGEST_BYTES);
                return new Frame.FileSums(sums.size(), w.blockSize(), sums.digests(), null);
            } catch (IOException | RuntimeException e) {
                error = "cannot read '" + path + "' in image " + key + ": " + e.getMessage();
                LOG.warn("Image {}: {}", imageRoot, error);
            }
        }
        return new Frame.FileSums(-1, w.blockSize(), new byte[0], error);
    }

    private static Frame.Listed listed(io.doppel.engine.internal.apply.ImageInspector.Entry e) {
        return new Frame.Listed(e.name(), e.type(), e.mode(), e.uid(), e.gid(), e.size(), e.mtimeNanos(), e.linkTarget(),
                e.nlink(), e.inode(), e.xattrs());
    }

    private void syncInBackgroundIfDue(IoSession session, long written) {
        ImageApplier.SyncPoint point;
        synchronized (this) {
            unsyncedBytes += written;
            if (syncing || (System.nanoTime() - lastSync <= SYNC_INTERVAL_NANOS && unsyncedBytes < SYNC_BYTES)) {
                return;
            }
            try {
                point = applier.beginSync();
            } catch (IOException e) {
                failedToSync(session, e);
                return;
            }
            if (point == null) {
                return;
            }
            syncing = true;
            lastSync = System.nanoTime();
            unsyncedBytes = 0;
        }
        syncer.execute(() -> finishSync(session, point));
    }

    private void finishSync(IoSession session, ImageApplier.SyncPoint point) {
        IOException failure = null;
        try {
            point.force();
        } catch (IOException e) {
            failure = e;
        }
        try {
            applier.completeSync(point, failure);
            if (!refused) {
                session.write(new Frame.Ack(applier.appliedSequence(), applier.durableSequence()));
            }
        } catch (IOException e) {
            failedToSync(session, e);
        } finally {
            synchronized (this) {
                syncing = false;
                lastSync = System.nanoTime();
            }
        }
    }

    /** When the stream pauses: make everything applied durable, and say so. */
    void idle(IoSession session) {
        if (!refused && applier.durableSequence() < applier.appliedSequence()) {
            syncQuietly(session);
            session.write(new Frame.Ack(applier.appliedSequence(), applier.durableSequence()));
        }
    }

    private void syncQuietly(IoSession session) {
        try {
            applier.sync();
            synchronized (this) {
                lastSync = System.nanoTime();
                unsyncedBytes = 0;
            }
        } catch (IOException e) {
            failedToSync(session, e);
        }
    }

    private synchronized void failedToSync(IoSession session, IOException e) {
        if (!refused) {
            refused = true;
            LOG.error("Image {}: cannot make applied ops durable: {}", imageRoot, e.getMessage());
            session.write(new Frame.Refused("IO", "the target cannot flush image " + key + ": " + e.getMessage(),
                    applier.durableSequence() + 1));
            session.closeOnFlush();
        }
    }

    void close() {
        try {
            applier.sync();
            applier.close();
        } catch (IOException e) {
            LOG.error("Image {}: cannot close cleanly: {}", imageRoot, e.getMessage());
        }
    }
}
