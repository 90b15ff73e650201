package io.doppel.engine.internal.apply;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code user.*} extended attributes of an entry read by path with {@code llistxattr(2)} and
 * {@code lgetxattr(2)}, without following a symlink. The JDK reads them only through a descriptor
 * of its own ({@code open}, {@code flistxattr}, {@code close}); a verification or a listing of the
 * image asks this of every file and directory on both sides, and most have no attributes at all:
 * one system call here instead of three.
 *
 * <p>Reached through the foreign function API ({@link Libc}), so that the engine still runs on
 * Java 21. Each thread has its own native buffers (the largest list
 * and the largest value Linux allows, 64 KiB each). Whatever this cannot answer exactly as the JDK
 * would — the API missing, a path that does not convert to bytes losslessly, a failed call — it
 * answers with {@code null}, and the caller asks the JDK.
 */
public final class NativeXattrs {

    /** Linux's {@code XATTR_LIST_MAX} and {@code XATTR_SIZE_MAX}. */
    private static final int MAX = 64 * 1024;
    /** The longest path passed (with its NUL); longer ones go to the JDK. */
    private static final int PATH_MAX = 4096;
    private static final byte[] USER = "user.".getBytes(StandardCharsets.US_ASCII);

    /** {@code (MemorySegment path, MemorySegment list, long size) -> long}, as Objects. */
    private static final MethodHandle LLISTXATTR;
    /** {@code (MemorySegment path, MemorySegment name, MemorySegment value, long size) -> long}. */
    private static final MethodHandle LGETXATTR;
    private static final Method ALLOCATE;
    private static final Method AS_BYTE_BUFFER;
    private static final Method OF_AUTO;
    private static final String UNAVAILABLE;

    static {
        MethodHandle list = null;
        MethodHandle get = null;
        Method allocate = null;
        Method asByteBuffer = null;
        Method ofAuto = null;
        String why = null;
        try {
            Libc.requireLinuxWithUtf8Names();
            list = Libc.downcall("llistxattr", -1, "JAVA_LONG", "ADDRESS", "ADDRESS", "JAVA_LONG")
                    .asType(MethodType.methodType(long.class, Object.class, Object.class, long.class));
            get = Libc.downcall("lgetxattr", -1, "JAVA_LONG", "ADDRESS", "ADDRESS", "ADDRESS", "JAVA_LONG")
                    .asType(MethodType.methodType(long.class, Object.class, Object.class, Object.class, long.class));
            ofAuto = Libc.method("Arena", "ofAuto");
            allocate = Libc.method("SegmentAllocator", "allocate", long.class);
            asByteBuffer = Libc.method("MemorySegment", "asByteBuffer");
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            why = Libc.reason(e);
        }
        LLISTXATTR = list;
        LGETXATTR = get;
        OF_AUTO = ofAuto;
        ALLOCATE = allocate;
        AS_BYTE_BUFFER = asByteBuffer;
        UNAVAILABLE = why;
    }

    private NativeXattrs() {
    }

    /** Why the attributes are read through the JDK here, or null if they are read by path. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /** One thread's native memory: a path, an attribute name, a list or a value; and views of each. */
    private record Buffers(Object path, ByteBuffer pathView, Object name, ByteBuffer nameView, Object data,
            ByteBuffer dataView) {
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(() -> {
        try {
            Object arena = OF_AUTO.invoke(null);
            Object path = ALLOCATE.invoke(arena, (long) PATH_MAX);
            Object name = ALLOCATE.invoke(arena, 256L + 1);
            Object data = ALLOCATE.invoke(arena, (long) MAX);
            return new Buffers(path, (ByteBuffer) AS_BYTE_BUFFER.invoke(path), name,
                    (ByteBuffer) AS_BYTE_BUFFER.invoke(name), data, (ByteBuffer) AS_BYTE_BUFFER.invoke(data));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot allocate native memory for extended attributes", e);
        }
    });

    /** An attribute's name without its {@code user.} prefix, and its value. */
    public record Attribute(String name, byte[] value) {
    }

    /**
     * The {@code user.*} attributes of {@code p} (not following a symlink), names without their
     * prefix and in no particular order; an empty list if it has none; {@code null} if they cannot
     * be read this way, for whatever reason (the caller then reads them through the JDK).
     */
    public static List<Attribute> userAttributes(Path p) {
        if (UNAVAILABLE != null) {
            return null;
        }
        String s = p.toString();
        if (s.indexOf('\uFFFD') >= 0 || s.indexOf('\0') >= 0) {
            return null; // a name that was not UTF-8: its bytes are not known from the string
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length + 1 > PATH_MAX) {
            return null;
        }
        Buffers b = BUFFERS.get();
        b.pathView.clear();
        b.pathView.put(bytes).put((byte) 0);
        try {
            long n = (long) LLISTXATTR.invokeExact(b.path, b.data, (long) MAX);
            if (n < 0) {
                return null;
            }
            if (n == 0) {
                return List.of();
            }
            List<byte[]> names = new ArrayList<>();
            ByteBuffer list = b.dataView.clear().limit((int) n);
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (list.get(i) == 0) {
                    if (isUser(list, start, i)) {
                        byte[] name = new byte[i - start];
                        list.get(start, name);
                        names.add(name);
                    }
                    start = i + 1;
                }
            }
            List<Attribute> out = new ArrayList<>(names.size());
            for (byte[] name : names) {
                if (name.length + 1 > b.nameView.capacity()) {
                    return null;
                }
                b.nameView.clear();
                b.nameView.put(name).put((byte) 0);
                long size = (long) LGETXATTR.invokeExact(b.path, b.name, b.data, (long) MAX);
                if (size < 0) {
                    return null; // removed since it was listed, or anything else: the JDK says what
                }
                byte[] value = new byte[(int) size];
                b.dataView.clear().get(0, value);
                out.add(new Attribute(new String(name, USER.length, name.length - USER.length, StandardCharsets.UTF_8),
                        value));
            }
            return out;
        } catch (Throwable t) {
            return null;
        }
    }

    private static boolean isUser(ByteBuffer list, int start, int end) {
        if (end - start <= USER.length) {
            return false;
        }
        for (int i = 0; i < USER.length; i++) {
            if (list.get(start + i) != USER[i]) {
                return false;
            }
        }
        return true;
    }
}
