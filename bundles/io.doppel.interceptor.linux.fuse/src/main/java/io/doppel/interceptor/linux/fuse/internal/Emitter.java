package io.doppel.interceptor.linux.fuse.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.CaptureRequest;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/**
 * Puts ops on the job's stream in exactly the order their changes were made to the backing tree.
 *
 * <p>Every modifying request holds {@link #lock()} from the moment it changes the backing tree
 * until its op is journaled, so the order of the stream is the order of the tree: a prefix of the
 * stream applied on the target is a state the source was in. If the job cannot take an op (stopped,
 * journal unwritable) the application goes on working; ops stop, and {@link #failure()} says that
 * the image needs a resynchronisation.
 */
final class Emitter {

    private static final Logger LOG = LoggerFactory.getLogger(Emitter.class);
    private static final int CHUNK = 1 << 20;

    private final CaptureRequest request;
    private final boolean synchronous;
    private final long syncTimeoutMillis;
    private final ReentrantLock order = new ReentrantLock();
    private final AtomicLong emitted = new AtomicLong();
    private final List<String> notices = new ArrayList<>();
    private final java.util.Set<Nodes.Node> dirtyTimes = new java.util.LinkedHashSet<>();
    private volatile String failure;
    private volatile boolean closed;

    Emitter(CaptureRequest request, boolean synchronous, long syncTimeoutMillis) {
        this.request = request;
        this.synchronous = synchronous;
        this.syncTimeoutMillis = syncTimeoutMillis;
    }

    void lock() {
        order.lock();
    }

    void unlock() {
        order.unlock();
    }

    /** Whether a change at {@code path} is to be replicated (and ops can still be sent). */
    boolean wanted(RelPath path) {
        return path != null && failure == null && !closed && request.included().test(path);
    }

    boolean included(RelPath path) {
        return path != null && request.included().test(path);
    }

    /**
     * Journals {@code op}; the caller holds the lock. Returns what to wait for before answering the
     * application in synchronous mode, else {@code null}.
     */
    CompletionStage<Long> emit(Op op) {
        if (failure != null || closed) {
            return null;
        }
        try {
            emitted.incrementAndGet();
            if (synchronous) {
                return request.sink().acceptAndWait(op);
            }
            request.sink().accept(op);
        } catch (CaptureException e) {
            fail("the job stopped taking changes (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            fail("an op could not be journaled (" + e + ")");
        }
        return null;
    }

    /**
     * In synchronous mode, waits until the target applied what {@link #emit} returned. Returns
     * {@code null} if it did, else why not (the application's call then fails with EIO).
     */
    String await(CompletionStage<Long> applied) {
        if (applied == null) {
            return null;
        }
        try {
            applied.toCompletableFuture().get(syncTimeoutMillis, TimeUnit.MILLISECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (ExecutionException e) {
            return "the target did not apply the change: " + e.getCause().getMessage();
        } catch (TimeoutException e) {
            return "the target did not apply the change within " + syncTimeoutMillis + " ms";
        }
    }

    /**
     * Notes that the kernel changed {@code node}'s mtime as a side effect (data written, an entry
     * added to or removed from a directory); the caller holds the lock. The image gets the time
     * by {@link #flushTimes}, not with every write: once when the file is closed or synced, and
     * at least every second.
     */
    void touched(Nodes.Node node) {
        dirtyTimes.add(node);
    }

    /** Emits the mtime of every touched node (or only {@code only}, if given); takes the lock. */
    void flushTimes(Nodes nodes, Nodes.Node only) {
        lock();
        try {
            if (dirtyTimes.isEmpty() || (only != null && !dirtyTimes.contains(only))) {
                return;
            }
            List<Nodes.Node> due = only != null ? List.of(only) : List.copyOf(dirtyTimes);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment sb = arena.allocate(Stat.SIZE);
                for (Nodes.Node n : due) {
                    dirtyTimes.remove(n);
                    RelPath path = nodes.path(n);
                    if (!wanted(path)) {
                        continue;
                    }
                    try {
                        Native.statx(n.fd, Native.EMPTY, Native.AT_EMPTY_PATH, sb);
                    } catch (Errno e) {
                        continue; // forgotten meanwhile: its descriptor is closed
                    }
                    emit(new Op.SetTimes(path, Op.TIME_OMIT, Stat.of(sb).mtimeNanos()));
                }
            }
        } finally {
            unlock();
        }
    }

    /** Forgets a node that the kernel forgot; the caller holds the lock. */
    void forgotten(Nodes.Node node) {
        dirtyTimes.remove(node);
    }

    /** Ops stop; the image needs a resynchronisation. */
    void fail(String why) {
        if (failure == null) {
            failure = why + "; changes are no longer replicated and the image needs a resynchronisation";
            LOG.error("job '{}': {}", request.job(), failure);
        }
    }

    /** A change that could not be replicated but does not stop the others (e.g. a FIFO). */
    void notice(String what) {
        LOG.warn("job '{}': {}", request.job(), what);
        synchronized (notices) {
            notices.add(what);
            if (notices.size() > 20) {
                notices.remove(0);
            }
        }
    }

    List<String> notices() {
        synchronized (notices) {
            return List.copyOf(notices);
        }
    }

    String failure() {
        return failure;
    }

    long emitted() {
        return emitted.get();
    }

    void close() {
        closed = true;
    }

    boolean closed() {
        return closed;
    }

    // --- ops that describe a whole subtree, for renames across the replication set's border

    /**
     * Emits the ops that create {@code path} on the target as the backing entry {@code name} in
     * directory {@code dirfd} is now: a directory with what it contains (as far as the replication
     * set includes it), a file with its data, a symlink; then xattrs and times.
     */
    void materialize(RelPath path, int dirfd, String latin1Name) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Native.openat(dirfd, arena.allocateFrom(latin1Name, StandardCharsets.ISO_8859_1),
                    Native.O_PATH | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0);
            try {
                Stat st = stat(fd, arena);
                if (st.isDir()) {
                    emit(new Op.Mkdir(path, st.perm(), st.uid(), st.gid()));
                    xattrs(path, fd, arena);
                    for (String child : list(fd)) {
                        RelPath childPath = Nodes.join(path, child);
                        if (childPath == null) {
                            notice("'" + path + "/" + child + "' has a name that cannot be replicated; skipped");
                            continue;
                        }
                        if (included(childPath)) {
                            materialize(childPath, fd, child);
                        }
                    }
                } else if (st.isRegular()) {
                    emit(new Op.Create(path, st.perm(), st.uid(), st.gid()));
                    int rfd = Native.open(Native.procPath(arena, fd), Native.O_RDONLY | Native.O_CLOEXEC, 0);
                    try {
                        MemorySegment buf = arena.allocate(CHUNK);
                        long offset = 0;
                        long n;
                        while ((n = Native.pread(rfd, buf, CHUNK, offset)) > 0) {
                            emit(new Op.Write(path, offset, buf.asSlice(0, n).toArray(JAVA_BYTE)));
                            offset += n;
                        }
                    } finally {
                        Native.close(rfd);
                    }
                    xattrs(path, fd, arena);
                } else if (st.isSymlink()) {
                    MemorySegment target = arena.allocate(4096);
                    long n = Native.readlinkat(fd, Native.EMPTY, target, 4096);
                    emit(new Op.Symlink(path, new String(target.asSlice(0, n).toArray(JAVA_BYTE),
                            StandardCharsets.UTF_8), st.uid(), st.gid()));
                    return;
                } else {
                    notice("'" + path + "' is a special file (FIFO, socket or device); it is not replicated");
                    return;
                }
                emit(new Op.SetTimes(path, st.atimeNanos(), st.mtimeNanos()));
            } finally {
                Native.close(fd);
            }
        } catch (Errno e) {
            fail("'" + path + "' could not be read to replicate it (" + e.getMessage() + ")");
        }
    }

    /**
     * Emits the ops that remove {@code oldPath} from the target, walking what it contained in the
     * backing entry {@code name} of {@code dirfd} (where it is now).
     */
    void remove(RelPath oldPath, int dirfd, String latin1Name) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Native.openat(dirfd, arena.allocateFrom(latin1Name, StandardCharsets.ISO_8859_1),
                    Native.O_PATH | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0);
            try {
                Stat st = stat(fd, arena);
                if (st.isDir()) {
                    for (String child : list(fd)) {
                        RelPath childPath = Nodes.join(oldPath, child);
                        if (included(childPath)) {
                            remove(childPath, fd, child);
                        }
                    }
                    emit(new Op.Rmdir(oldPath));
                } else {
                    emit(new Op.Unlink(oldPath));
                }
            } finally {
                Native.close(fd);
            }
        } catch (Errno e) {
            fail("'" + oldPath + "' could not be read to remove it from the image (" + e.getMessage() + ")");
        }
    }

    private static Stat stat(int fd, Arena arena) throws Errno {
        MemorySegment sb = arena.allocate(Stat.SIZE);
        Native.statx(fd, Native.EMPTY, Native.AT_EMPTY_PATH, sb);
        return Stat.of(sb);
    }

    private void xattrs(RelPath path, int fd, Arena arena) throws Errno {
        MemorySegment proc = Native.procPath(arena, fd);
        long size = Native.listxattr(proc, MemorySegment.NULL, 0);
        if (size <= 0) {
            return;
        }
        MemorySegment names = arena.allocate(size);
        size = Native.listxattr(proc, names, size);
        int start = 0;
        for (int i = 0; i < size; i++) {
            if (names.get(JAVA_BYTE, i) == 0) {
                MemorySegment name = names.asSlice(start);
                String n = new String(names.asSlice(start, i - start).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
                start = i + 1;
                long len = Native.getxattr(proc, name, MemorySegment.NULL, 0);
                MemorySegment value = arena.allocate(Math.max(1, len));
                len = Native.getxattr(proc, name, value, len);
                emit(new Op.SetXattr(path, n, value.asSlice(0, len).toArray(JAVA_BYTE)));
            }
        }
    }

    /** The names in directory {@code pathFd} (an O_PATH descriptor), without "." and "..". */
    static List<String> list(int pathFd) throws Errno {
        List<String> names = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            int dfd = Native.openat(pathFd, arena.allocateFrom("."), Native.O_RDONLY | Native.O_DIRECTORY
                    | Native.O_CLOEXEC, 0);
            try {
                MemorySegment buf = arena.allocate(64 * 1024);
                long n;
                while ((n = Native.getdents64(dfd, buf, buf.byteSize())) > 0) {
                    long at = 0;
                    while (at < n) {
                        int reclen = Short.toUnsignedInt(buf.get(JAVA_SHORT_UNALIGNED, at + 16));
                        String name = cString(buf, at + 19);
                        if (!name.equals(".") && !name.equals("..")) {
                            names.add(name);
                        }
                        at += reclen;
                    }
                }
            } finally {
                Native.close(dfd);
            }
        }
        return names;
    }

    /** The NUL-terminated bytes at {@code at}, as an ISO-8859-1 (lossless) string. */
    static String cString(MemorySegment seg, long at) {
        long end = at;
        while (seg.get(JAVA_BYTE, end) != 0) {
            end++;
        }
        return new String(seg.asSlice(at, end - at).toArray(JAVA_BYTE), StandardCharsets.ISO_8859_1);
    }
}
