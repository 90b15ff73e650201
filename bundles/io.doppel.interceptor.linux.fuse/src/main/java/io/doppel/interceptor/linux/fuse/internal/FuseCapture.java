package io.doppel.interceptor.linux.fuse.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.capture.Capture;
import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.CaptureRequest;

/**
 * A protected directory with the pass-through file system mounted over it. Starting opens the
 * directory (so the original tree stays reachable through that descriptor), mounts over it and
 * waits for the kernel's handshake; closing unmounts, lazily if applications still have files open.
 *
 * <p>A marker in the state directory tells whether the last capture ended cleanly; if it did not
 * (the agent was killed), changes may have reached the directory without reaching the journal, and
 * the start says the image needs a resynchronisation.
 */
public final class FuseCapture implements Capture {

    /** Tunables, from {@link FuseConfig}. */
    /**
     * @param nodeBudget the nodes (each an open descriptor) all sessions may hold before the kernel
     *                   is asked to forget the least recently used; 0 for half the descriptor limit
     */
    public record Settings(int threads, int cacheSeconds, long syncTimeoutMillis, long nodeBudget) {
        public Settings(int threads, int cacheSeconds, long syncTimeoutMillis) {
            this(threads, cacheSeconds, syncTimeoutMillis, 0);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(FuseCapture.class);
    private static final String FSTYPE = "fuse.doppel";
    private static final String MARKER = "fuse-mounted";
    private static final long INIT_WAIT_MILLIS = 10_000;
    private static final long END_WAIT_MILLIS = 5_000;

    private final Path root;
    private final Path marker;
    private final int rootFd;
    private final int devFd;
    private final Nodes nodes;
    private final Emitter emitter;
    private final FuseSession session;
    private final String recovered;
    private boolean closed;

    private FuseCapture(Path root, Path marker, int rootFd, int devFd, Nodes nodes, Emitter emitter,
            FuseSession session, String recovered) {
        this.root = root;
        this.marker = marker;
        this.rootFd = rootFd;
        this.devFd = devFd;
        this.nodes = nodes;
        this.emitter = emitter;
        this.session = session;
        this.recovered = recovered;
    }

    static FuseCapture start(CaptureRequest request, Settings settings) throws CaptureException {
        if (mountedByDeadAgent(request.stateDir().resolve(MARKER))) {
            // this job's own mount, left by its agent when it was killed: the kernel may still answer
            // for it from its caches, so asking the mount whether it lives would say yes
            detachStale(request.root().toAbsolutePath().normalize());
        }
        recover(request.root()); // a dead mount left by a killed agent goes; a living one refuses the start
        Path root;
        try {
            root = request.root().toRealPath();
        } catch (IOException e) {
            // A mount left by a killed agent answers ENOTCONN: take it away first.
            if (detachStale(request.root().toAbsolutePath().normalize())) {
                try {
                    root = request.root().toRealPath();
                } catch (IOException again) {
                    throw new CaptureException("the protected directory " + request.root() + " cannot be opened: "
                            + again.getMessage());
                }
            } else {
                throw new CaptureException("the protected directory " + request.root()
                        + " does not exist or cannot be opened: " + e.getMessage());
            }
        }
        if (!Files.isDirectory(root)) {
            throw new CaptureException("the protected directory " + root + " is not a directory");
        }
        Path state = request.stateDir().toAbsolutePath().normalize();
        if (state.startsWith(root)) {
            throw new CaptureException("the agent's state directory " + state + " is inside the protected directory "
                    + root + "; the agent's home must be outside what it protects");
        }
        Optional<String> mounted = mountType(root);
        if (mounted.isPresent() && mounted.get().equals(FSTYPE)) {
            throw new CaptureException(root + " is already protected by a running Doppel mount (another job or "
                    + "agent); stop that job first");
        }
        String recovered = null;
        Path marker = state.resolve(MARKER);
        if (Files.exists(marker)) {
            recovered = "the last capture of " + root + " did not end cleanly (the agent was stopped without "
                    + "unmounting): changes made around that moment may be missing from the image, which needs a "
                    + "resynchronisation";
        }
        int umask = processUmask();
        int rootFd = -1;
        int devFd = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rootPath = arena.allocateFrom(root.toString());
            rootFd = Native.open(rootPath, Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
            MemorySegment sb = arena.allocate(Stat.SIZE);
            Native.statx(rootFd, Native.EMPTY, Native.AT_EMPTY_PATH, sb);
            Stat rootStat = Stat.of(sb);
            try {
                devFd = Native.open(arena.allocateFrom("/dev/fuse"), Native.O_RDWR | Native.O_CLOEXEC, 0);
            } catch (Errno e) {
                throw new CaptureException("/dev/fuse cannot be opened (" + e.getMessage()
                        + "): load the fuse module and run the agent as root");
            }
            Nodes nodes = new Nodes(rootFd, rootStat);
            Emitter emitter = new Emitter(request, request.synchronous(), settings.syncTimeoutMillis());
            FuseSession session = new FuseSession(devFd, nodes, emitter, settings.cacheSeconds(), umask,
                    settings.threads(), request.job(),
                    settings.nodeBudget() > 0 ? settings.nodeBudget() : FuseSession.nodeBudget());
            String options = "fd=" + devFd + ",rootmode=" + Integer.toOctalString(rootStat.mode()) + ",user_id=0,"
                    + "group_id=0,default_permissions,allow_other";
            try {
                Native.mount(arena.allocateFrom("doppel:" + request.job()), rootPath, arena.allocateFrom(FSTYPE), 0,
                        arena.allocateFrom(options));
            } catch (Errno e) {
                throw new CaptureException("cannot mount over " + root + " (" + e.getMessage()
                        + "): the agent must run as root, and the kernel must allow FUSE mounts");
            }
            session.start();
            try {
                Files.writeString(marker, "mounted " + Instant.now() + " by pid " + ProcessHandle.current().pid() + "\n");
            } catch (IOException e) {
                LOG.warn("cannot write {}: {}; an unclean stop will not be noticed", marker, e.getMessage());
            }
            // The kernel sends its handshake once the mount exists; the first access waits for it.
            try (var ignored = Files.newDirectoryStream(root)) {
                if (!session.awaitInit(INIT_WAIT_MILLIS)) {
                    throw new CaptureException("the kernel did not start the FUSE session on " + root);
                }
            } catch (IOException e) {
                detach(root);
                throw new CaptureException("the mount over " + root + " does not answer: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                detach(root);
                throw new CaptureException("interrupted while mounting " + root);
            }
            if (recovered != null) {
                emitter.notice(recovered);
            }
            LOG.info("job '{}': {} mounted in place (kernel FUSE 7.{}, {} threads)", request.job(), root,
                    session.kernelMinor(), settings.threads());
            FuseCapture capture = new FuseCapture(root, marker, rootFd, devFd, nodes, emitter, session, recovered);
            rootFd = -1;
            devFd = -1;
            return capture;
        } catch (Errno e) {
            throw new CaptureException("cannot protect " + root + ": " + e.getMessage());
        } finally {
            Native.close(rootFd);
            Native.close(devFd);
        }
    }

    @Override
    public String describe() {
        return "FUSE pass-through mounted over " + root + " (byte-level, ordered" + (recovered != null
                ? "; needs a resynchronisation after an unclean stop" : "") + ")";
    }

    @Override
    public String failure() {
        return emitter.failure();
    }

    /**
     * The tree beneath the mount, through the directory descriptor opened before mounting: a mirror
     * or a verification reads it without passing through the mount (whose workers may wait for the
     * job a reader holds). The final "." makes the descriptor's link a directory to every call.
     */
    @Override
    public Path backing() {
        return Path.of("/proc/self/fd/" + rootFd + "/.");
    }

    /** Under the order lock, which a request holds from its change to the tree until its op is handed over. */
    @Override
    public void betweenChanges(Runnable action) {
        emitter.lock();
        try {
            action.run();
        } finally {
            emitter.unlock();
        }
    }

    /** Changes that were not replicated but did not stop the others. */
    public List<String> notices() {
        return emitter.notices();
    }

    /** How many ops went to the job so far. */
    public long emitted() {
        return emitter.emitted();
    }

    /** How many files the kernel holds. */
    public int nodes() {
        return nodes.size();
    }

    /** Names the kernel was asked to drop so far to keep the descriptors within the node budget. */
    public long namesDropped() {
        return session.dropsAsked();
    }

    public Path root() {
        return root;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        detach(root);
        boolean ended;
        try {
            ended = session.awaitEnd(END_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ended = false;
        }
        if (ended) {
            session.finish();
            emitter.close();
            nodes.closeAll();
            Native.close(rootFd);
            Native.close(devFd);
            if (emitter.failure() == null) {
                try {
                    Files.deleteIfExists(marker);
                } catch (IOException e) {
                    LOG.warn("cannot remove {}: {}", marker, e.getMessage());
                }
            }
            LOG.info("{} unmounted", root);
        } else {
            // Files are still open: they keep working through the detached mount, and their changes
            // still go to the job as long as it takes them; the marker stays, so the next start
            // says a resynchronisation is needed.
            LOG.warn("{} unmounted lazily: applications still have files open in it; the mount goes away "
                    + "when they close them", root);
        }
    }

    private static void detach(Path root) {
        try (Arena arena = Arena.ofConfined()) {
            Native.umount2(arena.allocateFrom(root.toString()), Native.MNT_DETACH);
        } catch (Errno e) {
            LOG.warn("cannot unmount {}: {}", root, e.getMessage());
        }
    }

    /** Unmounts a Doppel mount at {@code path} whose daemon is gone; true if there was one. */
    /**
     * Removes a dead Doppel mount over {@code root} (its agent was killed): one that no longer
     * answers. A mount that answers belongs to a running capture and is left alone.
     */
    static void recover(Path root) throws CaptureException {
        Path path = root.toAbsolutePath().normalize();
        if (mountType(path).filter(FSTYPE::equals).isEmpty()) {
            return;
        }
        try {
            Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class);
            throw new CaptureException(path + " is protected by a running Doppel mount (another job or agent); stop "
                    + "that job first");
        } catch (IOException dead) {
            detachStale(path);
        }
    }

    /**
     * Whether {@code marker} says this job's mount was made by a process that is gone (or is
     * another process now under the same pid, started after the mount).
     */
    static boolean mountedByDeadAgent(Path marker) {
        String text;
        try {
            text = Files.readString(marker, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return false; // no marker: the last capture ended cleanly, or never began
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("mounted (\\S+) by pid (\\d+)").matcher(text);
        if (!m.find()) {
            return false;
        }
        long pid = Long.parseLong(m.group(2));
        if (pid == ProcessHandle.current().pid()) {
            return false;
        }
        Instant mountedAt;
        try {
            mountedAt = Instant.parse(m.group(1));
        } catch (java.time.format.DateTimeParseException e) {
            mountedAt = Instant.MAX;
        }
        Instant at = mountedAt;
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().startInstant().map(start -> !start.isAfter(at)).orElse(true)).isEmpty();
    }

    private static boolean detachStale(Path path) {
        if (mountType(path).filter(FSTYPE::equals).isEmpty()) {
            return false;
        }
        LOG.warn("{}: removing the mount left by an agent that was killed", path);
        detach(path);
        return true;
    }

    /** The file system type mounted exactly at {@code dir}, from /proc/self/mountinfo (the top one). */
    static Optional<String> mountType(Path dir) {
        String type = null;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (f.length > 4 && dash > 0 && dash + 1 < f.length && unescape(f[4]).equals(dir.toString())) {
                    type = f[dash + 1];
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(type);
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    private static int processUmask() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Umask:")) {
                    return Integer.parseInt(line.substring(6).trim(), 8);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return 022;
    }
}
