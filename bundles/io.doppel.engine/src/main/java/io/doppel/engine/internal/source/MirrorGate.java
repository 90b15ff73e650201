package io.doppel.engine.internal.source;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/**
 * What keeps live changes and a running mirror from overtaking each other (see docs/MIRROR.md).
 *
 * <p>The mirror walks the source tree in one total order (pre-order, names sorted: {@link #compare}).
 * Everything up to its position is <em>visited</em>: the target holds it as the source had it when
 * the mirror passed, and every later change to it travels as captured. Everything after is
 * <em>unvisited</em>: the mirror will copy it as it is when it gets there, so a change to it now is
 * dropped (it would find nothing, or something stale, on the target). A change that moves something
 * between the two regions becomes a removal on the target, and a visited path that receives
 * unvisited content becomes <em>pending</em>: unvisited again until the mirror walks it once more.
 *
 * <p>It also remembers which paths changed since a sequence, so that the mirror can tell whether a
 * block it read outside the job's lock may be older than a change already in the journal.
 *
 * <p>Guarded by the job's monitor.
 */
final class MirrorGate {

    /** Beyond this many remembered changes, those older than the mirror's oldest read are forgotten. */
    private static final int CHANGES_LIMIT = 100_000;

    private boolean active;
    /**
     * When the gate last began, by the wall clock: a change withheld since then left its file's
     * change time (ctime) at or after it. Read without the monitor by the mirror's walk.
     */
    private volatile long beganAtMillis;
    /** The subtree being walked, or null between walks. */
    private RelPath walkRoot;
    /** The last entry the walk began within walkRoot, or null if none yet. */
    private RelPath cursor;
    /** Whether everything beneath the cursor is done too. */
    private boolean cursorDone;
    /**
     * The entry the walk has chosen to walk next, before it begins it (null once it does): the walk
     * has passed every name before it, so whatever appears there now is visited.
     */
    private RelPath next;
    private final Set<RelPath> pending = new HashSet<>();
    private final Map<RelPath, Long> contentChanged = new HashMap<>();
    private final Map<RelPath, Long> namesChanged = new HashMap<>();
    /**
     * Files with several names that the mirror made visited: inode → the names it gave them, kept
     * up to date through renames of visited paths (a name may have gone since: callers check).
     */
    private final Map<Object, Set<RelPath>> linked = new HashMap<>();
    private long forgetBefore;
    /** Names that appeared, unsent, in directories the walk is inside: directory → names. */
    private final Map<RelPath, Set<String>> discovered = new HashMap<>();
    /** Directories the walk is listing now, outside the lock (with how many listings of each). */
    private final Map<RelPath, Integer> listing = new HashMap<>();
    /**
     * What the walk looked at since the last captured change: directories it listed and paths it
     * found gone. The next change may have been made before these looks and captured after them.
     */
    private final Set<RelPath> looked = new HashSet<>();

    /** The order of the walk: component by component, a directory before what it contains. */
    static int compare(RelPath a, RelPath b) {
        // as comparing the lists of components, without making them: at the first difference, a
        // path whose component (or whole path) ends there comes first, else the characters decide
        String x = a.value();
        String y = b.value();
        int n = Math.min(x.length(), y.length());
        for (int i = 0; i < n; i++) {
            char c = x.charAt(i);
            char d = y.charAt(i);
            if (c != d) {
                return c == '/' ? -1 : d == '/' ? 1 : Character.compare(c, d);
            }
        }
        return Integer.compare(x.length(), y.length());
    }

    boolean active() {
        return active;
    }

    /** Where the walk is, for a log line: its subtree, its position, and what is pending. */
    String describe() {
        if (!active) {
            return "no mirror";
        }
        return "walk of " + (walkRoot == null ? "nothing" : "'" + walkRoot + "'") + " at "
                + (cursor == null ? "its start" : "'" + cursor + "'" + (cursorDone ? " (done)" : ""))
                + (next == null ? "" : ", next '" + next + "'")
                + (pending.isEmpty() ? "" : ", pending " + (pending.size() > 5 ? pending.size() + " subtrees" : pending))
                + (discovered.isEmpty() ? "" : ", discovered " + discovered);
    }

    /** A mirror begins (or resumes) a walk of everything, from {@code resumeAt} (exclusive of its subtree) if given. */
    void begin(RelPath resumeAt, Set<RelPath> stillPending) {
        active = true;
        beganAtMillis = System.currentTimeMillis();
        walkRoot = RelPath.ROOT;
        cursor = resumeAt;
        cursorDone = false;
        next = null;
        pending.clear();
        pending.addAll(stillPending);
        contentChanged.clear();
        namesChanged.clear();
        linked.clear();
        discovered.clear();
        looked.clear();
    }

    /** When the gate last began (wall clock, ms): see {@link #beganAtMillis}. */
    long beganAtMillis() {
        return beganAtMillis;
    }

    /** The mirror ended (done, failed or stopped): every change travels again. */
    void end() {
        active = false;
        walkRoot = null;
        cursor = null;
        next = null;
        pending.clear();
        contentChanged.clear();
        namesChanged.clear();
        linked.clear();
        discovered.clear();
        looked.clear();
        listing.clear();
    }

    /** The walk began {@code path}: it is visited, and its subtree too if {@code done}. */
    void advance(RelPath path, boolean done) {
        cursor = path;
        cursorDone = done;
        next = null;
    }

    /**
     * The walk has chosen {@code path} as the next entry of the directory it is in: it has looked at
     * every name before it there. A name that appears between its position and {@code path} now (the
     * walk will not come back for it) is visited: its creation travels. Without this, such a name
     * would be dropped as unvisited and never walked.
     */
    void approach(RelPath path) {
        next = path;
    }

    RelPath cursor() {
        return cursor;
    }

    /** The walk of the current subtree is complete. */
    void walkDone() {
        walkRoot = null;
        cursor = null;
        next = null;
    }

    /**
     * The walks are over if nothing is pending: then the gate ends in the same step (the caller holds
     * the job's monitor), so that no change captured after this look can leave a path pending that no
     * walk would reach. A change then travels as it is: everything is visited. Returns whether the
     * walks are over; if not, {@link #nextPending} has more to walk.
     */
    boolean finishWalks() {
        walkDone();
        if (!pending.isEmpty()) {
            return false;
        }
        end();
        return true;
    }

    /** Takes a pending subtree to walk next (it stays unvisited until the walk passes), or null. */
    RelPath nextPending() {
        if (pending.isEmpty()) {
            return null;
        }
        RelPath next = pending.stream().min(MirrorGate::compare).orElseThrow();
        pending.remove(next);
        walkRoot = next;
        cursor = null;
        cursorDone = false;
        this.next = null;
        return next;
    }

    Set<RelPath> pending() {
        return Set.copyOf(pending);
    }

    /** Where a mirror that stops now should resume: its position in the main walk (null when that is done, or not begun) and what is pending. */
    record Position(RelPath cursor, boolean mainDone, Set<RelPath> pending) { }

    Position position() {
        Set<RelPath> all = new HashSet<>(pending);
        boolean mainDone = walkRoot == null || !walkRoot.isRoot();
        if (walkRoot != null && !walkRoot.isRoot()) {
            all.add(walkRoot); // a pending walk under way starts over
        }
        return new Position(mainDone ? null : cursor, mainDone, all);
    }

    /** Whether the target holds {@code path} as the source has it, so that changes to it must travel. */
    boolean visited(RelPath path) {
        if (!active) {
            return true;
        }
        if (underPending(path)) {
            return false;
        }
        if (walkRoot == null || !walkRoot.contains(path)) {
            return true;
        }
        if (cursor == null) {
            return false;
        }
        return compare(path, cursor) <= 0 || (cursorDone && cursor.contains(path))
                || (next != null && compare(path, next) < 0);
    }

    boolean underPending(RelPath path) {
        if (pending.isEmpty()) {
            return false;
        }
        RelPath p = path;
        while (true) {
            if (pending.contains(p)) {
                return true;
            }
            if (p.isRoot()) {
                return false;
            }
            p = p.parent();
        }
    }

    private void makePending(RelPath path) {
        if (underPending(path)) {
            return;
        }
        pending.removeIf(path::contains);
        pending.add(path);
    }

    /** Remembers that the mirror made a file with several names visited under {@code path}. */
    void linked(Object inode, RelPath path) {
        linked.computeIfAbsent(inode, i -> new java.util.LinkedHashSet<>()).add(path);
    }

    /**
     * The names, still visited, that the mirror gave a file with several names; the caller checks
     * that a name still leads to the file.
     */
    List<RelPath> linkedNames(Object inode) {
        Set<RelPath> names = linked.get(inode);
        if (names == null) {
            return List.of();
        }
        List<RelPath> out = new ArrayList<>(names.size());
        for (RelPath p : names) {
            if (visited(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** The target no longer holds {@code removed}: linked names beneath it are no longer offered. */
    private void dropLinked(RelPath removed) {
        if (!linked.isEmpty()) {
            linked.values().forEach(names -> names.removeIf(removed::contains));
        }
    }

    /** A visited path moved (or two swapped): the names of linked files beneath it move along. */
    private void rebaseLinked(RelPath from, RelPath to, boolean exchange) {
        for (Set<RelPath> names : linked.values()) {
            List<RelPath> moved = null;
            for (var it = names.iterator(); it.hasNext();) {
                RelPath p = it.next();
                RelPath q = from.contains(p) ? rebase(p, from, to)
                        : exchange && to.contains(p) ? rebase(p, to, from) : null;
                if (q != null) {
                    it.remove();
                    (moved == null ? moved = new ArrayList<>(1) : moved).add(q);
                }
            }
            if (moved != null) {
                names.addAll(moved);
            }
        }
    }

    boolean hasLinked() {
        return !linked.isEmpty();
    }

    /**
     * Names that appeared in {@code dir} while the walk was inside it, after its position there:
     * their creation was not sent, and the walk's listing of the directory may predate them.
     */
    Set<String> drainDiscovered(RelPath dir) {
        Set<String> names = discovered.remove(dir);
        return names == null ? Set.of() : names;
    }

    private void discover(RelPath created) {
        if (!created.isRoot() && partial(created.parent())) {
            discovered.computeIfAbsent(created.parent(), d -> new HashSet<>()).add(created.name());
        }
    }

    /** The walk begins to list {@code dir} (outside the lock). */
    void listing(RelPath dir) {
        listing.merge(dir, 1, Integer::sum);
    }

    /** The walk has listed {@code dir}. */
    void listed(RelPath dir) {
        listing.computeIfPresent(dir, (d, n) -> n == 1 ? null : n - 1);
        if (active) {
            looked.add(dir);
        }
    }

    /** The walk found {@code path} gone (the target holds nothing there now). */
    void gone(RelPath path) {
        if (active) {
            looked.add(path);
        }
    }

    /**
     * Whether the walk may have seen the name {@code path} as the change being captured now left
     * it, before the change was captured: an interceptor makes a change and hands it over after, so
     * a look of the walk in between sees the change's effect while the gate still judges it by the
     * tree before. Such a look is the last one before that capture (an interceptor hands its changes
     * over one at a time, in the order it made them), or one still under way.
     */
    private boolean overtaken(RelPath path) {
        if (looked.isEmpty() && listing.isEmpty()) {
            return false;
        }
        for (RelPath p = path; !p.isRoot(); p = p.parent()) {
            RelPath parent = p.parent();
            if (looked.contains(p) || looked.contains(parent) || listing.containsKey(parent)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What to journal for a live change {@code op}, to be numbered from {@code seq}: the op itself,
     * nothing (it changes only unvisited paths), or removals that keep the target's visited region
     * equal to the source's.
     */
    List<Op> filter(Op op, long seq) {
        remember(op, seq);
        if (!active) {
            return List.of(op);
        }
        List<Op> out;
        try {
            out = decide(op);
        } finally {
            looked.clear();
        }
        if (out.isEmpty() || out.get(0) != op) {
            // a name created where the walk has not been yet, in a directory it is inside
            switch (op) {
                case Op.Create c -> discover(c.path());
                case Op.Mkdir m -> discover(m.path());
                case Op.Symlink l -> discover(l.path());
                case Op.Link l -> discover(l.to());
                case Op.Rename r -> {
                    discover(r.to());
                    if (r.mode() == Op.RenameMode.EXCHANGE) {
                        discover(r.path());
                    }
                }
                default -> { }
            }
        }
        return out;
    }

    private List<Op> decide(Op op) {
        return switch (op) {
            case Op.Rename r -> moved(r.path(), r.to(), r.mode() == Op.RenameMode.EXCHANGE, op);
            case Op.Link l -> {
                boolean from = visited(l.path()) && !overtaken(l.path());
                boolean to = visited(l.to()) && !overtaken(l.to());
                if (from && to) {
                    yield List.of(op);
                }
                if (visited(l.to())) {
                    makePending(l.to());
                    dropLinked(l.to());
                    yield List.of(new Op.Remove(l.to()));
                }
                yield List.of();
            }
            case Op.Fsync f when f.path().isRoot() -> List.of(op);
            default -> visited(op.path()) ? List.of(op) : List.of();
        };
    }

    private static RelPath rebase(RelPath p, RelPath from, RelPath to) {
        return p.equals(from) ? to : RelPath.of(to.isRoot() ? p.value().substring(from.value().length() + 1)
                : to.value() + p.value().substring(from.value().length()));
    }

    /**
     * Whether the walk is inside {@code path}: it began it (a directory) but has not finished what
     * it holds, so the target holds only part of it.
     */
    private boolean partial(RelPath path) {
        return active && walkRoot != null && walkRoot.contains(path) && cursor != null && path.contains(cursor)
                && !(path.equals(cursor) && cursorDone) && !underPending(path);
    }

    private List<Op> moved(RelPath from, RelPath to, boolean exchange, Op op) {
        // A name the walk may have seen as this change left it counts as one the target holds in
        // part: the target may lack it or hold it already moved, so it is removed and walked again.
        boolean pf = partial(from) || visited(from) && overtaken(from);
        boolean pt = partial(to) || visited(to) && overtaken(to);
        boolean vf = !pf && visited(from);
        boolean vt = !pt && visited(to);
        if (vf && vt) {
            // pending subtrees move with their names
            Set<RelPath> moved = new HashSet<>();
            for (var it = pending.iterator(); it.hasNext();) {
                RelPath p = it.next();
                if (from.contains(p)) {
                    it.remove();
                    moved.add(rebase(p, from, to));
                } else if (exchange && to.contains(p)) {
                    it.remove();
                    moved.add(rebase(p, to, from));
                }
            }
            pending.addAll(moved);
            if (!linked.isEmpty()) {
                rebaseLinked(from, to, exchange);
            }
            return List.of(op);
        }
        // Content moves between what the target holds whole and what it does not: each name the
        // target holds (in part or whole) loses what it had there, and a name the mirror will not
        // reach again by itself is walked again.
        List<Op> out = new ArrayList<>(2);
        if (vf || pf) {
            if (exchange) {
                makePending(from);
            }
            out.add(new Op.Remove(from));
            dropLinked(from);
        }
        if (vt || pt) {
            makePending(to);
            out.add(new Op.Remove(to));
            dropLinked(to);
        }
        return out;
    }

    private void remember(Op op, long seq) {
        if (!active) {
            return;
        }
        switch (op) {
            case Op.Write w -> contentChanged.put(w.path(), seq);
            case Op.Truncate t -> contentChanged.put(t.path(), seq);
            case Op.Fallocate f -> contentChanged.put(f.path(), seq);
            case Op.Rename r -> {
                namesChanged.put(r.path(), seq);
                namesChanged.put(r.to(), seq);
            }
            case Op.Link l -> namesChanged.put(l.to(), seq);
            case Op.Unlink u -> namesChanged.put(u.path(), seq);
            case Op.Rmdir r -> namesChanged.put(r.path(), seq);
            case Op.Create c -> namesChanged.put(c.path(), seq);
            case Op.Symlink s -> namesChanged.put(s.path(), seq);
            case Op.Mkdir m -> namesChanged.put(m.path(), seq);
            default -> { }
        }
        if (contentChanged.size() + namesChanged.size() > CHANGES_LIMIT) {
            contentChanged.values().removeIf(s -> s <= forgetBefore);
            namesChanged.values().removeIf(s -> s <= forgetBefore);
        }
    }

    /** The mirror will not ask about changes up to {@code seq} again. */
    void forgetBefore(long seq) {
        forgetBefore = Math.max(forgetBefore, seq);
    }

    /** Whether {@code path} or a directory above it was created, removed or renamed after {@code seq}. */
    boolean namesChangedSince(RelPath path, long seq) {
        if (namesChanged.isEmpty()) {
            return false;
        }
        RelPath p = path;
        while (true) {
            Long s = namesChanged.get(p);
            if (s != null && s > seq) {
                return true;
            }
            if (p.isRoot()) {
                return false;
            }
            p = p.parent();
        }
    }

    /** Whether the bytes of {@code path} changed after {@code seq}. */
    boolean contentChangedSince(RelPath path, long seq) {
        Long s = contentChanged.get(path);
        return s != null && s > seq;
    }
}
