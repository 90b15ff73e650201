package io.doppel.interceptor.linux.fuse.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;

/** What statx(2) says of a file: the fields FUSE's attributes and the ops need. */
record Stat(long dev, long ino, int mode, int nlink, int uid, int gid, long rdev, long size, long blocks, int blksize,
        long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec) {

    static final int SIZE = 256;

    static Stat of(MemorySegment b) {
        long rdevMajor = Integer.toUnsignedLong(b.get(JAVA_INT_UNALIGNED, 128));
        long rdevMinor = Integer.toUnsignedLong(b.get(JAVA_INT_UNALIGNED, 132));
        long devMajor = Integer.toUnsignedLong(b.get(JAVA_INT_UNALIGNED, 136));
        long devMinor = Integer.toUnsignedLong(b.get(JAVA_INT_UNALIGNED, 140));
        return new Stat(devMajor << 32 | devMinor, b.get(JAVA_LONG_UNALIGNED, 32),
                Short.toUnsignedInt(b.get(JAVA_SHORT_UNALIGNED, 28)), b.get(JAVA_INT_UNALIGNED, 16),
                b.get(JAVA_INT_UNALIGNED, 20), b.get(JAVA_INT_UNALIGNED, 24),
                // the kernel's encoding of a device number in FUSE attributes (new_encode_dev)
                (rdevMinor & 0xff) | (rdevMajor << 8) | ((rdevMinor & ~0xffL) << 12),
                b.get(JAVA_LONG_UNALIGNED, 40), b.get(JAVA_LONG_UNALIGNED, 48), b.get(JAVA_INT_UNALIGNED, 4),
                b.get(JAVA_LONG_UNALIGNED, 64), b.get(JAVA_INT_UNALIGNED, 72),
                b.get(JAVA_LONG_UNALIGNED, 112), b.get(JAVA_INT_UNALIGNED, 120),
                b.get(JAVA_LONG_UNALIGNED, 96), b.get(JAVA_INT_UNALIGNED, 104));
    }

    int type() {
        return mode & Native.S_IFMT;
    }

    boolean isDir() {
        return type() == Native.S_IFDIR;
    }

    boolean isRegular() {
        return type() == Native.S_IFREG;
    }

    boolean isSymlink() {
        return type() == Native.S_IFLNK;
    }

    int perm() {
        return mode & 07777;
    }

    long atimeNanos() {
        return atimeSec * 1_000_000_000L + atimeNsec;
    }

    long mtimeNanos() {
        return mtimeSec * 1_000_000_000L + mtimeNsec;
    }

    /** Writes this as a {@code struct fuse_attr} (88 bytes) at {@code at}. */
    void writeAttr(MemorySegment out, long at) {
        out.set(JAVA_LONG_UNALIGNED, at, ino);
        out.set(JAVA_LONG_UNALIGNED, at + 8, size);
        out.set(JAVA_LONG_UNALIGNED, at + 16, blocks);
        out.set(JAVA_LONG_UNALIGNED, at + 24, atimeSec);
        out.set(JAVA_LONG_UNALIGNED, at + 32, mtimeSec);
        out.set(JAVA_LONG_UNALIGNED, at + 40, ctimeSec);
        out.set(JAVA_INT_UNALIGNED, at + 48, atimeNsec);
        out.set(JAVA_INT_UNALIGNED, at + 52, mtimeNsec);
        out.set(JAVA_INT_UNALIGNED, at + 56, ctimeNsec);
        out.set(JAVA_INT_UNALIGNED, at + 60, mode);
        out.set(JAVA_INT_UNALIGNED, at + 64, nlink);
        out.set(JAVA_INT_UNALIGNED, at + 68, uid);
        out.set(JAVA_INT_UNALIGNED, at + 72, gid);
        out.set(JAVA_INT_UNALIGNED, at + 76, (int) rdev);
        out.set(JAVA_INT_UNALIGNED, at + 80, blksize);
        out.set(JAVA_INT_UNALIGNED, at + 84, 0);
    }
}
