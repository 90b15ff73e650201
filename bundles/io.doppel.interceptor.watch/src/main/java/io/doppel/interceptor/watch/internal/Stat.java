package io.doppel.interceptor.watch.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads an entry's metadata without following a symlink. Uses the {@code unix} attribute view
 * (Linux, macOS) for mode, owner, ctime and inode; elsewhere (Windows) only what
 * {@link BasicFileAttributes} has, so mode and owner are not replicated there.
 */
final class Stat {

    private Stat() {
    }

    /** The entry at {@code p} with no hashes, or {@code null} for a type that is not replicated. */
    static Entry of(Path p) throws IOException {
        boolean unix = p.getFileSystem().supportedFileAttributeViews().contains("unix");
        if (unix) {
            Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            Entry.Kind kind = kindOf((Boolean) a.get("isRegularFile"), (Boolean) a.get("isDirectory"),
                    (Boolean) a.get("isSymbolicLink"));
            if (kind == null) {
                return null;
            }
            String target = kind == Entry.Kind.SYMLINK ? Files.readSymbolicLink(p).toString() : null;
            long size = kind == Entry.Kind.FILE ? (Long) a.get("size") : 0;
            return new Entry(kind, size, nanos((FileTime) a.get("lastModifiedTime")), nanos((FileTime) a.get("ctime")),
                    (Long) a.get("ino"), ((Integer) a.get("mode")) & 07777, (Integer) a.get("uid"),
                    (Integer) a.get("gid"), target, null);
        }
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Entry.Kind kind = kindOf(a.isRegularFile(), a.isDirectory(), a.isSymbolicLink());
        if (kind == null) {
            return null;
        }
        String target = kind == Entry.Kind.SYMLINK ? Files.readSymbolicLink(p).toString() : null;
        return new Entry(kind, kind == Entry.Kind.FILE ? a.size() : 0, nanos(a.lastModifiedTime()), 0, 0,
                Entry.NO_MODE, -1, -1, target, null);
    }

    /** Whether two looks at a file saw the same version of it (size and times). */
    static boolean sameVersion(Entry a, Entry b) {
        return a.size() == b.size() && a.mtimeNanos() == b.mtimeNanos() && a.ctimeNanos() == b.ctimeNanos()
                && a.ino() == b.ino();
    }

    private static Entry.Kind kindOf(boolean file, boolean dir, boolean link) {
        return file ? Entry.Kind.FILE : dir ? Entry.Kind.DIR : link ? Entry.Kind.SYMLINK : null;
    }

    static long nanos(FileTime t) {
        return t == null ? 0 : t.to(TimeUnit.NANOSECONDS);
    }
}
