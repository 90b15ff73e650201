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
     * The absolute location of {@code path} in the image, after checking that every component
     * before the last is a directory and not a symlink.
     */
    Path resolve(Op op, RelPath path) throws ApplyException {
        return resolve(op.kind(), path);
    }

    /** {@link #resolve(Op, RelPath)} for callers without an op at hand (crash recovery). */
    Path resolve(String op, RelPath path) throws ApplyException {
        Path current = root;
        var components = path.components();
        for (int i = 0; i < components.size(); i++) {
            current = component(op, path, current, components.get(i));
            if (i == components.size() - 1) {
                break;
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
