package io.doppel.interceptor.watch.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Compares what the target holds (the snapshot) with what a walk found and plans the steps that
 * make the target match: removals first, children before parents; then creations and changes,
 * parents before children; then directory times, children before parents.
 */
final class Planner {

    /** The steps, the snapshot to save once they are done, and what they touch (for the inflight log). */
    record Plan(List<Action> actions, Snapshot next, Set<String> uncertain, Set<String> attributes) {
        boolean isEmpty() {
            return actions.isEmpty();
        }
    }

    private final Supplier<String> tempNames;

    /** @param tempNames gives fresh temporary file names (one component, never reused) */
    Planner(Supplier<String> tempNames) {
        this.tempNames = tempNames;
    }

    Plan plan(Snapshot target, Set<String> scope, Walker.Result walk) {
        TreeMap<String, Entry> old = new TreeMap<>();
        for (String p : scope) {
            if (!p.isEmpty() && target.get(p) != null) {
                old.put(p, target.get(p));
            }
            old.putAll(target.below(p));
        }
        TreeMap<String, Entry> found = walk.found();
        old.keySet().removeIf(p -> unknown(p, walk.unreadable(), found));

        Snapshot next = target.copy();
        next.entries().keySet().removeAll(old.keySet());
        List<Action> actions = new ArrayList<>();
        Set<String> removed = new HashSet<>();

        for (Map.Entry<String, Entry> e : old.descendingMap().entrySet()) {
            String p = e.getKey();
            Entry o = e.getValue();
            Entry n = found.get(p);
            boolean goneOrDir = n == null || n.isDir();
            switch (o.kind()) {
                case DIR -> {
                    if (n == null || !n.isDir()) {
                        actions.add(new Action.Rmdir(p));
                        removed.add(p);
                    }
                }
                case FILE, SYMLINK -> {
                    if (goneOrDir) {
                        actions.add(new Action.Unlink(p));
                        removed.add(p);
                    }
                }
                case UNCERTAIN -> {
                    if (goneOrDir) {
                        actions.add(new Action.UnlinkIfPresent(p, sibling(p)));
                        removed.add(p);
                    }
                }
            }
        }

        for (Map.Entry<String, Entry> e : found.entrySet()) {
            String p = e.getKey();
            Entry n = e.getValue();
            Entry o = removed.contains(p) ? null : old.get(p);
            next.entries().put(p, n);
            switch (n.kind()) {
                case DIR -> {
                    if (o == null) {
                        actions.add(new Action.Mkdir(p, n));
                    } else if (o.mode() != n.mode() || o.uid() != n.uid() || o.gid() != n.gid()) {
                        actions.add(new Action.DirAttributes(p, o, n));
                    }
                }
                case FILE -> {
                    if (o != null && o.kind() == Entry.Kind.FILE && o.sameContentAs(n)) {
                        next.entries().put(p, n.withHashes(o.hashes()));
                        if (o.mode() != n.mode() || o.uid() != n.uid() || o.gid() != n.gid()
                                || o.mtimeNanos() != n.mtimeNanos()) {
                            actions.add(new Action.FileAttributes(p, o, n));
                        }
                    } else if (o != null && o.kind() == Entry.Kind.FILE) {
                        actions.add(new Action.ChangedFile(p, o, n));
                    } else {
                        actions.add(new Action.NewFile(p, n, sibling(p), o));
                    }
                }
                case SYMLINK -> {
                    if (o != null && o.kind() == Entry.Kind.SYMLINK && Objects.equals(o.linkTarget(), n.linkTarget())) {
                        if (o.uid() != n.uid() || o.gid() != n.gid()) {
                            actions.add(new Action.SymlinkOwner(p, n));
                        }
                    } else {
                        actions.add(new Action.NewSymlink(p, n, sibling(p)));
                    }
                }
                case UNCERTAIN -> throw new IllegalStateException("a walk never finds an uncertain entry: " + p);
            }
        }

        for (Map.Entry<String, Entry> e : found.descendingMap().entrySet()) {
            Entry n = e.getValue();
            Entry o = removed.contains(e.getKey()) ? null : old.get(e.getKey());
            if (n.isDir() && (o == null || o.mtimeNanos() != n.mtimeNanos())) {
                actions.add(new Action.DirTimes(e.getKey(), n));
            }
        }
        return new Plan(actions, next, uncertainNames(actions), attributeNames(actions));
    }

    private String sibling(String path) {
        String parent = Snapshot.parentOf(path);
        String name = tempNames.get();
        return parent.isEmpty() ? name : parent + "/" + name;
    }

    /** Whether the walk could not see {@code p} (it lies in a directory that could not be listed, or
     * could not be examined itself), so the target keeps what it has there. */
    private static boolean unknown(String p, Set<String> unreadable, Map<String, Entry> found) {
        for (String u : unreadable) {
            if (p.startsWith(u + "/") || (p.equals(u) && !found.containsKey(p))) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> uncertainNames(List<Action> actions) {
        Set<String> names = new LinkedHashSet<>();
        for (Action a : actions) {
            switch (a) {
                case Action.Unlink u -> names.add(u.path());
                case Action.UnlinkIfPresent u -> {
                    names.add(u.path());
                    names.add(u.temp());
                }
                case Action.NewFile f -> {
                    names.add(f.path());
                    names.add(f.temp());
                }
                case Action.ChangedFile f -> names.add(f.path());
                case Action.FileAttributes f -> names.add(f.path());
                case Action.NewSymlink s -> {
                    names.add(s.path());
                    names.add(s.temp());
                }
                case Action.SymlinkOwner s -> names.add(s.path());
                default -> {
                }
            }
        }
        return names;
    }

    private static Set<String> attributeNames(List<Action> actions) {
        Set<String> names = new LinkedHashSet<>();
        for (Action a : actions) {
            if (a instanceof Action.DirAttributes || a instanceof Action.DirTimes) {
                names.add(a.path());
            }
        }
        return names;
    }
}
