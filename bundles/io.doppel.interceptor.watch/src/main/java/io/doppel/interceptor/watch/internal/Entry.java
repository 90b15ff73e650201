package io.doppel.interceptor.watch.internal;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the watcher knows about one path under the root: enough to tell whether it changed and to
 * know what the target holds.
 *
 * @param kind       file, directory, symlink, or {@link Kind#UNCERTAIN} (only after a crash)
 * @param size       bytes (files)
 * @param mtimeNanos modification time, ns since the epoch
 * @param ctimeNanos status-change time where the file system has one (0 otherwise), or {@link #STALE}:
 *                   it is never replicated, only used to notice changes that keep size and mtime
 * @param ino        inode number where available (0 otherwise); a new inode means a new file
 * @param mode       permission bits (07777), or {@link #NO_MODE} where the file system has none
 * @param uid        owner, or -1 where unknown
 * @param gid        group, or -1 where unknown
 * @param linkTarget symlink content, or {@code null}
 * @param hashes     files: two longs (SHA-256 truncated to 128 bits) per block; {@code null} when unknown
 */
record Entry(Kind kind, long size, long mtimeNanos, long ctimeNanos, long ino, int mode, int uid, int gid,
        String linkTarget, long[] hashes) {

    enum Kind {
        FILE, DIR, SYMLINK,
        /** The target holds this name as a file, a symlink, or not at all: the crash left it unknown. */
        UNCERTAIN
    }

    /** In {@link #ctimeNanos}: the content must be read again next round (it changed while read). */
    static final long STALE = Long.MIN_VALUE;
    /** In {@link #mode}: this file system has no POSIX permission bits. */
    static final int NO_MODE = -1;
    /** In mode, uid, gid: the target's value is unknown, so the next round sets it again. */
    static final int FORCE = -2;
    /** In mtimeNanos: the target's time is unknown, so the next round sets it again. */
    static final long FORCE_TIME = Long.MIN_VALUE;

    Entry {
        Objects.requireNonNull(kind);
    }

    static Entry uncertain() {
        return new Entry(Kind.UNCERTAIN, 0, FORCE_TIME, STALE, 0, FORCE, FORCE, FORCE, null, null);
    }

    boolean isDir() {
        return kind == Kind.DIR;
    }

    int blocks(int blockSize) {
        return (int) ((size + blockSize - 1) / blockSize);
    }

    /** Whether {@code now} (fresh from the disk, no hashes yet) has this entry's content for sure. */
    boolean sameContentAs(Entry now) {
        return kind == Kind.FILE && now.kind == Kind.FILE && hashes != null && ctimeNanos != STALE
                && size == now.size && mtimeNanos == now.mtimeNanos && ctimeNanos == now.ctimeNanos
                && ino == now.ino;
    }

    Entry withHashes(long[] newHashes) {
        return new Entry(kind, size, mtimeNanos, ctimeNanos, ino, mode, uid, gid, linkTarget, newHashes);
    }

    Entry withSize(long newSize) {
        return new Entry(kind, newSize, mtimeNanos, ctimeNanos, ino, mode, uid, gid, linkTarget, hashes);
    }

    Entry stale() {
        return new Entry(kind, size, mtimeNanos, STALE, ino, mode, uid, gid, linkTarget, hashes);
    }

    /** A directory whose attributes the target may not have: the next round sets them again. */
    Entry forcingAttributes() {
        return new Entry(kind, size, FORCE_TIME, ctimeNanos, ino, FORCE, FORCE, FORCE, linkTarget, hashes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && e.kind == kind && e.size == size && e.mtimeNanos == mtimeNanos
                && e.ctimeNanos == ctimeNanos && e.ino == ino && e.mode == mode && e.uid == uid && e.gid == gid
                && Objects.equals(e.linkTarget, linkTarget) && Arrays.equals(e.hashes, hashes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, size, mtimeNanos, ctimeNanos, ino, mode, uid, gid, linkTarget)
                * 31 + Arrays.hashCode(hashes);
    }

    @Override
    public String toString() {
        return kind + "[size=" + size + " mtime=" + mtimeNanos + " mode=" + Integer.toOctalString(mode)
                + (linkTarget == null ? "" : " -> " + linkTarget) + "]";
    }
}
