package io.doppel.interceptor.watch.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.op.InvalidPathException;
import io.doppel.api.op.RelPath;

/**
 * Lists what is on disk beneath some paths of the root: metadata only, no contents. Excluded paths
 * are skipped and excluded directories not entered. A directory that cannot be listed, or an entry
 * that cannot be examined, is reported as unreadable so that what the snapshot knows beneath it is
 * kept rather than taken for deleted.
 */
final class Walker {

    private static final Logger LOG = LoggerFactory.getLogger(Walker.class);

    /** Told about every directory before it is listed (so that a watch covers what appears next). */
    interface DirectoryListener {
        void entering(String rel, Path dir);
    }

    /** What a walk found; the root is never an entry. */
    record Result(TreeMap<String, Entry> found, Set<String> unreadable) {
    }

    /** The root cannot be used any more; capturing must stop. */
    static final class RootFailure extends IOException {
        private static final long serialVersionUID = 1L;

        RootFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path root;
    private final Predicate<RelPath> included;
    private final DirectoryListener listener;
    private final Set<String> warned;

    Walker(Path root, Predicate<RelPath> included, DirectoryListener listener, Set<String> warned) {
        this.root = root;
        this.included = included;
        this.listener = listener;
        this.warned = warned;
    }

    /**
     * Walks each path of {@code scope} (a relative path; empty for the root) and what lies beneath.
     * A scope path whose parent is no longer a directory is walked from the first ancestor that is
     * not, so that nothing is reached through a symlink that replaced a directory.
     */
    Result walk(Set<String> scope) throws RootFailure {
        checkRoot();
        TreeMap<String, Entry> found = new TreeMap<>();
        Set<String> unreadable = new HashSet<>();
        Deque<String> dirs = new ArrayDeque<>();
        for (String start : scope) {
            if (start.isEmpty()) {
                dirs.push("");
                continue;
            }
            String from = firstNonDirectoryAncestorOrSelf(start);
            if (from == null) {
                continue;
            }
            examine(from, found, unreadable, dirs);
        }
        while (!dirs.isEmpty()) {
            String dir = dirs.pop();
            list(dir, found, unreadable, dirs);
        }
        return new Result(found, unreadable);
    }

    private void checkRoot() throws RootFailure {
        if (!Files.isDirectory(root)) {
            throw new RootFailure("the protected directory " + root + " no longer exists or is not a directory", null);
        }
        if (!Files.isReadable(root) || !Files.isExecutable(root)) {
            throw new RootFailure("the protected directory " + root + " cannot be read (permission denied)", null);
        }
    }

    private String firstNonDirectoryAncestorOrSelf(String rel) {
        int from = 0;
        while (true) {
            int slash = rel.indexOf('/', from);
            if (slash < 0) {
                return rel;
            }
            String ancestor = rel.substring(0, slash);
            if (!Files.isDirectory(root.resolve(ancestor), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return ancestor;
            }
            from = slash + 1;
        }
    }

    private void examine(String rel, TreeMap<String, Entry> found, Set<String> unreadable, Deque<String> dirs) {
        RelPath path;
        try {
            path = RelPath.of(rel);
        } catch (InvalidPathException e) {
            warnOnce(rel, "cannot be replicated: {}", e.reason());
            return;
        }
        if (!included.test(path)) {
            return;
        }
        Entry e;
        try {
            e = Stat.of(root.resolve(rel));
        } catch (NoSuchFileException gone) {
            return;
        } catch (IOException failure) {
            warnOnce(rel, "cannot be examined and is left as it was on the target: {}", failure.toString());
            unreadable.add(rel);
            return;
        }
        if (e == null) {
            LOG.debug("{}: not a file, directory or symlink; not replicated", rel);
            return;
        }
        found.put(rel, e);
        if (e.isDir()) {
            dirs.push(rel);
        }
    }

    private void list(String rel, TreeMap<String, Entry> found, Set<String> unreadable, Deque<String> dirs)
            throws RootFailure {
        Path dir = rel.isEmpty() ? root : root.resolve(rel);
        listener.entering(rel, dir);
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                examine(rel.isEmpty() ? name : rel + "/" + name, found, unreadable, dirs);
            }
        } catch (NoSuchFileException | NotDirectoryException gone) {
            if (rel.isEmpty()) {
                throw new RootFailure("the protected directory " + root + " disappeared", gone);
            }
            found.remove(rel); // vanished between examining and listing: deleted, as far as we know
        } catch (AccessDeniedException denied) {
            if (rel.isEmpty()) {
                throw new RootFailure("the protected directory " + root + " cannot be read (permission denied)", denied);
            }
            warnOnce(rel, "cannot be listed and is left as it was on the target: {}", "permission denied");
            unreadable.add(rel);
        } catch (IOException | java.nio.file.DirectoryIteratorException failure) {
            if (rel.isEmpty()) {
                throw new RootFailure("the protected directory " + root + " cannot be listed: " + failure, failure);
            }
            warnOnce(rel, "cannot be listed and is left as it was on the target: {}", failure.toString());
            unreadable.add(rel);
        }
    }

    private void warnOnce(String rel, String what, String why) {
        if (warned.add(rel)) {
            LOG.warn("{} " + what, rel, why);
        } else {
            LOG.debug("{} " + what, rel, why);
        }
    }
}
