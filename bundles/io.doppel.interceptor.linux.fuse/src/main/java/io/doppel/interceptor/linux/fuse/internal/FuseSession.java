package io.doppel.interceptor.linux.fuse.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/**
 * A FUSE file system served straight from {@code /dev/fuse}: the kernel's requests are read by a
 * few worker threads, applied to the backing tree through descriptors, and every change is handed
 * to the {@link Emitter} while the order lock is held. Protocol 7.31 layouts (the kernel adapts to
 * the minor version we answer with).
 */
final class FuseSession {

    private static final Logger LOG = LoggerFactory.getLogger(FuseSession.class);

    static final int MAX_WRITE = 1 << 20;
    private static final int IN_SIZE = MAX_WRITE + 64 * 1024;
    private static final int OUT_SIZE = MAX_WRITE + 4096;
    private static final int MINOR = 33; // 7.33: FUSE_HANDLE_KILLPRIV_V2

    // opcodes
    private static final int LOOKUP = 1, FORGET = 2, GETATTR = 3, SETATTR = 4, READLINK = 5, SYMLINK = 6,
            MKNOD = 8, MKDIR = 9, UNLINK = 10, RMDIR = 11, RENAME = 12, LINK = 13, OPEN = 14, READ = 15,
            WRITE = 16, STATFS = 17, RELEASE = 18, FSYNC = 20, SETXATTR = 21, GETXATTR = 22, LISTXATTR = 23,
            REMOVEXATTR = 24, FLUSH = 25, INIT = 26, OPENDIR = 27, READDIR = 28, RELEASEDIR = 29, FSYNCDIR = 30,
            CREATE = 35, INTERRUPT = 36, DESTROY = 38, BATCH_FORGET = 42, FALLOCATE = 43, RENAME2 = 45,
            LSEEK = 46;

    // INIT flags
    private static final int ASYNC_READ = 1, BIG_WRITES = 1 << 5, AUTO_INVAL_DATA = 1 << 12,
            PARALLEL_DIROPS = 1 << 18, MAX_PAGES = 1 << 22, CACHE_SYMLINKS = 1 << 23, HANDLE_KILLPRIV_V2 = 1 << 28;
    // what HANDLE_KILLPRIV_V2 leaves to the daemon: write_flags, setattr's valid, create's open_flags
    private static final int WRITE_KILL_SUIDGID = 1 << 2, FATTR_KILL_SUIDGID = 1 << 11, OPEN_KILL_SUIDGID = 1;
    // SETATTR valid bits
    private static final int FATTR_MODE = 1, FATTR_UID = 2, FATTR_GID = 4, FATTR_SIZE = 8, FATTR_ATIME = 16,
            FATTR_MTIME = 32, FATTR_FH = 64, FATTR_ATIME_NOW = 128, FATTR_MTIME_NOW = 256;
    private static final int FOPEN_KEEP_CACHE = 2;
    private static final int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    private static final int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;

    private final int devFd;
    private final Nodes nodes;
    private final Emitter emitter;
    private final long cacheSeconds;
    private final int processUmask;
    private final Map<Long, DirHandle> dirs = new ConcurrentHashMap<>();
    private final List<Thread> workers = new ArrayList<>();
    private final CountDownLatch initialised = new CountDownLatch(1);
    private final CountDownLatch ended;
    private final Thread flusher;
    private final Thread trimmer;
    private final java.util.concurrent.Semaphore trimWanted = new java.util.concurrent.Semaphore(0);
    /** Nodes (descriptors) all sessions may hold before the kernel is asked to forget the coldest. */
    private final long nodeBudget;
    private final java.util.concurrent.atomic.AtomicLong dropsAsked = new java.util.concurrent.atomic.AtomicLong();
    private volatile int kernelMinor;

    FuseSession(int devFd, Nodes nodes, Emitter emitter, long cacheSeconds, int processUmask, int threads,
            String name, long nodeBudget) {
        this.devFd = devFd;
        this.nodes = nodes;
        this.emitter = emitter;
        this.cacheSeconds = cacheSeconds;
        this.processUmask = processUmask;
        this.ended = new CountDownLatch(threads);
        this.flusher = new Thread(this::flushEverySecond, "doppel-fuse-" + name + "-times");
        this.flusher.setDaemon(true);
        this.nodeBudget = nodeBudget;
        this.trimmer = new Thread(this::trimWhenShort, "doppel-fuse-" + name + "-trim");
        this.trimmer.setDaemon(true);
        nodes.whenMoreThan(nodeBudget, trimWanted::release);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::serve, "doppel-fuse-" + name + "-" + i);
            t.setDaemon(true);
            workers.add(t);
        }
    }

    void start() {
        workers.forEach(Thread::start);
        flusher.start();
        trimmer.start();
    }

    /** After the end of the connection: the last times, and no more flushing. */
    void finish() {
        flusher.interrupt();
        trimmer.interrupt();
        emitter.flushTimes(nodes, null);
    }

    private void flushEverySecond() {
        try {
            while (ended.getCount() > 0) {
                if (ended.await(1, TimeUnit.SECONDS)) {
                    return;
                }
                emitter.flushTimes(nodes, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Half the process's descriptor limit (the other half is for journals, sockets and the files
     * applications open): each node the kernel holds keeps an {@code O_PATH} descriptor.
     */
    static long nodeBudget() {
        try {
            return Math.max(256, Math.min(Native.softLimit(Native.RLIMIT_NOFILE) / 2, 1L << 30));
        } catch (Errno e) {
            return 512;
        }
    }

    /** How many names the kernel was asked to drop so far, to free descriptors. */
    long dropsAsked() {
        return dropsAsked.get();
    }

    /**
     * Keeps the descriptors within {@link #nodeBudget}. The kernel holds a node for every name it
     * caches and forgets it only under memory pressure, so a tree of more files than the process may
     * open (a {@code tar x}, a backup walking a file server) would run out of descriptors, and every
     * call would fail with EMFILE. When the nodes exceed the budget, the kernel is told to drop the
     * names of the least recently used quarter of them ({@code FUSE_NOTIFY_INVAL_ENTRY}, from this
     * thread, never from one that answers requests: the kernel locks the directory); it then forgets
     * those nodes that no process holds, and their descriptors are closed. A dropped name is looked
     * up again when it is next used.
     */
    private void trimWhenShort() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment msg = arena.allocate(32 + 4096 + 8, 8);
            long lastTrim = 0;
            while (ended.getCount() > 0) {
                if (trimWanted.tryAcquire(1, TimeUnit.SECONDS)) {
                    trimWanted.drainPermits();
                }
                long held = Nodes.held();
                if (held <= nodeBudget || System.nanoTime() - lastTrim < TimeUnit.MILLISECONDS.toNanos(50)) {
                    continue; // within the budget, or the kernel is still forgetting the last round
                }
                lastTrim = System.nanoTime();
                int own = nodes.size();
                long drop = Math.max(1, (held - nodeBudget * 3 / 4) * own / held);
                int asked = 0;
                for (Nodes.Dentry d : nodes.coldest((int) Math.min(drop, own))) {
                    if (invalidateEntry(msg, d)) {
                        asked++;
                    }
                }
                dropsAsked.addAndGet(asked);
                LOG.debug("{} nodes held (budget {}): the kernel was asked to drop {} names", held, nodeBudget, asked);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final int NOTIFY_INVAL_ENTRY = 3;

    private boolean invalidateEntry(MemorySegment msg, Nodes.Dentry d) {
        byte[] name = d.name().getBytes(StandardCharsets.ISO_8859_1);
        if (name.length == 0 || name.length > 4096) {
            return false;
        }
        int len = 32 + name.length + 1;
        msg.set(JAVA_INT_UNALIGNED, 0, len);
        msg.set(JAVA_INT_UNALIGNED, 4, NOTIFY_INVAL_ENTRY); // a notification: the code in the error field
        msg.set(JAVA_LONG_UNALIGNED, 8, 0L);
        msg.set(JAVA_LONG_UNALIGNED, 16, d.parent());
        msg.set(JAVA_INT_UNALIGNED, 24, name.length);
        msg.set(JAVA_INT_UNALIGNED, 28, 0);
        MemorySegment.copy(name, 0, msg, JAVA_BYTE, 32, name.length);
        msg.set(JAVA_BYTE, 32 + name.length, (byte) 0);
        try {
            Native.write(devFd, msg, len);
            return true;
        } catch (Errno e) {
            return false; // ENOENT: the kernel no longer has that name; ENODEV: unmounted
        }
    }

    boolean awaitInit(long millis) throws InterruptedException {
        return initialised.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Waits until every worker saw the end of the connection (unmounted and no file left open). */
    boolean awaitEnd(long millis) throws InterruptedException {
        return ended.await(millis, TimeUnit.MILLISECONDS);
    }

    int kernelMinor() {
        return kernelMinor;
    }

    // --- the worker loop

    /** One worker's buffers: a request, a reply, a stat and a scratch area, in native memory. */
    private static final class Ctx {
        final Arena arena = Arena.ofConfined();
        final MemorySegment in = arena.allocate(IN_SIZE, 4096);
        final MemorySegment out = arena.allocate(OUT_SIZE, 4096);
        final MemorySegment stat = arena.allocate(Stat.SIZE, 8);
        final MemorySegment proc = arena.allocate(32);
        final MemorySegment times = arena.allocate(32, 8);
        long unique;
        long nodeId;
        int uid;
        int gid;
        int pid;
        CompletionStage<Long> pending;
    }

    private void serve() {
        Ctx c = new Ctx();
        try {
            while (true) {
                long n;
                try {
                    n = Native.read(devFd, c.in, IN_SIZE);
                } catch (Errno e) {
                    if (e.errno == Native.ENOENT || e.errno == Native.EINTR || e.errno == Native.EAGAIN) {
                        continue; // an interrupted request, or a signal
                    }
                    if (e.errno != Native.ENODEV) {
                        LOG.error("reading /dev/fuse failed: {}", e.getMessage());
                    }
                    return; // ENODEV: unmounted
                }
                if (n < 40) {
                    continue;
                }
                handle(c);
            }
        } finally {
            c.arena.close();
            ended.countDown();
        }
    }

    private void handle(Ctx c) {
        MemorySegment in = c.in;
        int opcode = in.get(JAVA_INT_UNALIGNED, 4);
        c.unique = in.get(JAVA_LONG_UNALIGNED, 8);
        c.nodeId = in.get(JAVA_LONG_UNALIGNED, 16);
        c.uid = in.get(JAVA_INT_UNALIGNED, 24);
        c.gid = in.get(JAVA_INT_UNALIGNED, 28);
        c.pid = in.get(JAVA_INT_UNALIGNED, 32);
        c.pending = null;
        try {
            switch (opcode) {
            case INIT -> init(c);
            case FORGET -> {
                forget(c.nodeId, in.get(JAVA_LONG_UNALIGNED, 40));
                return; // no reply
            }
            case BATCH_FORGET -> {
                int count = in.get(JAVA_INT_UNALIGNED, 40);
                for (int i = 0; i < count; i++) {
                    forget(in.get(JAVA_LONG_UNALIGNED, 48 + 16L * i), in.get(JAVA_LONG_UNALIGNED, 56 + 16L * i));
                }
                return;
            }
            case INTERRUPT -> {
                return; // requests are short; let them finish
            }
            case LOOKUP -> lookup(c);
            case GETATTR -> getattr(c);
            case SETATTR -> setattr(c);
            case READLINK -> readlink(c);
            case SYMLINK -> symlink(c);
            case MKNOD -> mknod(c);
            case MKDIR -> mkdir(c);
            case UNLINK -> unlink(c, false);
            case RMDIR -> unlink(c, true);
            case RENAME -> rename(c, in.get(JAVA_LONG_UNALIGNED, 40), 0, 48);
            case RENAME2 -> rename(c, in.get(JAVA_LONG_UNALIGNED, 40), in.get(JAVA_INT_UNALIGNED, 48), 56);
            case LINK -> link(c);
            case OPEN -> open(c);
            case CREATE -> create(c);
            case READ -> read(c);
            case WRITE -> write(c);
            case STATFS -> statfs(c);
            case RELEASE -> {
                Native.close((int) in.get(JAVA_LONG_UNALIGNED, 40));
                Nodes.Node n = nodes.get(c.nodeId);
                if (n != null) {
                    emitter.flushTimes(nodes, n); // the image gets the file's mtime when it is closed
                }
                reply(c, 0);
            }
            // Nothing to do at close(2) (data is written through, descriptors are closed at RELEASE):
            // ENOSYS makes the kernel stop sending FLUSH, one round trip less for every close.
            case FLUSH -> reply(c, -Native.ENOSYS);
            case FSYNC, FSYNCDIR -> fsync(c, opcode == FSYNCDIR);
            case SETXATTR -> setxattr(c);
            case GETXATTR -> getxattr(c, false);
            case LISTXATTR -> getxattr(c, true);
            case REMOVEXATTR -> removexattr(c);
            case OPENDIR -> opendir(c);
            case READDIR -> readdir(c);
            case RELEASEDIR -> {
                DirHandle d = dirs.remove(in.get(JAVA_LONG_UNALIGNED, 40));
                if (d != null) {
                    d.close();
                }
                reply(c, 0);
            }
            case FALLOCATE -> fallocate(c);
            case LSEEK -> {
                long off = Native.lseek((int) in.get(JAVA_LONG_UNALIGNED, 40), in.get(JAVA_LONG_UNALIGNED, 48),
                        in.get(JAVA_INT_UNALIGNED, 56));
                c.out.set(JAVA_LONG_UNALIGNED, 16, off);
                replyBody(c, 8);
            }
            case DESTROY -> reply(c, 0);
            default -> reply(c, -Native.ENOSYS); // the kernel stops asking, or falls back (copy_file_range, access)
            }
        } catch (Errno e) {
            reply(c, -e.errno);
        } catch (StaleNode e) {
            reply(c, -Native.ENOENT);
        } catch (RuntimeException e) {
            LOG.error("request {} failed", opcode, e);
            reply(c, -Native.EIO);
        }
    }

    private void forget(long id, long count) {
        emitter.lock();
        try {
            Nodes.Node gone = nodes.forget(id, count);
            if (gone != null) {
                emitter.flushTimes(nodes, gone);
                emitter.forgotten(gone);
                Native.close(gone.fd);
            }
        } finally {
            emitter.unlock();
        }
    }

    /** The kernel named a node it had forgotten: a protocol error, answered with ENOENT. */
    private static final class StaleNode extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StaleNode() {
            super(null, null, false, false);
        }
    }

    private Nodes.Node node(long id) {
        Nodes.Node n = nodes.get(id);
        if (n == null) {
            throw new StaleNode();
        }
        return n;
    }

    // --- replies

    private void reply(Ctx c, int error) {
        MemorySegment out = c.out;
        out.set(JAVA_INT_UNALIGNED, 0, 16);
        out.set(JAVA_INT_UNALIGNED, 4, error);
        out.set(JAVA_LONG_UNALIGNED, 8, c.unique);
        send(c, 16);
    }

    private void replyBody(Ctx c, long bodyLen) {
        MemorySegment out = c.out;
        if (c.pending != null) {
            String why = emitter.await(c.pending);
            if (why != null) {
                LOG.warn("synchronous change failed: {}", why);
                reply(c, -Native.EIO);
                return;
            }
        }
        out.set(JAVA_INT_UNALIGNED, 0, (int) (16 + bodyLen));
        out.set(JAVA_INT_UNALIGNED, 4, 0);
        out.set(JAVA_LONG_UNALIGNED, 8, c.unique);
        send(c, 16 + bodyLen);
    }

    private void send(Ctx c, long len) {
        try {
            Native.write(devFd, c.out, len);
        } catch (Errno e) {
            if (e.errno != Native.ENOENT) { // ENOENT: the request was interrupted meanwhile
                LOG.debug("reply to request {} failed: {}", c.unique, e.getMessage());
            }
        }
    }

    private Stat stat(Ctx c, int fd) throws Errno {
        Native.statx(fd, Native.EMPTY, Native.AT_EMPTY_PATH, c.stat);
        return Stat.of(c.stat);
    }

    /** {@code /proc/self/fd/N}, NUL-terminated, in the worker's scratch area. */
    private static MemorySegment proc(Ctx c, int fd) {
        byte[] s = ("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(s, 0, c.proc, JAVA_BYTE, 0, s.length);
        c.proc.set(JAVA_BYTE, s.length, (byte) 0);
        return c.proc;
    }

    private void entry(Ctx c, long at, long nodeId, Stat st) {
        MemorySegment out = c.out;
        out.set(JAVA_LONG_UNALIGNED, at, nodeId);
        out.set(JAVA_LONG_UNALIGNED, at + 8, 0); // generation: node ids are never reused
        out.set(JAVA_LONG_UNALIGNED, at + 16, cacheSeconds);
        out.set(JAVA_LONG_UNALIGNED, at + 24, cacheSeconds);
        out.set(JAVA_INT_UNALIGNED, at + 32, 0);
        out.set(JAVA_INT_UNALIGNED, at + 36, 0);
        if (st != null) {
            st.writeAttr(out, at + 40);
        } else {
            out.asSlice(at + 40, 88).fill((byte) 0);
        }
    }

    private void replyAttr(Ctx c, Stat st) {
        c.out.set(JAVA_LONG_UNALIGNED, 16, cacheSeconds);
        c.out.set(JAVA_INT_UNALIGNED, 24, 0);
        c.out.set(JAVA_INT_UNALIGNED, 28, 0);
        st.writeAttr(c.out, 32);
        replyBody(c, 104);
    }

    // --- requests

    private void init(Ctx c) {
        MemorySegment in = c.in;
        int major = in.get(JAVA_INT_UNALIGNED, 40);
        int minor = in.get(JAVA_INT_UNALIGNED, 44);
        int readahead = in.get(JAVA_INT_UNALIGNED, 48);
        int flags = in.get(JAVA_INT_UNALIGNED, 52);
        MemorySegment out = c.out;
        out.asSlice(16, 64).fill((byte) 0);
        out.set(JAVA_INT_UNALIGNED, 16, 7);
        if (major != 7) {
            LOG.error("the kernel speaks FUSE protocol {}.{}; 7.x is needed", major, minor);
            replyBody(c, 8);
            return;
        }
        kernelMinor = minor;
        // HANDLE_KILLPRIV_V2: without it the kernel asks for security.capability (GETXATTR) before every
        // write, a round trip each; with it, it asks once per inode, and set-user/group-ID bits are ours to
        // clear (killSuidSgid). Capabilities need nothing: the backing file system drops them itself when
        // the backing file is written, truncated or chowned, and so does the target's.
        int wanted = ASYNC_READ | BIG_WRITES | AUTO_INVAL_DATA | PARALLEL_DIROPS | MAX_PAGES | CACHE_SYMLINKS
                | HANDLE_KILLPRIV_V2;
        out.set(JAVA_INT_UNALIGNED, 20, Math.min(minor, MINOR));
        out.set(JAVA_INT_UNALIGNED, 24, readahead);
        out.set(JAVA_INT_UNALIGNED, 28, flags & wanted);
        out.set(JAVA_SHORT_UNALIGNED, 32, (short) 64); // max_background
        out.set(JAVA_SHORT_UNALIGNED, 34, (short) 48); // congestion_threshold
        out.set(JAVA_INT_UNALIGNED, 36, MAX_WRITE);
        out.set(JAVA_INT_UNALIGNED, 40, 1); // time_gran: nanoseconds
        out.set(JAVA_SHORT_UNALIGNED, 44, (short) (MAX_WRITE / 4096)); // max_pages
        replyBody(c, 64);
        initialised.countDown();
    }

    private void lookup(Ctx c) throws Errno {
        Nodes.Node parent = node(c.nodeId);
        MemorySegment name = c.in.asSlice(40);
        int fd;
        try {
            fd = Native.openat(parent.fd, name, Native.O_PATH | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0);
        } catch (Errno e) {
            if (e.errno == Native.ENOENT) {
                entry(c, 16, 0, null); // a negative entry the kernel may cache: every create comes through here
                replyBody(c, 128);
                return;
            }
            throw e;
        }
        Stat st;
        try {
            st = stat(c, fd);
        } catch (Errno e) {
            Native.close(fd);
            throw e;
        }
        Nodes.Node node = nodes.found(parent, Emitter.cString(c.in, 40), fd, st);
        entry(c, 16, node.id, st);
        replyBody(c, 128);
    }

    private void getattr(Ctx c) throws Errno {
        replyAttr(c, stat(c, node(c.nodeId).fd));
    }

    private void readlink(Ctx c) throws Errno {
        long n = Native.readlinkat(node(c.nodeId).fd, Native.EMPTY, c.out.asSlice(16), 4096);
        replyBody(c, n);
    }

    private void statfs(Ctx c) throws Errno {
        MemorySegment v = c.out.asSlice(200, 112);
        Native.fstatvfs(nodes.root().fd, v);
        MemorySegment out = c.out;
        out.set(JAVA_LONG_UNALIGNED, 16, v.get(JAVA_LONG_UNALIGNED, 16)); // blocks
        out.set(JAVA_LONG_UNALIGNED, 24, v.get(JAVA_LONG_UNALIGNED, 24)); // bfree
        out.set(JAVA_LONG_UNALIGNED, 32, v.get(JAVA_LONG_UNALIGNED, 32)); // bavail
        out.set(JAVA_LONG_UNALIGNED, 40, v.get(JAVA_LONG_UNALIGNED, 40)); // files
        out.set(JAVA_LONG_UNALIGNED, 48, v.get(JAVA_LONG_UNALIGNED, 48)); // ffree
        out.set(JAVA_INT_UNALIGNED, 56, (int) v.get(JAVA_LONG_UNALIGNED, 0)); // bsize
        out.set(JAVA_INT_UNALIGNED, 60, (int) v.get(JAVA_LONG_UNALIGNED, 80)); // namelen
        out.set(JAVA_INT_UNALIGNED, 64, (int) v.get(JAVA_LONG_UNALIGNED, 8)); // frsize
        out.asSlice(68, 28).fill((byte) 0);
        replyBody(c, 80);
    }

    /**
     * Gives a new entry the owner the caller would have had on a local file system: the caller's
     * uid, and its gid unless the directory is set-group-ID (then the file system already gave the
     * directory's group); restores mode bits the daemon's own umask or chown took away.
     */
    private void own(Ctx c, int fd, Nodes.Node parent, int mode, boolean symlink) throws Errno {
        Stat p = stat(c, parent.fd);
        int gid = (p.mode() & Native.S_ISGID) != 0 ? -1 : c.gid;
        Native.fchownat(fd, Native.EMPTY, c.uid, gid, Native.AT_EMPTY_PATH | Native.AT_SYMLINK_NOFOLLOW);
        if (!symlink && ((mode & processUmask) != 0 || (mode & 06000) != 0)) {
            Native.fchmodat(Native.AT_FDCWD, proc(c, fd), mode & 07777);
        }
    }

    private Nodes.Node newEntry(Ctx c, Nodes.Node parent, String name, MemorySegment nameSeg, int mode, boolean symlink)
            throws Errno {
        int fd = Native.openat(parent.fd, nameSeg, Native.O_PATH | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0);
        try {
            own(c, fd, parent, mode, symlink);
            Stat st = stat(c, fd);
            Nodes.Node node = nodes.found(parent, name, fd, st);
            entry(c, 16, node.id, st);
            return node;
        } catch (Errno e) {
            Native.close(fd);
            throw e;
        }
    }

    private void mkdir(Ctx c) throws Errno {
        Nodes.Node parent = node(c.nodeId);
        int mode = c.in.get(JAVA_INT_UNALIGNED, 40);
        MemorySegment nameSeg = c.in.asSlice(48);
        String name = Emitter.cString(c.in, 48);
        emitter.lock();
        try {
            Native.mkdirat(parent.fd, nameSeg, mode & 07777);
            emitter.touched(parent);
            Nodes.Node node = newEntry(c, parent, name, nameSeg, mode, false);
            Stat st = stat(c, node.fd);
            RelPath path = nodes.path(parent, name);
            if (emitter.wanted(path)) {
                c.pending = emitter.emit(new Op.Mkdir(path, st.perm(), st.uid(), st.gid()));
            }
        } finally {
            emitter.unlock();
        }
        replyBody(c, 128); // the entry newEntry wrote
    }

    private void mknod(Ctx c) throws Errno {
        Nodes.Node parent = node(c.nodeId);
        int mode = c.in.get(JAVA_INT_UNALIGNED, 40);
        int rdev = c.in.get(JAVA_INT_UNALIGNED, 44);
        MemorySegment nameSeg = c.in.asSlice(56);
        String name = Emitter.cString(c.in, 56);
        long major = (rdev & 0xfff00L) >>> 8;
        long minor = (rdev & 0xffL) | ((rdev >>> 12) & 0xfff00L);
        long dev = ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
        emitter.lock();
        try {
            Native.mknodat(parent.fd, nameSeg, mode, dev);
            emitter.touched(parent);
            Nodes.Node node = newEntry(c, parent, name, nameSeg, mode, false);
            Stat st = stat(c, node.fd);
            RelPath path = nodes.path(parent, name);
            if (emitter.wanted(path)) {
                if (st.isRegular()) {
                    c.pending = emitter.emit(new Op.Create(path, st.perm(), st.uid(), st.gid()));
                } else {
                    emitter.notice("'" + path + "' is a special file (FIFO, socket or device); it is not replicated");
                }
            }
        } finally {
            emitter.unlock();
        }
        replyBody(c, 128); // the entry newEntry wrote
    }

    private void symlink(Ctx c) throws Errno {
        Nodes.Node parent = node(c.nodeId);
        String name = Emitter.cString(c.in, 40);
        int nameLen = name.length();
        MemorySegment nameSeg = c.in.asSlice(40);
        MemorySegment targetSeg = c.in.asSlice(40 + nameLen + 1);
        String target = Emitter.cString(c.in, 40 + nameLen + 1);
        emitter.lock();
        try {
            Native.symlinkat(targetSeg, parent.fd, nameSeg);
            emitter.touched(parent);
            Nodes.Node node = newEntry(c, parent, name, nameSeg, 0777, true);
            Stat st = stat(c, node.fd);
            RelPath path = nodes.path(parent, name);
            String utf8 = Nodes.utf8(target);
            if (emitter.wanted(path)) {
                if (utf8 == null) {
                    emitter.fail("symlink '" + path + "' has a target that is not UTF-8");
                } else {
                    c.pending = emitter.emit(new Op.Symlink(path, utf8, st.uid(), st.gid()));
                }
            }
        } finally {
            emitter.unlock();
        }
        replyBody(c, 128); // the entry newEntry wrote
    }

    private void unlink(Ctx c, boolean dir) throws Errno {
        Nodes.Node parent = node(c.nodeId);
        MemorySegment nameSeg = c.in.asSlice(40);
        String name = Emitter.cString(c.in, 40);
        emitter.lock();
        try {
            Nodes.Node child = nodes.child(parent, name);
            RelPath path = child != null && child.special ? null : nodes.path(parent, name);
            Native.unlinkat(parent.fd, nameSeg, dir ? Native.AT_REMOVEDIR : 0);
            emitter.touched(parent);
            nodes.unlinked(parent, name);
            if (emitter.wanted(path)) {
                c.pending = emitter.emit(dir ? new Op.Rmdir(path) : new Op.Unlink(path));
            }
        } finally {
            emitter.unlock();
        }
        replyBody(c, 0);
    }

    private void rename(Ctx c, long newDirId, int flags, int namesAt) throws Errno {
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0) {
            throw new Errno(Native.EINVAL, "rename flags");
        }
        Nodes.Node from = node(c.nodeId);
        Nodes.Node to = node(newDirId);
        String oldName = Emitter.cString(c.in, namesAt);
        MemorySegment oldSeg = c.in.asSlice(namesAt);
        MemorySegment newSeg = c.in.asSlice(namesAt + oldName.length() + 1);
        String newName = Emitter.cString(c.in, namesAt + oldName.length() + 1);
        boolean exchange = (flags & RENAME_EXCHANGE) != 0;
        emitter.lock();
        try {
            Nodes.Node moving = nodes.child(from, oldName);
            Nodes.Node replaced = nodes.child(to, newName);
            if ((moving != null && moving.special) || (replaced != null && replaced.special)) {
                // A special file is not in the image: replicate the result, not the rename.
                Native.renameat2(from.fd, oldSeg, to.fd, newSeg, flags);
                nodes.renamed(from, oldName, to, newName, exchange);
                emitter.touched(from);
                emitter.touched(to);
                specialRename(from, oldName, to, newName, moving, replaced, exchange);
                replyBody(c, 0);
                return;
            }
            RelPath oldPath = nodes.path(from, oldName);
            RelPath newPath = nodes.path(to, newName);
            Native.renameat2(from.fd, oldSeg, to.fd, newSeg, flags);
            emitter.touched(from);
            emitter.touched(to);
            nodes.renamed(from, oldName, to, newName, exchange);
            boolean a = emitter.wanted(oldPath);
            boolean b = emitter.wanted(newPath);
            if (a && b) {
                Op.RenameMode mode = exchange ? Op.RenameMode.EXCHANGE
                        : (flags & RENAME_NOREPLACE) != 0 ? Op.RenameMode.NOREPLACE : Op.RenameMode.REPLACE;
                c.pending = emitter.emit(new Op.Rename(oldPath, newPath, mode));
            } else if (a) {
                // Moved out of the replication set: what was at oldPath is gone from the image.
                emitter.remove(oldPath, to.fd, newName);
                if (exchange) {
                    emitter.materialize(oldPath, from.fd, oldName);
                }
            } else if (b) {
                // Moved into the replication set: build it under its old (excluded, so absent) name
                // and rename it into place, atomically replacing what the image has there.
                if (exchange) {
                    emitter.remove(newPath, from.fd, oldName);
                    emitter.materialize(newPath, to.fd, newName);
                } else if (moving != null && moving.dir) {
                    // A directory: its contents are judged by their new paths. It could only replace
                    // an empty directory, which goes first.
                    if (replaced != null) {
                        emitter.emit(new Op.Rmdir(newPath));
                    }
                    emitter.materialize(newPath, to.fd, newName);
                } else if (oldPath != null && !oldPath.isRoot()) {
                    emitter.materialize(oldPath, to.fd, newName);
                    emitter.emit(new Op.Rename(oldPath, newPath, Op.RenameMode.REPLACE));
                } else {
                    emitter.materialize(newPath, to.fd, newName);
                }
            }
        } finally {
            emitter.unlock();
        }
        replyBody(c, 0);
    }

    /**
     * After a rename that involved a FIFO, socket or device, which the image does not have: move
     * or remove the real entry there so that the image matches both names.
     */
    private void specialRename(Nodes.Node from, String oldName, Nodes.Node to, String newName, Nodes.Node moving,
            Nodes.Node replaced, boolean exchange) {
        RelPath oldPath = nodes.path(from, oldName);
        RelPath newPath = nodes.path(to, newName);
        boolean movingReal = moving != null && !moving.special;
        boolean replacedReal = replaced != null && !replaced.special;
        if (movingReal) { // the image has it at oldPath and nothing at newPath
            move(oldPath, newPath, to.fd, newName);
        } else if (replacedReal) {
            if (exchange) {
                move(newPath, oldPath, from.fd, oldName);
            } else if (emitter.wanted(newPath)) {
                emitter.emit(new Op.Unlink(newPath)); // overwritten by the special file
            }
        }
    }

    /** The image's entry at {@code a} is now the backing entry {@code name} of {@code dirfd}, named {@code b}. */
    private void move(RelPath a, RelPath b, int dirfd, String name) {
        if (emitter.wanted(a) && emitter.wanted(b)) {
            emitter.emit(new Op.Rename(a, b, Op.RenameMode.REPLACE));
        } else if (emitter.wanted(a)) {
            emitter.remove(a, dirfd, name);
        } else if (emitter.wanted(b)) {
            emitter.materialize(b, dirfd, name);
        }
    }

    private void link(Ctx c) throws Errno {
        Nodes.Node node = node(c.in.get(JAVA_LONG_UNALIGNED, 40));
        Nodes.Node parent = node(c.nodeId);
        MemorySegment nameSeg = c.in.asSlice(48);
        String name = Emitter.cString(c.in, 48);
        emitter.lock();
        try {
            RelPath existing = nodes.path(node);
            Native.linkat(node.fd, Native.EMPTY, parent.fd, nameSeg, Native.AT_EMPTY_PATH);
            emitter.touched(parent);
            nodes.linked(parent, name, node);
            RelPath path = nodes.path(parent, name);
            if (emitter.wanted(path)) {
                if (emitter.wanted(existing)) {
                    c.pending = emitter.emit(new Op.Link(existing, path));
                } else {
                    emitter.materialize(path, parent.fd, name);
                }
            }
        } finally {
            emitter.unlock();
        }
        entry(c, 16, node.id, stat(c, node.fd));
        replyBody(c, 128);
    }

    private static int backingFlags(int flags) {
        return (flags & ~(Native.O_CREAT | Native.O_EXCL | Native.O_NOCTTY | Native.O_APPEND | Native.O_DIRECT
                | Native.O_TRUNC)) | Native.O_CLOEXEC;
    }

    private void open(Ctx c) throws Errno {
        Nodes.Node node = node(c.nodeId);
        int flags = c.in.get(JAVA_INT_UNALIGNED, 40);
        // The kernel resolved the name already (and refused a symbolic link under O_NOFOLLOW); the node is
        // reopened through its /proc/self/fd link, which O_NOFOLLOW would refuse as a link itself.
        int fd = Native.open(proc(c, node.fd), backingFlags(flags) & ~Native.O_NOFOLLOW, 0);
        c.out.set(JAVA_LONG_UNALIGNED, 16, fd);
        c.out.set(JAVA_INT_UNALIGNED, 24, FOPEN_KEEP_CACHE);
        c.out.set(JAVA_INT_UNALIGNED, 28, 0);
        replyBody(c, 16);
    }

    private void create(Ctx c) throws Errno {
        Nodes.Node parent = node(c.nodeId);
        int flags = c.in.get(JAVA_INT_UNALIGNED, 40);
        int mode = c.in.get(JAVA_INT_UNALIGNED, 44);
        MemorySegment nameSeg = c.in.asSlice(56);
        String name = Emitter.cString(c.in, 56);
        int fd;
        emitter.lock();
        try {
            RelPath path = nodes.path(parent, name);
            boolean created = true;
            try {
                fd = Native.openat(parent.fd, nameSeg, backingFlags(flags) | Native.O_CREAT | Native.O_EXCL,
                        mode & 07777);
            } catch (Errno e) {
                if (e.errno != Native.EEXIST || (flags & Native.O_EXCL) != 0) {
                    throw e;
                }
                // It appeared since the kernel looked: open it as it is, as open(2) would.
                created = false;
                fd = Native.openat(parent.fd, nameSeg, backingFlags(flags) | (flags & Native.O_TRUNC), 0);
                if ((flags & Native.O_TRUNC) != 0 && (c.in.get(JAVA_INT_UNALIGNED, 52) & OPEN_KILL_SUIDGID) != 0) {
                    killSuidSgid(c, fd, path);
                }
            }
            if (created) {
                emitter.touched(parent);
            }
            Nodes.Node node;
            try {
                node = newEntryAfterCreate(c, parent, name, nameSeg, mode, created);
            } catch (Errno e) {
                Native.close(fd);
                throw e;
            }
            Stat st = stat(c, node.fd);
            entry(c, 16, node.id, st);
            if (emitter.wanted(path)) {
                if (created) {
                    c.pending = emitter.emit(new Op.Create(path, st.perm(), st.uid(), st.gid()));
                } else if ((flags & Native.O_TRUNC) != 0) {
                    c.pending = emitter.emit(new Op.Truncate(path, 0));
                }
            }
        } finally {
            emitter.unlock();
        }
        c.out.set(JAVA_LONG_UNALIGNED, 16 + 128, fd);
        c.out.set(JAVA_INT_UNALIGNED, 16 + 136, FOPEN_KEEP_CACHE);
        c.out.set(JAVA_INT_UNALIGNED, 16 + 140, 0);
        replyBody(c, 144);
    }

    private Nodes.Node newEntryAfterCreate(Ctx c, Nodes.Node parent, String name, MemorySegment nameSeg, int mode,
            boolean created) throws Errno {
        int pfd = Native.openat(parent.fd, nameSeg, Native.O_PATH | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0);
        try {
            if (created) {
                own(c, pfd, parent, mode, false);
            }
            return nodes.found(parent, name, pfd, stat(c, pfd));
        } catch (Errno e) {
            Native.close(pfd);
            throw e;
        }
    }

    private void read(Ctx c) throws Errno {
        int fd = (int) c.in.get(JAVA_LONG_UNALIGNED, 40);
        long offset = c.in.get(JAVA_LONG_UNALIGNED, 48);
        int size = Math.min(c.in.get(JAVA_INT_UNALIGNED, 56), MAX_WRITE);
        long done = 0;
        while (done < size) {
            long n = Native.pread(fd, c.out.asSlice(16 + done), size - done, offset + done);
            if (n == 0) {
                break;
            }
            done += n;
        }
        replyBody(c, done);
    }

    private void write(Ctx c) throws Errno {
        Nodes.Node node = node(c.nodeId);
        int fd = (int) c.in.get(JAVA_LONG_UNALIGNED, 40);
        long offset = c.in.get(JAVA_LONG_UNALIGNED, 48);
        int size = c.in.get(JAVA_INT_UNALIGNED, 56);
        int writeFlags = c.in.get(JAVA_INT_UNALIGNED, 60);
        MemorySegment data = c.in.asSlice(80, size);
        long done = 0;
        emitter.lock();
        try {
            try {
                if ((writeFlags & WRITE_KILL_SUIDGID) != 0) {
                    killSuidSgid(c, node);
                }
                while (done < size) {
                    done += Native.pwrite(fd, data.asSlice(done), size - done, offset + done);
                }
            } finally {
                if (done > 0) {
                    emitter.touched(node);
                    RelPath path = nodes.path(node);
                    if (emitter.wanted(path)) {
                        c.pending = emitter.emit(new Op.Write(path, offset, data.asSlice(0, done).toArray(JAVA_BYTE)));
                    }
                }
            }
        } catch (Errno e) {
            if (done == 0) {
                throw e;
            }
        } finally {
            emitter.unlock();
        }
        c.out.set(JAVA_INT_UNALIGNED, 16, (int) done);
        c.out.set(JAVA_INT_UNALIGNED, 20, 0);
        replyBody(c, 8);
    }

    /**
     * Clears the set-user-ID bit, and the set-group-ID bit of a group-executable file or of a file whose
     * group the caller is not in, as the kernel does when a caller without CAP_FSETID writes to or
     * truncates a file (the backing file is written by this root daemon, which keeps them); the caller
     * holds the lock.
     */
    private void killSuidSgid(Ctx c, Nodes.Node node) throws Errno {
        killSuidSgid(c, node.fd, nodes.path(node));
    }

    private void killSuidSgid(Ctx c, int fd, RelPath path) throws Errno {
        Stat st = stat(c, fd);
        int perm = st.perm();
        int kill = S_ISUID;
        if ((perm & S_ISGID) != 0 && ((perm & S_IXGRP) != 0 || !inGroup(c, st.gid()))) {
            kill |= S_ISGID;
        }
        if (!st.isRegular() || (perm & kill) == 0) {
            return;
        }
        Native.fchmodat(Native.AT_FDCWD, proc(c, fd), perm & ~kill);
        if (emitter.wanted(path)) {
            c.pending = emitter.emit(new Op.SetMode(path, perm & ~kill));
        }
    }

    private static final int S_ISUID = 04000, S_ISGID = 02000, S_IXGRP = 010;

    /** Whether the caller's group or one of its supplementary groups (read from /proc) is {@code gid}. */
    private static boolean inGroup(Ctx c, int gid) {
        if (c.gid == gid) {
            return true;
        }
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + c.pid + "/status"))) {
                if (line.startsWith("Groups:")) {
                    for (String g : line.substring(7).trim().split("\\s+")) {
                        if (!g.isEmpty() && Integer.parseUnsignedInt(g) == gid) {
                            return true;
                        }
                    }
                    return false;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // the caller is gone: as for a caller outside the group
        }
        return false;
    }

    private void setattr(Ctx c) throws Errno {
        Nodes.Node node = node(c.nodeId);
        MemorySegment in = c.in;
        int valid = in.get(JAVA_INT_UNALIGNED, 40);
        int fh = (int) in.get(JAVA_LONG_UNALIGNED, 48);
        emitter.lock();
        try {
            RelPath path = nodes.path(node);
            boolean wanted = emitter.wanted(path);
            Stat before = stat(c, node.fd);
            if ((valid & FATTR_MODE) != 0) {
                if (before.isSymlink()) {
                    throw new Errno(Native.EOPNOTSUPP, "chmod of a symlink");
                }
                Native.fchmodat(Native.AT_FDCWD, proc(c, node.fd), in.get(JAVA_INT_UNALIGNED, 108) & 07777);
                if (wanted) {
                    c.pending = emitter.emit(new Op.SetMode(path, stat(c, node.fd).perm()));
                }
            }
            if ((valid & (FATTR_UID | FATTR_GID)) != 0) {
                int uid = (valid & FATTR_UID) != 0 ? in.get(JAVA_INT_UNALIGNED, 116) : -1;
                int gid = (valid & FATTR_GID) != 0 ? in.get(JAVA_INT_UNALIGNED, 120) : -1;
                int modeBefore = stat(c, node.fd).perm();
                Native.fchownat(node.fd, Native.EMPTY, uid, gid, Native.AT_EMPTY_PATH | Native.AT_SYMLINK_NOFOLLOW);
                if (wanted) {
                    c.pending = emitter.emit(new Op.SetOwner(path, uid, gid));
                    int modeAfter = stat(c, node.fd).perm();
                    if (modeAfter != modeBefore && !before.isSymlink()) { // chown cleared set-user/group-ID
                        c.pending = emitter.emit(new Op.SetMode(path, modeAfter));
                    }
                }
            }
            if ((valid & FATTR_SIZE) != 0) {
                long size = in.get(JAVA_LONG_UNALIGNED, 56);
                if ((valid & FATTR_KILL_SUIDGID) != 0) {
                    killSuidSgid(c, node);
                }
                if ((valid & FATTR_FH) != 0) {
                    Native.ftruncate(fh, size);
                } else {
                    Native.truncate(proc(c, node.fd), size);
                }
                emitter.touched(node);
                if (wanted) {
                    c.pending = emitter.emit(new Op.Truncate(path, size));
                }
            }
            if ((valid & (FATTR_ATIME | FATTR_MTIME)) != 0) {
                MemorySegment ts = c.times;
                setTime(ts, 0, valid, FATTR_ATIME, FATTR_ATIME_NOW, in.get(JAVA_LONG_UNALIGNED, 72),
                        in.get(JAVA_INT_UNALIGNED, 96));
                setTime(ts, 16, valid, FATTR_MTIME, FATTR_MTIME_NOW, in.get(JAVA_LONG_UNALIGNED, 80),
                        in.get(JAVA_INT_UNALIGNED, 100));
                if (before.isSymlink()) {
                    Nodes.Dentry d = dentry(node);
                    try (Arena a = Arena.ofConfined()) {
                        Native.utimensat(node(d.parent()).fd, a.allocateFrom(d.name(), StandardCharsets.ISO_8859_1),
                                ts, Native.AT_SYMLINK_NOFOLLOW);
                    }
                } else {
                    Native.utimensat(Native.AT_FDCWD, proc(c, node.fd), ts, 0);
                }
                if (wanted) {
                    Stat after = stat(c, node.fd);
                    c.pending = emitter.emit(new Op.SetTimes(path,
                            (valid & FATTR_ATIME) != 0 ? after.atimeNanos() : Op.TIME_OMIT,
                            (valid & FATTR_MTIME) != 0 ? after.mtimeNanos() : Op.TIME_OMIT));
                }
            }
        } finally {
            emitter.unlock();
        }
        replyAttr(c, stat(c, node.fd));
    }

    private Nodes.Dentry dentry(Nodes.Node node) throws Errno {
        synchronized (nodes) {
            if (node.names.isEmpty()) {
                throw new Errno(Native.ENOENT, "unlinked symlink");
            }
            return node.names.get(0);
        }
    }

    private static void setTime(MemorySegment ts, long at, int valid, int set, int now, long sec, int nsec) {
        if ((valid & set) == 0) {
            ts.set(JAVA_LONG_UNALIGNED, at, 0);
            ts.set(JAVA_LONG_UNALIGNED, at + 8, Native.UTIME_OMIT);
        } else if ((valid & now) != 0) {
            ts.set(JAVA_LONG_UNALIGNED, at, 0);
            ts.set(JAVA_LONG_UNALIGNED, at + 8, Native.UTIME_NOW);
        } else {
            ts.set(JAVA_LONG_UNALIGNED, at, sec);
            ts.set(JAVA_LONG_UNALIGNED, at + 8, nsec);
        }
    }

    private void fsync(Ctx c, boolean dir) throws Errno {
        Nodes.Node node = node(c.nodeId);
        int fh = (int) c.in.get(JAVA_LONG_UNALIGNED, 40);
        boolean dataOnly = (c.in.get(JAVA_INT_UNALIGNED, 48) & 1) != 0;
        int fd = dir ? dirs.get((long) fh) == null ? fh : dirs.get((long) fh).fd : fh;
        Native.fsync(fd, dataOnly);
        emitter.flushTimes(nodes, node);
        emitter.lock();
        try {
            RelPath path = nodes.path(node);
            if (emitter.wanted(path)) {
                c.pending = emitter.emit(new Op.Fsync(path));
            }
        } finally {
            emitter.unlock();
        }
        replyBody(c, 0);
    }

    private void fallocate(Ctx c) throws Errno {
        Nodes.Node node = node(c.nodeId);
        int fh = (int) c.in.get(JAVA_LONG_UNALIGNED, 40);
        long offset = c.in.get(JAVA_LONG_UNALIGNED, 48);
        long length = c.in.get(JAVA_LONG_UNALIGNED, 56);
        int mode = c.in.get(JAVA_INT_UNALIGNED, 64);
        if (mode != 0 && mode != FALLOC_FL_KEEP_SIZE && mode != (FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) {
            throw new Errno(Native.EOPNOTSUPP, "fallocate mode " + mode); // collapse, zero or insert range
        }
        emitter.lock();
        try {
            Native.fallocate(fh, mode, offset, length);
            emitter.touched(node);
            RelPath path = nodes.path(node);
            if (emitter.wanted(path)) {
                c.pending = emitter.emit(new Op.Fallocate(path, offset, length, (mode & FALLOC_FL_KEEP_SIZE) != 0,
                        (mode & FALLOC_FL_PUNCH_HOLE) != 0));
            }
        } finally {
            emitter.unlock();
        }
        replyBody(c, 0);
    }

    // --- extended attributes (ACLs among them)

    private void setxattr(Ctx c) throws Errno {
        Nodes.Node node = node(c.nodeId);
        int size = c.in.get(JAVA_INT_UNALIGNED, 40);
        int flags = c.in.get(JAVA_INT_UNALIGNED, 44);
        String name = Emitter.cString(c.in, 48);
        MemorySegment nameSeg = c.in.asSlice(48);
        MemorySegment value = c.in.asSlice(48 + name.length() + 1, size);
        emitter.lock();
        try {
            int modeBefore = stat(c, node.fd).perm();
            Native.setxattr(xattrPath(c, node), nameSeg, value, size, flags);
            RelPath path = nodes.path(node);
            if (emitter.wanted(path)) {
                c.pending = emitter.emit(new Op.SetXattr(path, new String(name.getBytes(StandardCharsets.ISO_8859_1),
                        StandardCharsets.UTF_8), value.toArray(JAVA_BYTE)));
                aclModeChange(c, node, path, modeBefore);
            }
        } finally {
            emitter.unlock();
        }
        replyBody(c, 0);
    }

    private void removexattr(Ctx c) throws Errno {
        Nodes.Node node = node(c.nodeId);
        String name = Emitter.cString(c.in, 40);
        emitter.lock();
        try {
            int modeBefore = stat(c, node.fd).perm();
            Native.removexattr(xattrPath(c, node), c.in.asSlice(40));
            RelPath path = nodes.path(node);
            if (emitter.wanted(path)) {
                c.pending = emitter.emit(new Op.RemoveXattr(path,
                        new String(name.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)));
                aclModeChange(c, node, path, modeBefore);
            }
        } finally {
            emitter.unlock();
        }
        replyBody(c, 0);
    }

    /** An access ACL also sets the group mode bits (its mask): the image gets them as a mode change too. */
    private void aclModeChange(Ctx c, Nodes.Node node, RelPath path, int modeBefore) throws Errno {
        int modeAfter = stat(c, node.fd).perm();
        if (modeAfter != modeBefore) {
            c.pending = emitter.emit(new Op.SetMode(path, modeAfter));
        }
    }

    private void getxattr(Ctx c, boolean list) throws Errno {
        Nodes.Node node = node(c.nodeId);
        int size = c.in.get(JAVA_INT_UNALIGNED, 40);
        MemorySegment path = xattrPath(c, node);
        MemorySegment buf = size == 0 ? MemorySegment.NULL : c.out.asSlice(16, Math.min(size, OUT_SIZE - 16));
        long n = list ? Native.listxattr(path, buf, size == 0 ? 0 : buf.byteSize())
                : Native.getxattr(path, c.in.asSlice(48), buf, size == 0 ? 0 : buf.byteSize());
        if (size == 0) {
            c.out.set(JAVA_INT_UNALIGNED, 16, (int) n);
            c.out.set(JAVA_INT_UNALIGNED, 20, 0);
            replyBody(c, 8);
        } else {
            replyBody(c, n);
        }
    }

    private MemorySegment xattrPath(Ctx c, Nodes.Node node) throws Errno {
        if (stat(c, node.fd).isSymlink()) {
            throw new Errno(Native.EOPNOTSUPP, "xattrs of a symlink");
        }
        return proc(c, node.fd);
    }

    // --- directories

    /** An open directory: its descriptor and the entries read from it but not yet sent. */
    private static final class DirHandle {
        final int fd;
        final Arena arena = Arena.ofShared();
        final MemorySegment buf = arena.allocate(64 * 1024, 8);
        long filled;
        long at;
        long position; // the offset the kernel will ask for next

        DirHandle(int fd) {
            this.fd = fd;
        }

        synchronized void close() {
            Native.close(fd);
            arena.close();
        }
    }

    private void opendir(Ctx c) throws Errno {
        Nodes.Node node = node(c.nodeId);
        int fd = Native.openat(node.fd, DOT, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
        dirs.put((long) fd, new DirHandle(fd));
        c.out.set(JAVA_LONG_UNALIGNED, 16, fd);
        c.out.set(JAVA_INT_UNALIGNED, 24, 0);
        c.out.set(JAVA_INT_UNALIGNED, 28, 0);
        replyBody(c, 16);
    }

    private static final MemorySegment DOT = Arena.global().allocateFrom(".");

    private void readdir(Ctx c) throws Errno {
        DirHandle d = dirs.get(c.in.get(JAVA_LONG_UNALIGNED, 40));
        if (d == null) {
            throw new Errno(9, "readdir of a closed directory");
        }
        long offset = c.in.get(JAVA_LONG_UNALIGNED, 48);
        int size = Math.min(c.in.get(JAVA_INT_UNALIGNED, 56), OUT_SIZE - 16);
        long used = 0;
        synchronized (d) {
            if (offset != d.position) {
                Native.lseek(d.fd, offset, 0);
                d.filled = 0;
                d.at = 0;
                d.position = offset;
            }
            while (true) {
                if (d.at >= d.filled) {
                    d.filled = Native.getdents64(d.fd, d.buf, d.buf.byteSize());
                    d.at = 0;
                    if (d.filled == 0) {
                        break;
                    }
                }
                MemorySegment b = d.buf;
                long ino = b.get(JAVA_LONG_UNALIGNED, d.at);
                long next = b.get(JAVA_LONG_UNALIGNED, d.at + 8);
                int reclen = Short.toUnsignedInt(b.get(JAVA_SHORT_UNALIGNED, d.at + 16));
                int type = Byte.toUnsignedInt(b.get(JAVA_BYTE, d.at + 18));
                long nameAt = d.at + 19;
                long nameEnd = nameAt;
                while (b.get(JAVA_BYTE, nameEnd) != 0) {
                    nameEnd++;
                }
                int nameLen = (int) (nameEnd - nameAt);
                int entryLen = (24 + nameLen + 7) & ~7;
                if (used + entryLen > size) {
                    break;
                }
                MemorySegment out = c.out;
                long o = 16 + used;
                out.set(JAVA_LONG_UNALIGNED, o, ino);
                out.set(JAVA_LONG_UNALIGNED, o + 8, next);
                out.set(JAVA_INT_UNALIGNED, o + 16, nameLen);
                out.set(JAVA_INT_UNALIGNED, o + 20, type);
                MemorySegment.copy(b, nameAt, out, o + 24, nameLen);
                out.asSlice(o + 24 + nameLen, entryLen - 24 - nameLen).fill((byte) 0);
                used += entryLen;
                d.at += reclen;
                d.position = next;
            }
        }
        replyBody(c, used);
    }
}
