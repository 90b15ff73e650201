package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/**
 * Turns a {@link RelPath} into a location inside the image without ever leaving it.
 *
 * <p>{@link RelPath} already refuses {@code ..}, absolute paths, NUL and empty components. What is
 * left is symlinks: every intermediate component is checked with {@code NOFOLLOW_LINKS} and must be
 * a real directory, so a link such as {@code image/a -> /etc} can never carry a later op outside.
 * The final component is returned unchecked; each op looks at it with {@code NOFOLLOW_LINKS} and
 * decides (a write through a final symlink is refused, a rename or unlink of the link itself is
 * fine).
 *
 * <p>The check and the use are separate system calls (see {@link ImageApplier} for why that race
 * is acceptable).
 */
final class Confined {

    private final Path root;

    /** @param root the image root, already absolute and free of symlinks ({@code toRealPath}) */
    Confined(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    /**
     * Directories of the image (their paths in it) that the resolution of an applied op found to be
     * real directories, not symlinks: the next ops of the same batch skip the {@code lstat} of
     * these components (a mirror's ops come file after file from the same directories; on a tree
     * like Linux's sources that was six {@code lstat}s per op). Sound because only the applier
     * changes an image while it applies a batch (the image lies in a directory only the agent's
     * user may enter, docs/REPLICATION.md), and it forgets them before every op that could remove,
     * replace or move a path they hold ({@link #changing}), and at every batch ({@link #forget}).
     * The inspector and crash recovery resolve component by component, always.
     */
    private final java.util.Set<String> directories = new java.util.HashSet<>();
    /** Most directories remembered; beyond, they are forgotten and found again. */
    private static final int MOST_DIRECTORIES = 16_384;

    /**
     * The absolute location of {@code path} in the image for the applier's op, after checking that
     * every component before the last is a directory and not a symlink (or remembering that it was
     * found so in this batch).
     */
    Path resolve(Op op, RelPath path) throws ApplyException {
        return resolve(op.kind(), path, true);
    }

    /** {@link #resolve(Op, RelPath)} for callers without an op at hand (crash recovery, the inspector). */
    Path resolve(String op, RelPath path) throws ApplyException {
        return resolve(op, path, false);
    }

    /** Forgets every directory remembered: a batch begins, or anything may have changed. */
    void forget() {
        synchronized (directories) {
            directories.clear();
        }
    }

    /**
     * An op is about to create, remove, replace or move {@code path} (or what lies beneath it): if
     * it is a directory remembered, everything is forgotten. Every directory above one remembered
     * is remembered too, so a path with anything remembered beneath it is itself remembered.
     */
    void changing(RelPath path) {
        synchronized (directories) {
            if (!directories.isEmpty() && directories.contains(path.value())) {
                directories.clear();
            }
        }
    }

    /** How many directories are remembered, for tests. */
    int remembered() {
        synchronized (directories) {
            return directories.size();
        }
    }

    private Path resolve(String op, RelPath path, boolean remember) throws ApplyException {
        if (remember) {
            synchronized (directories) {
                // full: forgotten before, never during a resolution, so that every directory
                // remembered has its parents remembered too (what {@link #changing} relies on)
                if (directories.size() >= MOST_DIRECTORIES) {
                    directories.clear();
                }
            }
        }
        Path current = root;
        var components = path.components();
        String value = path.value();
        int end = -1;
        for (int i = 0; i < components.size(); i++) {
            current = component(op, path, current, components.get(i));
            if (i == components.size() - 1) {
                break;
            }
            String prefix = null;
            if (remember) {
                end = value.indexOf('/', end + 1);
                prefix = value.substring(0, end);
                synchronized (directories) {
                    if (directories.contains(prefix)) {
                        continue;
                    }
                }
            }
            BasicFileAttributes attrs;
            try {
                attrs = lstat(current);
            } catch (IOException e) {
                throw ApplyException.of(ApplyException.Reason.IO, op, path,
                        "cannot examine a parent directory: " + Failures.reasonOf(e), e);
            }
            if (attrs == null) {
                throw ApplyException.of(ApplyException.Reason.CONFLICT, op, path,
                        "parent directory '" + ApplyException.printable(root.relativize(current).toString())
                                + "' does not exist in the image", null);
            }
            if (attrs.isSymbolicLink()) {
                throw ApplyException.of(ApplyException.Reason.HOSTILE, op, path,
                        "'" + ApplyException.printable(root.relativize(current).toString())
                                + "' is a symlink; the applier never follows symlinks inside the image", null);
            }
            if (!attrs.isDirectory()) {
                throw ApplyException.of(ApplyException.Reason.CONFLICT, op, path,
                        "'" + ApplyException.printable(root.relativize(current).toString()) + "' is not a directory", null);
            }
            if (remember) {
                synchronized (directories) {
                    directories.add(prefix);
                }
            }
        }
        return current;
    }

    /** Like {@link #resolve} but refuses the image root itself, for ops that create, remove or move. */
    Path resolveEntry(Op op, RelPath path) throws ApplyException {
        if (path.isRoot()) {
            throw ApplyException.of(ApplyException.Reason.HOSTILE, op, path,
                    "the image root itself cannot be created, removed, renamed or linked");
        }
        return resolve(op, path);
    }

    static Path component(String op, RelPath path, Path parent, String name) throws ApplyException {
        try {
            Path child = parent.resolve(name);
            // resolve() normalises; anything but exactly one more name would be a bug or a trick
            if (child.getNameCount() != parent.getNameCount() + 1 || !child.getParent().equals(parent)) {
                throw ApplyException.of(ApplyException.Reason.HOSTILE, op, path,
                        "component '" + ApplyException.printable(name) + "' does not name one directory entry", null);
            }
            return child;
        } catch (java.nio.file.InvalidPathException e) {
            throw ApplyException.of(ApplyException.Reason.UNSUPPORTED, op, path,
                    "this JVM cannot encode the name as a file name (sun.jnu.encoding="
                            + System.getProperty("sun.jnu.encoding") + "); run the agent with a UTF-8 locale", e);
        }
    }

    /** The attributes of {@code p} itself (a symlink is not followed), or {@code null} if absent. */
    static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return java.nio.file.Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
