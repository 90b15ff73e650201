package io.doppel.interceptor.linux.fuse.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The Linux system calls the interceptor needs, called through the Foreign Function and Memory
 * API of the C library: no native code of our own. Every call that fails throws {@link Errno}
 * with the value of {@code errno} captured right after the call.
 *
 * <p>Paths are passed as NUL-terminated byte strings in native memory ({@link #cstr}), so names
 * that are not valid UTF-8 pass through unchanged; structures are read at the offsets of the
 * x86_64 and aarch64 ABIs (both LP64 with the generic layouts used here: statx, dirent64, statvfs).
 */
final class Native {

    // open(2) flags (asm-generic values, as on x86_64 and aarch64)
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_ACCMODE = 3;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_NOCTTY = 0400;
    static final int O_TRUNC = 01000;
    static final int O_APPEND = 02000;
    static final int O_DIRECT = 040000;
    static final int O_DIRECTORY = 0200000;
    static final int O_NOFOLLOW = 0400000;
    static final int O_CLOEXEC = 02000000;
    static final int O_PATH = 010000000;

    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int AT_SYMLINK_FOLLOW = 0x400;
    static final int AT_EMPTY_PATH = 0x1000;

    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_ISGID = 02000;

    static final int MNT_DETACH = 2;
    static final long UTIME_NOW = (1L << 30) - 1;
    static final long UTIME_OMIT = (1L << 30) - 2;
    static final int STATX_BASIC_STATS = 0x7ff;

    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int EAGAIN = 11;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENOSPC = 28;
    static final int ERANGE = 34;
    static final int ENOSYS = 38;
    static final int ENODATA = 61;
    static final int EOPNOTSUPP = 95;
    static final int ENOTCONN = 107;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CAPTURE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle OPENAT = fn("openat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 3);
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle PREAD = fn("pread64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), -1);
    private static final MethodHandle PWRITE = fn("pwrite64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), -1);
    private static final MethodHandle STATX = fn("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), -1);
    private static final MethodHandle MKDIRAT = fn("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle MKNODAT = fn("mknodat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG), -1);
    private static final MethodHandle UNLINKAT = fn("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle RENAMEAT2 = fn("renameat2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle LINKAT = fn("linkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle SYMLINKAT = fn("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), -1);
    private static final MethodHandle READLINKAT = fn("readlinkat",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle FCHOWNAT = fn("fchownat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle FCHMODAT = fn("fchmodat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle UTIMENSAT = fn("utimensat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle FTRUNCATE = fn("ftruncate64", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), -1);
    private static final MethodHandle TRUNCATE = fn("truncate64", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle FALLOCATE = fn("fallocate64",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), -1);
    private static final MethodHandle FSYNC = fn("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle FDATASYNC = fn("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle LSEEK = fn("lseek64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), -1);
    private static final MethodHandle GETDENTS = fn("getdents64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle FSTATVFS = fn("fstatvfs64", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), -1);
    private static final MethodHandle SETXATTR = fn("setxattr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT), -1);
    private static final MethodHandle GETXATTR = fn("getxattr",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle LISTXATTR = fn("listxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle REMOVEXATTR = fn("removexattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), -1);
    private static final MethodHandle MOUNT = fn("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), -1);
    private static final MethodHandle GETRLIMIT = fn("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), -1);
    private static final MethodHandle UMOUNT2 = fn("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle GETEUID = LINKER.downcallHandle(LIBC.find("geteuid").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT));

    private Native() {
    }

    private static MethodHandle fn(String name, FunctionDescriptor descriptor, int firstVariadic) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option errno = Linker.Option.captureCallState("errno");
        return firstVariadic < 0 ? LINKER.downcallHandle(symbol, descriptor, errno)
                : LINKER.downcallHandle(symbol, descriptor, errno, Linker.Option.firstVariadicArg(firstVariadic));
    }

    private static int check(int result, MemorySegment state, String call) throws Errno {
        if (result < 0) {
            throw new Errno(state.get(JAVA_INT, ERRNO_OFFSET), call);
        }
        return result;
    }

    private static long check(long result, MemorySegment state, String call) throws Errno {
        if (result < 0) {
            throw new Errno(state.get(JAVA_INT, ERRNO_OFFSET), call);
        }
        return result;
    }

    private static RuntimeException fatal(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** A NUL-terminated copy of {@code s} (UTF-8) in {@code arena}. */
    static MemorySegment cstr(Arena arena, String s) {
        return arena.allocateFrom(s);
    }

    /** The procfs path that reopens descriptor {@code fd} of this process. */
    static MemorySegment procPath(Arena arena, int fd) {
        return arena.allocateFrom("/proc/self/fd/" + fd);
    }

    static final MemorySegment EMPTY = Arena.global().allocateFrom("");

    static int open(MemorySegment path, int flags, int mode) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((int) OPEN.invokeExact(s, path, flags, mode), s, "open");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static int openat(int dirfd, MemorySegment name, int flags, int mode) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((int) OPENAT.invokeExact(s, dirfd, name, flags, mode), s, "openat");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) CLOSE.invokeExact(STATE.get(), fd);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static final int RLIMIT_NOFILE = 7;

    /** The soft limit of {@code resource} (e.g. {@link #RLIMIT_NOFILE}); {@code Long.MAX_VALUE} if none. */
    static long softLimit(int resource) throws Errno {
        MemorySegment s = STATE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limits = arena.allocate(16, 8);
            check((int) GETRLIMIT.invokeExact(s, resource, limits), s, "getrlimit");
            long soft = limits.get(JAVA_LONG, 0);
            return soft < 0 ? Long.MAX_VALUE : soft; // RLIM_INFINITY is all ones
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static long read(int fd, MemorySegment buf, long len) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((long) READ.invokeExact(s, fd, buf, len), s, "read");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static long write(int fd, MemorySegment buf, long len) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((long) WRITE.invokeExact(s, fd, buf, len), s, "write");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static long pread(int fd, MemorySegment buf, long len, long offset) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((long) PREAD.invokeExact(s, fd, buf, len, offset), s, "pread");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static long pwrite(int fd, MemorySegment buf, long len, long offset) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((long) PWRITE.invokeExact(s, fd, buf, len, offset), s, "pwrite");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** statx into {@code buf} (256 bytes); never follows a final symlink. */
    static void statx(int dirfd, MemorySegment name, int flags, MemorySegment buf) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) STATX.invokeExact(s, dirfd, name, flags | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf), s, "statx");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void mkdirat(int dirfd, MemorySegment name, int mode) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) MKDIRAT.invokeExact(s, dirfd, name, mode), s, "mkdirat");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void mknodat(int dirfd, MemorySegment name, int mode, long dev) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) MKNODAT.invokeExact(s, dirfd, name, mode, dev), s, "mknodat");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void unlinkat(int dirfd, MemorySegment name, int flags) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) UNLINKAT.invokeExact(s, dirfd, name, flags), s, "unlinkat");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void renameat2(int olddir, MemorySegment oldname, int newdir, MemorySegment newname, int flags) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) RENAMEAT2.invokeExact(s, olddir, oldname, newdir, newname, flags), s, "renameat2");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void linkat(int olddir, MemorySegment oldname, int newdir, MemorySegment newname, int flags) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) LINKAT.invokeExact(s, olddir, oldname, newdir, newname, flags), s, "linkat");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void symlinkat(MemorySegment target, int dirfd, MemorySegment name) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) SYMLINKAT.invokeExact(s, target, dirfd, name), s, "symlinkat");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static long readlinkat(int dirfd, MemorySegment name, MemorySegment buf, long len) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((long) READLINKAT.invokeExact(s, dirfd, name, buf, len), s, "readlinkat");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void fchownat(int dirfd, MemorySegment name, int uid, int gid, int flags) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) FCHOWNAT.invokeExact(s, dirfd, name, uid, gid, flags), s, "fchownat");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void fchmodat(int dirfd, MemorySegment name, int mode) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) FCHMODAT.invokeExact(s, dirfd, name, mode, 0), s, "fchmodat");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** utimensat; {@code times} holds two timespecs (atime, mtime) or is {@link MemorySegment#NULL}. */
    static void utimensat(int dirfd, MemorySegment name, MemorySegment times, int flags) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) UTIMENSAT.invokeExact(s, dirfd, name, times, flags), s, "utimensat");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void ftruncate(int fd, long size) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) FTRUNCATE.invokeExact(s, fd, size), s, "ftruncate");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void truncate(MemorySegment path, long size) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) TRUNCATE.invokeExact(s, path, size), s, "truncate");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void fallocate(int fd, int mode, long offset, long length) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) FALLOCATE.invokeExact(s, fd, mode, offset, length), s, "fallocate");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void fsync(int fd, boolean dataOnly) throws Errno {
        MemorySegment s = STATE.get();
        try {
            if (dataOnly) {
                check((int) FDATASYNC.invokeExact(s, fd), s, "fdatasync");
            } else {
                check((int) FSYNC.invokeExact(s, fd), s, "fsync");
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static long lseek(int fd, long offset, int whence) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((long) LSEEK.invokeExact(s, fd, offset, whence), s, "lseek");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static long getdents64(int fd, MemorySegment buf, long len) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((long) GETDENTS.invokeExact(s, fd, buf, len), s, "getdents64");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** fstatvfs into {@code buf} (112 bytes). */
    static void fstatvfs(int fd, MemorySegment buf) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) FSTATVFS.invokeExact(s, fd, buf), s, "fstatvfs");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void setxattr(MemorySegment path, MemorySegment name, MemorySegment value, long size, int flags) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) SETXATTR.invokeExact(s, path, name, value, size, flags), s, "setxattr");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static long getxattr(MemorySegment path, MemorySegment name, MemorySegment value, long size) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((long) GETXATTR.invokeExact(s, path, name, value, size), s, "getxattr");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static long listxattr(MemorySegment path, MemorySegment list, long size) throws Errno {
        MemorySegment s = STATE.get();
        try {
            return check((long) LISTXATTR.invokeExact(s, path, list, size), s, "listxattr");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void removexattr(MemorySegment path, MemorySegment name) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) REMOVEXATTR.invokeExact(s, path, name), s, "removexattr");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void mount(MemorySegment source, MemorySegment target, MemorySegment type, long flags, MemorySegment data)
            throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) MOUNT.invokeExact(s, source, target, type, flags, data), s, "mount");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static void umount2(MemorySegment target, int flags) throws Errno {
        MemorySegment s = STATE.get();
        try {
            check((int) UMOUNT2.invokeExact(s, target, flags), s, "umount2");
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw fatal(t);
        }
    }
}
