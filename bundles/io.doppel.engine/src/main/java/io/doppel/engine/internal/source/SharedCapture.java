package io.doppel.engine.internal.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.capture.Capture;
import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.CaptureRequest;
import io.doppel.api.capture.Interceptor;
import io.doppel.api.capture.OpSink;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.ReplicationException;

/**
 * One running capture of a protected directory, shared by every job that protects that directory
 * with the same interceptor: one source replicated to several targets (one job per target) is
 * captured once, by one mount, and each op goes to every member's journal in the order it happened.
 *
 * <p>The interceptor captures what any member's replication set includes. Each member journals the
 * ops on paths its own set includes; an op that crosses the border of a member's set (a rename or
 * hard link between a path it includes and one it does not) is not an op for that member: a move
 * out of its set removes the old path from its image, and anything else makes that member
 * resynchronise by a difference mirror. With a single member nothing is filtered: the interceptor's
 * own handling of the border holds.
 *
 * <p>A member whose job stops taking changes (it failed) lapses: it gets no ops and no longer counts
 * as capturing, but the capture goes on for the others and for the application (a FUSE mount is not
 * pulled from under it). Starting that job again rejoins it, and its mirror covers what it missed.
 */
final class SharedCapture {

    private static final Logger LOG = LoggerFactory.getLogger(SharedCapture.class);

    private static final class Member {
        final Job job;
        volatile boolean lapsed;

        Member(Job job) {
            this.job = job;
        }
    }

    private final Interceptor interceptor;
    private final Path root;
    private final boolean synchronous;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private Capture capture;

    private SharedCapture(Interceptor interceptor, Path root, boolean synchronous) {
        this.interceptor = interceptor;
        this.root = root;
        this.synchronous = synchronous;
    }

    /** The key of a capture: one per interceptor and protected directory. */
    static String key(Interceptor interceptor, Path root) {
        return interceptor.id() + '\0' + root.toAbsolutePath().normalize();
    }

    /**
     * The interceptor's state directory for {@code root}: one per directory, not per job, so that
     * the state (a mount marker, a snapshot) outlives any one member. A job's state from before
     * captures were shared ({@code legacy}) moves there.
     */
    static Path stateDir(Path capturesArea, Interceptor interceptor, Path root, Path legacy) throws IOException {
        String normal = root.toAbsolutePath().normalize().toString();
        String digest;
        try {
            digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(normal.getBytes(StandardCharsets.UTF_8)), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path dir = capturesArea.resolve(interceptor.id()).resolve(digest);
        if (!Files.exists(dir) && Files.isDirectory(legacy)) {
            Files.createDirectories(dir.getParent());
            Files.move(legacy, dir);
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("root"), normal + "\n");
        return dir;
    }

    /** Starts capturing {@code root} for {@code first}. */
    static SharedCapture start(Interceptor interceptor, Job first, Path stateDir) throws CaptureException {
        Path root = Path.of(first.definition().source());
        SharedCapture shared = new SharedCapture(interceptor, root, first.definition().synchronous());
        Member m = new Member(first);
        shared.members.add(m);
        shared.capture = interceptor.start(new CaptureRequest(first.definition().name(), root, shared::included,
                shared.sink(), stateDir, shared.synchronous));
        return shared;
    }

    /**
     * Adds a job that protects the same directory; it captures from now on (its mirror covers what
     * came before, as for any start of a capture). A lapsed member rejoins. Returns whether the job
     * captures from now on (false: it did already).
     *
     * @throws CaptureException if it cannot share this capture, with why
     */
    boolean join(Job job) throws CaptureException {
        for (Member m : members) {
            if (m.job == job) {
                boolean rejoined = m.lapsed;
                m.lapsed = false;
                return rejoined;
            }
        }
        if (job.definition().synchronous() != synchronous) {
            throw new CaptureException(root + " is captured " + (synchronous ? "synchronously" : "asynchronously")
                    + " for job" + (members.size() > 1 ? "s " : " ") + names()
                    + "; jobs protecting one directory share its capture, so they must all be synchronous or all "
                    + "asynchronous: change job '" + job.definition().name() + "' or stop the others first");
        }
        LOG.info("Job '{}' shares the capture of {} with {}", job.definition().name(), root, names());
        members.add(new Member(job));
        return true;
    }

    /** Removes a member; returns whether none is left (then the capture was closed). */
    boolean leave(Job job) {
        members.removeIf(m -> m.job == job);
        if (members.isEmpty()) {
            capture.close();
            return true;
        }
        return false;
    }

    /** Closes the capture for every member. */
    void close() {
        members.clear();
        capture.close();
    }

    Interceptor interceptor() {
        return interceptor;
    }

    Capture capture() {
        return capture;
    }

    /** One line for a member's status: the capture, and who else shares it. */
    String describe(Job job) {
        List<String> others = new ArrayList<>();
        for (Member m : members) {
            if (m.job != job) {
                others.add("'" + m.job.definition().name() + "'");
            }
        }
        return interceptor.id() + ": " + capture.describe()
                + (others.isEmpty() ? "" : " (shared with job" + (others.size() > 1 ? "s " : " ")
                        + String.join(", ", others) + ")");
    }

    private String names() {
        List<String> names = new ArrayList<>();
        members.forEach(m -> names.add("'" + m.job.definition().name() + "'"));
        return String.join(", ", names);
    }

    /** What the interceptor captures: what any member includes. */
    private boolean included(RelPath path) {
        for (Member m : members) {
            if (m.job.included(path)) {
                return true;
            }
        }
        return false;
    }

    private OpSink sink() {
        return new OpSink() {
            @Override
            public long accept(Op op) {
                long seq = -1;
                boolean alone = members.size() == 1;
                for (Member m : members) {
                    Op mine = alone ? op : forMember(m.job, op);
                    if (m.lapsed || mine == null) {
                        continue;
                    }
                    try {
                        long s = m.job.capture(mine);
                        if (seq < 0) {
                            seq = s;
                        }
                    } catch (ReplicationException e) {
                        lapse(m, e.getMessage());
                    }
                }
                return seq;
            }

            @Override
            public CompletionStage<Long> acceptAndWait(Op op) {
                boolean alone = members.size() == 1;
                List<CompletableFuture<Long>> waits = new ArrayList<>();
                for (Member m : members) {
                    Op mine = alone ? op : forMember(m.job, op);
                    if (m.lapsed || mine == null) {
                        continue;
                    }
                    if (!alone && !m.job.capturing()) {
                        lapse(m, "it does not capture changes");
                        continue;
                    }
                    waits.add(m.job.captureAndWait(mine));
                }
                if (waits.isEmpty()) {
                    return CompletableFuture.completedFuture(-1L);
                }
                return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
                        .thenApply(done -> waits.get(0).join());
            }
        };
    }

    private void lapse(Member m, String why) {
        if (!m.lapsed) {
            m.lapsed = true;
            m.job.captureStopped();
            m.job.capture("not capturing: " + why + " (the capture of " + root + " goes on for "
                    + names() + "; starting the job again rejoins it)");
            LOG.warn("Job '{}' stopped taking changes from the shared capture of {}: {}", m.job.definition().name(),
                    root, why);
        }
    }

    /**
     * Whether a member's set holds {@code path}: the path and every directory above it included (the
     * rules answer for one entry; an interceptor does not descend into an excluded directory, but the
     * capture descends where another member includes it).
     */
    static boolean within(Job job, RelPath path) {
        for (RelPath p = path; p != null && !p.isRoot(); p = p.parent()) {
            if (!job.included(p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The op a member journals for {@code op}: itself when the member includes every path it
     * names, nothing when it includes none; across the border of its set, the removal of a path
     * moved out of it, else nothing, and the member resynchronises.
     */
    static Op forMember(Job job, Op op) {
        if (op instanceof Op.Fsync) {
            return op; // a consistency point holds for every member
        }
        RelPath other = switch (op) {
            case Op.Rename r -> r.to();
            case Op.Link l -> l.to();
            default -> null;
        };
        boolean first = within(job, op.path());
        if (other == null) {
            return first ? op : null;
        }
        boolean second = within(job, other);
        if (first && second) {
            return op;
        }
        if (!first && !second) {
            return null;
        }
        if (first && op instanceof Op.Rename r && r.mode() != Op.RenameMode.EXCHANGE) {
            return new Op.Remove(r.path()); // moved out of this member's set
        }
        if (first && op instanceof Op.Link) {
            return null; // a new name outside this member's set
        }
        job.resyncFor("'" + (first ? other : op.path()) + "' came into the replication set by a " + op.kind()
                + " from a path only another job sharing the capture includes");
        return null;
    }
}
