package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.doppel.api.op.RelPath;

/**
 * A directory held open by its descriptor, whose entries are looked at relative to it: listed with
 * {@code getdents64(2)}, described with {@code statx(2)}, their links read with {@code
 * readlinkat(2)}, their extended attributes listed with {@code listxattrat(2)} and their files
 * opened with {@code openat(2)}, never following a symlink. A walk of a large tree asks this of every
 * entry on both sides; by full path, each call would look up every directory from the root again
 * (the largest cost of a verification in the kernel), and each JDK call adds objects of its own.
 *
 * <p>Reached through the foreign function API ({@link Libc}), so that the engine still runs on
 * Java 21 and elsewhere than Linux. Every method answers {@code null} for whatever it cannot answer
 * exactly as the JDK would — the API missing, a name that does not convert to bytes losslessly, an
 * entry gone, any failed call — and the caller then asks the JDK, which gives the answer or the
 * error a person can act on. A directory is used by one thread at a time.
 */
public final class NativeDir implements AutoCloseable {

    private static final int O_RDONLY = 0;
    private static final int O_NONBLOCK = 04000;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_CLOEXEC = 02000000;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    /** {@code listxattrat(2)} (Linux 6.13): the same number on x86-64 and arm64. */
    private static final long SYS_LISTXATTRAT = 465;
    /** {@code openat2(2)} (Linux 5.6): the same number on x86-64 and arm64. */
    private static final long SYS_OPENAT2 = 437;
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;
    private static final long RESOLVE_BENEATH = 0x08;
    private static final int NAME_MAX_BYTES = 4096;
    private static final int DIRENTS = 64 * 1024;
    private static final int READ_CHUNK = 1024 * 1024;

    private static final MethodHandle OPENAT;
    private static final MethodHandle CLOSE;
    private static final MethodHandle GETDENTS;
    private static final MethodHandle STATX;
    private static final MethodHandle READLINKAT;
    private static final MethodHandle PREAD;
    private static final MethodHandle LSEEK;
    private static final MethodHandle LLISTXATTR;
    /** {@code syscall(SYS_listxattrat, …)}, or null where the number is not known. */
    private static final MethodHandle LISTXATTRAT;
    /** {@code syscall(SYS_openat2, …)}, or null where the number is not known. */
    private static final MethodHandle OPENAT2;
    private static final Method ALLOCATE;
    private static final Method AS_BYTE_BUFFER;
    private static final Method OF_AUTO;
    private static final Object NULL;
    private static final String UNAVAILABLE;
    /** Cleared the first time {@code listxattrat} fails where {@code llistxattr} succeeds (an older kernel). */
    private static volatile boolean listxattrat = true;
    /** Cleared the first time {@code openat2} fails where opening component by component succeeds (an older kernel, a filter). */
    private static volatile boolean openat2 = true;

    static {
        MethodHandle openat = null;
        MethodHandle close = null;
        MethodHandle getdents = null;
        MethodHandle statx = null;
        MethodHandle readlinkat = null;
        MethodHandle pread = null;
        MethodHandle lseek = null;
        MethodHandle llistxattr = null;
        MethodHandle listxattrAt = null;
        MethodHandle openAt2 = null;
        Method allocate = null;
        Method asByteBuffer = null;
        Method ofAuto = null;
        Object nul = null;
        String why = null;
        try {
            Libc.requireLinuxWithUtf8Names();
            Class<?> o = Object.class;
            openat = Libc.downcall("openat", 3, "JAVA_INT", "JAVA_INT", "ADDRESS", "JAVA_INT", "JAVA_INT")
                    .asType(MethodType.methodType(int.class, int.class, o, int.class, int.class));
            close = Libc.downcall("close", -1, "JAVA_INT", "JAVA_INT");
            getdents = Libc.downcall("getdents64", -1, "JAVA_LONG", "JAVA_INT", "ADDRESS", "JAVA_LONG")
                    .asType(MethodType.methodType(long.class, int.class, o, long.class));
            statx = Libc.downcall("statx", -1, "JAVA_INT", "JAVA_INT", "ADDRESS", "JAVA_INT", "JAVA_INT", "ADDRESS")
                    .asType(MethodType.methodType(int.class, int.class, o, int.class, int.class, o));
            readlinkat = Libc.downcall("readlinkat", -1, "JAVA_LONG", "JAVA_INT", "ADDRESS", "ADDRESS", "JAVA_LONG")
                    .asType(MethodType.methodType(long.class, int.class, o, o, long.class));
            pread = Libc.downcall("pread64", -1, "JAVA_LONG", "JAVA_INT", "ADDRESS", "JAVA_LONG", "JAVA_LONG")
                    .asType(MethodType.methodType(long.class, int.class, o, long.class, long.class));
            lseek = Libc.downcall("lseek", -1, "JAVA_LONG", "JAVA_INT", "JAVA_LONG", "JAVA_INT");
            llistxattr = Libc.downcall("llistxattr", -1, "JAVA_LONG", "ADDRESS", "ADDRESS", "JAVA_LONG")
                    .asType(MethodType.methodType(long.class, o, o, long.class));
            String arch = System.getProperty("os.arch", "");
            if (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64")) {
                listxattrAt = Libc.downcall("syscall", 1, "JAVA_LONG", "JAVA_LONG", "JAVA_INT", "ADDRESS", "JAVA_INT",
                        "ADDRESS", "JAVA_LONG")
                        .asType(MethodType.methodType(long.class, long.class, int.class, o, int.class, o, long.class));
                openAt2 = Libc.downcall("syscall", 1, "JAVA_LONG", "JAVA_LONG", "JAVA_INT", "ADDRESS", "ADDRESS", "JAVA_LONG")
                        .asType(MethodType.methodType(long.class, long.class, int.class, o, o, long.class));
            }
            ofAuto = Libc.method("Arena", "ofAuto");
            allocate = Libc.method("SegmentAllocator", "allocate", long.class);
            asByteBuffer = Libc.method("MemorySegment", "asByteBuffer");
            nul = Class.forName("java.lang.foreign.MemorySegment").getField("NULL").get(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            why = Libc.reason(e);
        }
        OPENAT = openat;
        CLOSE = close;
        GETDENTS = getdents;
        STATX = statx;
        READLINKAT = readlinkat;
        PREAD = pread;
        LSEEK = lseek;
        LLISTXATTR = llistxattr;
        LISTXATTRAT = listxattrAt;
        OPENAT2 = openAt2;
        OF_AUTO = ofAuto;
        ALLOCATE = allocate;
        AS_BYTE_BUFFER = asByteBuffer;
        NULL = nul;
        UNAVAILABLE = why;
    }

    /** Why directories are read through the JDK here, or null if they are read this way. */
    public static String unavailable() {
        return UNAVAILABLE;
    }

    /** One thread's native memory and a view of each: a name or path, a {@code statx}, directory entries, read data. */
    private record Scratch(Object name, ByteBuffer nameView, Object stat, ByteBuffer statView, Object dirents,
            ByteBuffer direntsView, Object data, ByteBuffer dataView) {
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(() -> {
        try {
            Object arena = OF_AUTO.invoke(null);
            Object name = ALLOCATE.invoke(arena, (long) NAME_MAX_BYTES + 1);
            Object stat = ALLOCATE.invoke(arena, 256L);
            Object dirents = ALLOCATE.invoke(arena, (long) DIRENTS);
            Object data = ALLOCATE.invoke(arena, (long) READ_CHUNK);
            return new Scratch(name, view(name), stat, view(stat), dirents, view(dirents), data, view(data));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot allocate native memory to read directories", e);
        }
    });

    private static ByteBuffer view(Object segment) throws ReflectiveOperationException {
        return ((ByteBuffer) AS_BYTE_BUFFER.invoke(segment)).order(ByteOrder.nativeOrder());
    }

    private final Path path;
    private int fd;

    private NativeDir(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * The directory at {@code dir} (a symlink there is not followed), or null if it cannot be opened
     * this way: not here, no directory, or anything else (the JDK then says which).
     */
    public static NativeDir open(Path dir) {
        if (UNAVAILABLE != null) {
            return null;
        }
        Scratch s = SCRATCH.get();
        if (!put(s, dir.toString())) {
            return null;
        }
        int fd = openAt(AT_FDCWD, s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? null : new NativeDir(dir, fd);
    }

    /**
     * The directory {@code dir} beneath {@code root}, opened component by component relative to the
     * one before, none of them followed if it is a symlink: what it opens lies inside {@code root}
     * however the tree changes meanwhile. Null if any component is missing, no directory or a
     * symlink, or on any failure (the JDK's confined resolution then says which).
     */
    public static NativeDir openBeneath(Path root, RelPath dir) {
        NativeDir d = open(root);
        if (d == null || dir.isRoot()) {
            return d;
        }
        if (OPENAT2 != null && openat2) {
            // one call: resolved beneath the root, refused at any symlink (openat2 does the walk below in the kernel)
            Scratch s = SCRATCH.get();
            long fd = -1;
            if (put(s, dir.value())) {
                ByteBuffer how = s.statView;
                how.putLong(0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                how.putLong(8, 0);
                how.putLong(16, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
                try {
                    fd = (long) OPENAT2.invokeExact(SYS_OPENAT2, d.fd, s.name, s.stat, 24L);
                } catch (Throwable t) {
                    fd = -1;
                }
            }
            if (fd >= 0) {
                d.close();
                return new NativeDir(root.resolve(dir.value()), (int) fd);
            }
            NativeDir chain = componentByComponent(d, root, dir);
            if (chain != null) {
                openat2 = false; // the chain opened what openat2 would not: it cannot be used here
            }
            return chain;
        }
        return componentByComponent(d, root, dir);
    }

    /** {@link #openBeneath} one component at a time, as where {@code openat2} cannot be used; for tests. */
    static NativeDir openBeneathByComponents(Path root, RelPath dir) {
        NativeDir d = open(root);
        return d == null || dir.isRoot() ? d : componentByComponent(d, root, dir);
    }

    /** Whether {@link #openBeneath} resolves a path in one {@code openat2} call here. */
    static boolean resolvesInOneCall() {
        return UNAVAILABLE == null && OPENAT2 != null && openat2;
    }

    /** Opens {@code dir} from {@code d} (the root, closed here) one component at a time; null if any is refused. */
    private static NativeDir componentByComponent(NativeDir d, Path root, RelPath dir) {
        Path at = root;
        for (String name : dir.value().split("/")) {
            at = at.resolve(name);
            NativeDir child = d.child(name, at);
            d.close();
            if (child == null) {
                return null;
            }
            d = child;
        }
        return d;
    }

    /** The subdirectory {@code name} of this one (not followed if it is a symlink), or null. */
    public NativeDir child(String name) {
        return child(name, path.resolve(name));
    }

    private NativeDir child(String name, Path at) {
        int child = openChild(name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return child < 0 ? null : new NativeDir(at, child);
    }

    /** Opens the entry {@code name} of this directory; -1 if the name is not a plain one or on failure. */
    private int openChild(String name, int flags) {
        Scratch s = named(name);
        return s == null ? -1 : openAt(fd, s, flags);
    }

    /** This thread's scratch space holding {@code name}; null if it is not a plain name or does not fit. */
    private static Scratch named(String name) {
        if (!plainName(name)) {
            return null;
        }
        Scratch s = SCRATCH.get();
        return put(s, name) ? s : null;
    }

    /** Where this directory was opened. */
    public Path path() {
        return path;
    }

    /** The names in this directory (without {@code .} and {@code ..}), in no particular order; null on failure. */
    public List<String> names() {
        Scratch s = SCRATCH.get();
        List<String> names = new ArrayList<>();
        byte[] name = new byte[256];
        try {
            // from the start: the descriptor may have been listed before
            if ((long) LSEEK.invokeExact(fd, 0L, 0) < 0) {
                return null;
            }
            while (true) {
                long n = (long) GETDENTS.invokeExact(fd, s.dirents, (long) DIRENTS);
                if (n < 0) {
                    return null;
                }
                if (n == 0) {
                    return names;
                }
                ByteBuffer b = s.direntsView;
                int at = 0;
                while (at < n) {
                    int reclen = Short.toUnsignedInt(b.getShort(at + 16));
                    int start = at + 19;
                    int end = start;
                    while (end < at + reclen && b.get(end) != 0) {
                        end++;
                    }
                    int len = end - start;
                    if (!(len == 1 && b.get(start) == '.') && !(len == 2 && b.get(start) == '.' && b.get(start + 1) == '.')) {
                        if (name.length < len) {
                            name = new byte[len];
                        }
                        b.get(start, name, 0, len);
                        names.add(new String(name, 0, len, StandardCharsets.UTF_8));
                    }
                    at += reclen;
                }
            }
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * The entry at {@code p} by its path (a symlink itself, not followed), as {@link FileStat#of}
     * reads it but without the JDK's objects; null if it is not there or on any failure.
     */
    static FileStat statPath(Path p) {
        return UNAVAILABLE != null ? null : statAt(AT_FDCWD, p.toString());
    }

    /** The entry {@code name} (a symlink itself), or null if it is not there or on any failure. */
    public FileStat stat(String name) {
        return plainName(name) ? statAt(fd, name) : null;
    }

    /** {@code statx} of {@code path} relative to {@code dirFd}, not following a symlink; null on any failure. */
    private static FileStat statAt(int dirFd, String path) {
        Scratch s = SCRATCH.get();
        if (!put(s, path)) {
            return null;
        }
        try {
            if ((int) STATX.invokeExact(dirFd, s.name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, s.stat) != 0) {
                return null;
            }
        } catch (Throwable t) {
            return null;
        }
        return statOf(s.statView);
    }

    private static FileStat statOf(ByteBuffer b) {
        if ((b.getInt(0) & STATX_BASIC_STATS) != STATX_BASIC_STATS) {
            return null; // the file system did not fill everything in: the JDK says what it says
        }
        int nlink = b.getInt(16);
        int uid = b.getInt(20);
        int gid = b.getInt(24);
        int mode = Short.toUnsignedInt(b.getShort(28));
        long ino = b.getLong(32);
        long size = b.getLong(40);
        long atime = time(b, 64);
        long ctime = time(b, 96);
        long mtime = time(b, 112);
        long dev = makedev(Integer.toUnsignedLong(b.getInt(136)), Integer.toUnsignedLong(b.getInt(140)));
        return new FileStat(mode, uid, gid, nlink, size, mtime, atime, ctime, new FileStat.Id(dev, ino));
    }

    private static long time(ByteBuffer b, int at) {
        return b.getLong(at) * 1_000_000_000L + Integer.toUnsignedLong(b.getInt(at + 8));
    }

    /** glibc's {@code makedev}: what {@code stat(2)}'s {@code st_dev} holds, and the JDK reports. */
    private static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    /** The target of the symlink {@code name}, or null if it is none or on any failure. */
    public String readLink(String name) {
        Scratch s = named(name);
        if (s == null) {
            return null;
        }
        try {
            long n = (long) READLINKAT.invokeExact(fd, s.name, s.data, (long) READ_CHUNK);
            if (n < 0 || n >= READ_CHUNK) {
                return null;
            }
            byte[] target = new byte[(int) n];
            s.dataView.get(0, target);
            String t = new String(target, StandardCharsets.UTF_8);
            return t.indexOf('\uFFFD') >= 0 ? null : t;
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * The {@link ImageInspector.XattrDigest} of the {@code user.*} extended attributes of {@code
     * name}: 0 at once for an entry that has no attributes of any kind (most have none); read by
     * path if it has some. Null on any failure.
     */
    public Long xattrDigest(String name) {
        if (!plainName(name)) {
            return null;
        }
        Scratch s = SCRATCH.get();
        try {
            if (LISTXATTRAT != null && listxattrat) {
                if (!put(s, name)) {
                    return null;
                }
                long n = (long) LISTXATTRAT.invokeExact(SYS_LISTXATTRAT, fd, s.name, AT_SYMLINK_NOFOLLOW, NULL, 0L);
                if (n == 0) {
                    return 0L;
                }
                if (n > 0) {
                    return attributesByPath(name);
                }
            }
            Path full = path.resolve(name);
            if (!put(s, full.toString())) {
                return null;
            }
            long n = (long) LLISTXATTR.invokeExact(s.name, NULL, 0L);
            if (n < 0) {
                return null;
            }
            listxattrat = false; // listed by path where it failed relative to the directory: not this kernel
            return n == 0 ? 0L : attributesByPath(name);
        } catch (Throwable t) {
            return null;
        }
    }

    private Long attributesByPath(String name) {
        List<NativeXattrs.Attribute> a = NativeXattrs.userAttributes(path.resolve(name));
        return a == null ? null : ImageInspector.XattrDigest.digest(a);
    }

    /** A regular file's size when it was opened, and the digests of its blocks. */
    public record Digested(long size, byte[] digests) { }

    /**
     * Opens the regular file {@code name} (not a symlink: then null) and digests its blocks with
     * {@code hash}: its first {@code size} bytes, or with {@code size < 0} all it holds when opened.
     * Null if it is not there, not a regular file, or on any failure (the JDK then says which).
     */
    public Digested digests(String name, long size, int blockSize, int digestBytes, BlockHash hash) {
        // non-blocking: a FIFO put there meanwhile must not hold the walk; the fstat below refuses it
        int file = openChild(name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (file < 0) {
            return null;
        }
        Scratch s = SCRATCH.get();
        try {
            s.nameView.put(0, (byte) 0);
            if ((int) STATX.invokeExact(file, s.name, AT_EMPTY_PATH, STATX_BASIC_STATS, s.stat) != 0) {
                return null;
            }
            FileStat st = statOf(s.statView);
            if (st == null || !st.isRegularFile()) {
                return null;
            }
            long length = size < 0 ? st.size() : size;
            return new Digested(length, hash.of((dst, position) -> read(file, s, dst, position), length, blockSize,
                    digestBytes));
        } catch (Throwable t) {
            return null;
        } finally {
            closeFd(file);
        }
    }

    /** Reads into {@code dst} from {@code position}; -1 at the end; throws on a failed read. */
    private static int read(int file, Scratch s, ByteBuffer dst, long position) throws IOException {
        int want = Math.min(dst.remaining(), READ_CHUNK);
        long n;
        try {
            n = (long) PREAD.invokeExact(file, s.data, (long) want, position);
        } catch (Throwable t) {
            throw new IOException("pread failed: " + t, t);
        }
        if (n < 0) {
            throw new IOException("pread failed");
        }
        if (n == 0) {
            return -1;
        }
        dst.put(s.dataView.clear().limit((int) n));
        return (int) n;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            closeFd(fd);
            fd = -1;
        }
    }

    private static void closeFd(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // nothing to do about a descriptor that would not close
        }
    }

    private static int openAt(int dirFd, Scratch s, int flags) {
        try {
            return (int) OPENAT.invokeExact(dirFd, s.name, flags, 0);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Puts {@code text} NUL-terminated into the scratch name; false if it does not convert losslessly or is too long. */
    private static boolean put(Scratch s, String text) {
        if (text.indexOf('\uFFFD') >= 0 || text.indexOf('\0') >= 0) {
            return false; // a name that was not UTF-8: its bytes are not known from the string
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > NAME_MAX_BYTES) {
            return false;
        }
        s.nameView.clear();
        s.nameView.put(bytes).put((byte) 0);
        return true;
    }

    private static boolean plainName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0;
    }
}
