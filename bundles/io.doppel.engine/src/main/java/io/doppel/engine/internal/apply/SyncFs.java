package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code syncfs(2)}: makes everything written to one file system durable in a single call. An image
 * that received thousands of small files since its last sync is made durable by one call instead
 * of one {@code fsync} per file and per directory (each a journal commit and a disk flush: about
 * 0.6 ms on the development machine's disk, so 12,000 new files cost 7 s of fsyncs and 0.03 s as
 * one syncfs).
 *
 * <p>Reached through the foreign function API, looked up by reflection so that the engine still
 * runs on Java 21, where that API is a preview; there, and wherever the call cannot be made, {@link
 * #available()} is false and images are forced file by file as before. Used only for an image with
 * no other file system mounted beneath it ({@link #coversTree}): syncfs flushes one file system.
 */
final class SyncFs {

    private static final Logger LOG = LoggerFactory.getLogger(SyncFs.class);
    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_CLOEXEC = 02000000;

    private static final MethodHandle OPEN;
    private static final MethodHandle SYNCFS;
    private static final MethodHandle CLOSE;
    private static final Method OF_CONFINED;
    private static final Method ALLOCATE_FROM;
    private static final String UNAVAILABLE;
    private static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();

    static {
        MethodHandle open = null;
        MethodHandle syncfs = null;
        MethodHandle close = null;
        Method ofConfined = null;
        Method allocateFrom = null;
        String why = null;
        try {
            open = Libc.downcall("open", 2, "JAVA_INT", "ADDRESS", "JAVA_INT", "JAVA_INT");
            syncfs = Libc.downcall("syncfs", -1, "JAVA_INT", "JAVA_INT");
            close = Libc.downcall("close", -1, "JAVA_INT", "JAVA_INT");
            ofConfined = Libc.method("Arena", "ofConfined");
            allocateFrom = Libc.method("SegmentAllocator", "allocateFrom", String.class);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            why = Libc.reason(e);
        }
        OPEN = open;
        SYNCFS = syncfs;
        CLOSE = close;
        OF_CONFINED = ofConfined;
        ALLOCATE_FROM = allocateFrom;
        UNAVAILABLE = why;
        if (why != null) {
            LOG.info("Images are forced file by file: syncfs(2) cannot be called here ({})", why);
        }
    }

    private SyncFs() {
    }

    /** How many syncs of a whole file system succeeded in this process. */
    static long calls() {
        return CALLS.get();
    }

    /** Why {@link #sync} cannot be called here, or null if it can. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /** Whether {@link #sync} can be called here. */
    static boolean available() {
        return UNAVAILABLE == null;
    }

    /**
     * Makes every write to the file system that holds {@code dir} durable. Throws if the call
     * cannot be made or fails; the caller then forces file by file, which names what failed.
     */
    static void sync(Path dir) throws IOException {
        if (UNAVAILABLE != null) {
            throw new IOException("syncfs(2) cannot be called here: " + UNAVAILABLE);
        }
        try (AutoCloseable arena = (AutoCloseable) OF_CONFINED.invoke(null)) {
            Object path = ALLOCATE_FROM.invoke(arena, dir.toString());
            int fd = (int) OPEN.invokeWithArguments(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("cannot open " + dir + " to sync its file system");
            }
            try {
                if ((int) SYNCFS.invokeWithArguments(fd) != 0) {
                    throw new IOException("syncfs(2) of the file system holding " + dir + " failed");
                }
                CALLS.incrementAndGet();
            } finally {
                CLOSE.invokeWithArguments(fd);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("syncfs(2) of the file system holding " + dir + " could not be called: " + t, t);
        }
    }

    /**
     * Whether one syncfs of {@code root}'s file system covers everything beneath it: true unless
     * {@code /proc/self/mountinfo} lists a mount point strictly beneath it (or cannot be read).
     */
    static boolean coversTree(Path root) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return false;
        }
        Path top = root.toAbsolutePath().normalize();
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f.length < 5) {
                continue;
            }
            Path mountPoint = Path.of(unescape(f[4]));
            if (!mountPoint.equals(top) && mountPoint.startsWith(top)) {
                return false;
            }
        }
        return true;
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && Character.isDigit(s.charAt(i + 1))) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
