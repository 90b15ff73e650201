package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.doppel.api.op.RelPath;

/**
 * What {@code sync()} has to make durable, and the open files writes reuse.
 *
 * <p>Written files are remembered as open channels rather than paths, so a file renamed or unlinked
 * after a write is still flushed. Channels are cached by {@link RelPath} for the next write; any op
 * that changes the namespace calls {@link #forgetPaths}, so a cached channel always names the file
 * its path names. Directories whose entries changed are remembered by path (renames carry the paths
 * beneath them along).
 */
final class Touched {

    private static final int OPEN_CACHE = 32;
    private static final int RETIRED_LIMIT = 256;
    private static final int DIR_LIMIT = 4096;

    /**
     * Files and directories to force beyond which one {@code syncfs(2)} of the image's file system
     * is used instead (when it can be, see {@link SyncFs}): fewer, one by one, so that an fsync op
     * of a database's log does not flush everything else on the disk.
     */
    static final int SYNCFS_FROM = 16;

    private final Path root;
    private final Map<RelPath, FileChannel> open = new LinkedHashMap<>(16, 0.75f, true);
    private final List<FileChannel> retired = new ArrayList<>();
    private final Set<Path> dirs = new HashSet<>();

    Touched(Path root) {
        this.root = root;
    }

    /** Files written since the last sync (what decides between one syncfs and forcing one by one). */
    private final Set<FileChannel> dirty = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    /** The channel kept open on {@code path} for a write, or null; the caller writes through it. */
    FileChannel cached(RelPath path) {
        FileChannel ch = open.get(path);
        if (ch != null) {
            dirty.add(ch);
        }
        return ch;
    }

    /** Keeps a channel opened for writing {@code path} until the next sync. */
    void remember(RelPath path, FileChannel channel) throws IOException {
        dirty.add(channel);
        FileChannel old = open.put(path, channel);
        if (old != null && old != channel) {
            retire(old);
        }
        if (open.size() > OPEN_CACHE) {
            var eldest = open.entrySet().iterator().next();
            open.remove(eldest.getKey());
            retire(eldest.getValue());
        }
    }

    /** The namespace changed: cached channels may no longer be what their paths name. */
    void forgetPaths() throws IOException {
        for (FileChannel ch : open.values()) {
            retire(ch);
        }
        open.clear();
    }

    void directory(Path dir) {
        dirs.add(dir);
    }

    /** A rename moved {@code from} to {@code to}: remembered directories beneath it moved too. */
    void moved(Path from, Path to) {
        List<Path> beneath = dirs.stream().filter(d -> d.startsWith(from)).toList();
        for (Path d : beneath) {
            dirs.remove(d);
            dirs.add(to.resolve(from.relativize(d)));
        }
    }

    /** Whether enough is pending that a sync now is wiser than remembering more. */
    boolean full() {
        return retired.size() >= RETIRED_LIMIT || dirs.size() >= DIR_LIMIT;
    }

    /**
     * Hands what is remembered so far to a sync that runs off the applying thread: the retired
     * channels and the directories move to the result, the open channels are shared (they stay
     * cached for further writes). Forcing the result makes everything written before this call
     * durable.
     */
    Detached detach() {
        Detached d = new Detached(root, dirty.size() + dirs.size(), new ArrayList<>(open.values()),
                new ArrayList<>(retired), new ArrayList<>(dirs));
        dirty.clear();
        retired.clear();
        dirs.clear();
        return d;
    }

    /**
     * Files and directories to force for one sync, forced by another thread than the one that
     * applies. A shared channel that turns out closed was forced before it was closed: channels are
     * only closed after a force (retirement beyond the limit, {@link #sync}) or by the applier's
     * close, which syncs first.
     */
    static final class Detached {
        private final Path root;
        private final int changed;
        private final List<FileChannel> shared;
        private final List<FileChannel> owned;
        private final List<Path> dirs;
        private boolean done;
        private IOException failure;

        private Detached(Path root, int changed, List<FileChannel> shared, List<FileChannel> owned, List<Path> dirs) {
            this.root = root;
            this.changed = changed;
            this.shared = shared;
            this.owned = owned;
            this.dirs = dirs;
        }

        void force() throws IOException {
            IOException failed = null;
            try {
                if (syncedWhole(root, changed)) {
                    return; // the finally block closes the owned channels
                }
                for (FileChannel ch : shared) {
                    try {
                        ch.force(true);
                    } catch (java.nio.channels.ClosedChannelException e) {
                        // closed by the applier after forcing it
                    }
                }
                for (FileChannel ch : owned) {
                    ch.force(true);
                    ch.close();
                }
                for (Path dir : dirs) {
                    forceDirectory(dir);
                }
            } catch (IOException e) {
                failed = e;
                throw e;
            } finally {
                for (FileChannel ch : owned) {
                    closeQuietly(ch);
                }
                synchronized (this) {
                    failure = failed;
                    done = true;
                    notifyAll();
                }
            }
        }

        /** Waits until {@link #force} has finished; rethrows its failure. */
        synchronized void await() throws IOException {
            boolean interrupted = false;
            while (!done) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                throw new IOException("an earlier sync failed: " + failure.getMessage(), failure);
            }
        }

        private static void closeQuietly(FileChannel ch) {
            try {
                ch.close();
            } catch (IOException e) {
                // what matters (the force) either happened or was reported
            }
        }
    }

    /** Forces every remembered file and directory to disk, then forgets them. */
    void sync() throws IOException {
        boolean whole = syncedWhole(root, dirty.size() + dirs.size());
        dirty.clear();
        if (whole) {
            for (FileChannel ch : retired) {
                ch.close();
            }
        } else {
            for (FileChannel ch : open.values()) {
                ch.force(true);
            }
            for (FileChannel ch : retired) {
                if (ch.isOpen()) {
                    ch.force(true);
                    ch.close();
                }
            }
            for (Path dir : dirs) {
                forceDirectory(dir);
            }
        }
        retired.clear();
        dirs.clear();
    }

    /**
     * With {@code count} files and directories to force, many enough: one {@code syncfs(2)} of the
     * image's file system, if it can be called and nothing else is mounted beneath the image. True
     * if that made them durable; false if the caller forces them one by one (which also names
     * what fails, should the syncfs have failed).
     */
    private static boolean syncedWhole(Path root, int count) {
        if (count < SYNCFS_FROM || !SyncFs.available() || !SyncFs.coversTree(root)) {
            return false;
        }
        try {
            SyncFs.sync(root);
            return true;
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(Touched.class).warn("Image {}: {}; forcing file by file", root,
                    e.getMessage());
            return false;
        }
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ch.force(true);
        } catch (NoSuchFileException e) {
            // removed again after it changed: its parent is remembered too
        } catch (IOException e) {
            if (!Failures.reasonOf(e).toLowerCase(java.util.Locale.ROOT).contains("symbolic link")) {
                throw e;
            }
        }
    }

    private void retire(FileChannel ch) throws IOException {
        retired.add(ch);
        if (retired.size() > RETIRED_LIMIT) {
            boolean whole = syncedWhole(root, dirty.size() + dirs.size());
            for (FileChannel r : retired) {
                if (!whole) {
                    r.force(true);
                }
                r.close();
            }
            retired.clear();
            if (whole) {
                dirty.clear(); // everything written so far is durable now
                dirs.clear();
            }
        }
    }

    /** Closes everything without forcing (close() of the applier syncs first). */
    void closeAll() throws IOException {
        IOException first = null;
        List<FileChannel> all = new ArrayList<>(open.values());
        all.addAll(retired);
        open.clear();
        retired.clear();
        dirty.clear();
        for (FileChannel ch : all) {
            try {
                ch.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
