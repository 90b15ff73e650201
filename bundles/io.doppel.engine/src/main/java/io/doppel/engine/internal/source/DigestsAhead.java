package io.doppel.engine.internal.source;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.BlockHash;
import io.doppel.engine.internal.apply.NativeDir;

/**
 * The source's block digests of files a walk is about to compare, computed on a thread of their own
 * in walk order, while the walk waits for the target's digests of the same files: both sides hash
 * at the same time instead of one after the other.
 *
 * <p>The walk {@link #take takes} a file's digests when it gets there: computed already, or being
 * computed (it waits for that one file), or not started yet (it computes them itself, so that it
 * never waits behind other files). What was asked and not taken is {@link #drop dropped}.
 */
final class DigestsAhead implements AutoCloseable {

    /** What {@link #take} found: the digests, or that the file was gone when it was read. */
    record Digests(byte[] digests, boolean gone) { }

    private record Task(Path file, int blockSize, long size, CompletableFuture<Digests> result) { }

    private final int digestBytes;
    private final BlockHash hash;
    private final BooleanSupplier stopping;
    /** Asked and not started, in walk order. Guarded by this. */
    private final TreeMap<RelPath, Task> queued = new TreeMap<>(MirrorGate::compare);
    /** Asked and not taken (queued, being computed or done). Guarded by this. */
    private final Map<RelPath, Task> asked = new HashMap<>();
    private final Thread thread;
    private boolean closed;

    DigestsAhead(String name, int digestBytes, BlockHash hash, BooleanSupplier stopping) {
        this.digestBytes = digestBytes;
        this.hash = hash;
        this.stopping = stopping;
        this.thread = new Thread(this::run, "doppel-digests-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Asks for the digests of {@code file} (the source entry {@code path}) in blocks of {@code
     * blockSize}, of its first {@code size} bytes (its size when the walk looked at it).
     */
    synchronized void ask(RelPath path, Path file, int blockSize, long size) {
        if (closed || asked.containsKey(path)) {
            return;
        }
        Task t = new Task(file, blockSize, size, new CompletableFuture<>());
        asked.put(path, t);
        queued.put(path, t);
        notifyAll();
    }

    /**
     * The digests of {@code path}: those asked ahead if they are for this block size, else computed
     * now. Throws {@link Stopped} when {@code stopping} says so while it waits.
     */
    Digests take(RelPath path, Path file, int blockSize, long size) throws IOException, Stopped {
        if (stopping.getAsBoolean()) {
            throw new Stopped();
        }
        Task t;
        synchronized (this) {
            t = asked.remove(path);
            if (t != null && queued.remove(path) != null) {
                t = null; // not started: computed here rather than after the files before it
            }
        }
        if (t == null || t.blockSize() != blockSize || t.size() != size || !t.file().equals(file)) {
            return compute(file, blockSize, size, digestBytes, hash);
        }
        while (true) {
            if (stopping.getAsBoolean()) {
                throw new Stopped();
            }
            try {
                return t.result().get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // look at stopping, then wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stopped();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException("digests of '" + path + "': " + e.getCause(), e.getCause());
            }
        }
    }

    /** Forgets what was asked for {@code path} and not taken. */
    synchronized void drop(RelPath path) {
        asked.remove(path);
        queued.remove(path);
    }

    /** Stops the thread once the file it reads is done; nothing more is computed ahead. */
    @Override
    public synchronized void close() {
        closed = true;
        queued.clear();
        asked.clear();
        notifyAll();
    }

    /** The thread, for tests: alive until {@link #close} and the file it reads are done. */
    Thread thread() {
        return thread;
    }

    /**
     * The block digests of the first {@code size} bytes of a source file (the size the walk found),
     * as the target computes them for its copy with {@code hash}.
     */
    static Digests compute(Path file, int blockSize, long size, int digestBytes, BlockHash hash) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return new Digests(hash.of(ch, size, blockSize, digestBytes), false);
        } catch (NoSuchFileException e) {
            return new Digests(null, true);
        }
    }

    /**
     * The directory of the file this thread read last, held open: files come in walk order, so the
     * next is mostly in the same directory, and opening it by name costs one lookup instead of one
     * per directory of its path. Only this thread uses it.
     */
    private NativeDir held;

    private Digests computeHere(Task t) throws IOException {
        Path parent = t.file().getParent();
        if (held == null || !held.path().equals(parent)) {
            if (held != null) {
                held.close();
            }
            held = parent == null ? null : NativeDir.open(parent);
        }
        if (held != null) {
            NativeDir.Digested d = held.digests(t.file().getFileName().toString(), t.size(), t.blockSize(), digestBytes,
                    hash);
            if (d != null) {
                return new Digests(d.digests(), false);
            }
        }
        return compute(t.file(), t.blockSize(), t.size(), digestBytes, hash);
    }

    private void run() {
        try {
            digestUntilClosed();
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    private void digestUntilClosed() {
        while (true) {
            Task t;
            synchronized (this) {
                while (queued.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                t = queued.pollFirstEntry().getValue();
            }
            try {
                t.result().complete(computeHere(t));
            } catch (IOException | RuntimeException e) {
                t.result().completeExceptionally(e);
            }
        }
    }

    /** The walk stops. */
    static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;
    }
}
