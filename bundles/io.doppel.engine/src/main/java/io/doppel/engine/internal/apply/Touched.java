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

    private final Map<RelPath, FileChannel> open = new LinkedHashMap<>(16, 0.75f, true);
    private final List<FileChannel> retired = new ArrayList<>();
    private final Set<Path> dirs = new HashSet<>();

    FileChannel cached(RelPath path) {
        return open.get(path);
    }

    /** Keeps a channel opened for writing {@code path} until the next sync. */
    void remember(RelPath path, FileChannel channel) throws IOException {
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

    /** Forces every remembered file and directory to disk, then forgets them. */
    void sync() throws IOException {
        for (FileChannel ch : open.values()) {
            ch.force(true);
        }
        for (FileChannel ch : retired) {
            if (ch.isOpen()) {
                ch.force(true);
                ch.close();
            }
        }
        retired.clear();
        for (Path dir : dirs) {
            forceDirectory(dir);
        }
        dirs.clear();
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
            for (FileChannel r : retired) {
                r.force(true);
                r.close();
            }
            retired.clear();
        }
    }

    /** Closes everything without forcing (close() of the applier syncs first). */
    void closeAll() throws IOException {
        IOException first = null;
        List<FileChannel> all = new ArrayList<>(open.values());
        all.addAll(retired);
        open.clear();
        retired.clear();
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
