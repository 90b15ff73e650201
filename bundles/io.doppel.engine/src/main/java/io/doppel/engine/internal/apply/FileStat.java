package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.doppel.api.op.Op;

/**
 * What one {@code lstat} says of an entry: its type and permission bits, owner, link count, size,
 * times and identity. Read at once, where separate looks at the mode, the owner, the group and the
 * link count cost a system call each; the same whether the JDK read it ({@link #of}) or a
 * {@link NativeDir} did, so that identities from either compare equal.
 *
 * @param fileKey the entry's identity ({@link Id}: device and inode), or what the file system's
 *        basic attributes offer where there is no Unix view (null if nothing)
 */
public record FileStat(int mode, int uid, int gid, int nlink, long size, long mtimeNanos, long atimeNanos,
        long ctimeNanos, Object fileKey) {

    private static final String UNIX = "unix:mode,uid,gid,nlink,size,lastModifiedTime,lastAccessTime,ctime,dev,ino";

    /** An entry's identity on one machine: its device and inode numbers. */
    public record Id(long dev, long ino) { }

    /**
     * The entry at {@code p} (a symlink itself, not followed), or null if there is none: one {@code
     * statx(2)} where {@link NativeDir} can call it, else through the JDK (which also says what
     * went wrong when that call failed).
     */
    public static FileStat of(Path p) throws IOException {
        FileStat quick = NativeDir.statPath(p);
        return quick != null ? quick : throughTheJdk(p);
    }

    /** {@link #of}, read through the JDK. */
    static FileStat throughTheJdk(Path p) throws IOException {
        try {
            Map<String, Object> u = Files.readAttributes(p, UNIX, LinkOption.NOFOLLOW_LINKS);
            return new FileStat((Integer) u.get("mode"), (Integer) u.get("uid"), (Integer) u.get("gid"),
                    (Integer) u.get("nlink"), (Long) u.get("size"), nanos((FileTime) u.get("lastModifiedTime")),
                    nanos((FileTime) u.get("lastAccessTime")), nanos((FileTime) u.get("ctime")),
                    new Id((Long) u.get("dev"), (Long) u.get("ino")));
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return null;
        } catch (UnsupportedOperationException e) {
            // no unix view on this system: the type from the basic attributes, permissions 0755, no owner
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException | java.nio.file.NotDirectoryException gone) {
                return null;
            }
            int type = a.isDirectory() ? 0040000 : a.isSymbolicLink() ? 0120000 : a.isRegularFile() ? 0100000 : 0;
            return new FileStat(type | 0755, Op.NO_OWNER, Op.NO_OWNER, 1, a.size(), nanos(a.lastModifiedTime()),
                    nanos(a.lastAccessTime()), nanos(a.lastModifiedTime()), a.fileKey());
        }
    }

    /** The permission bits (with set-user-ID, set-group-ID and sticky). */
    public int permissions() {
        return mode & 07777;
    }

    /** {@code f}ile, {@code d}irectory, sym{@code l}ink or {@code o}ther ({@link ImageInspector#typeOf}). */
    public char type() {
        return ImageInspector.typeOf(mode);
    }

    public boolean isRegularFile() {
        return (mode & 0170000) == 0100000;
    }

    public boolean isDirectory() {
        return (mode & 0170000) == 0040000;
    }

    public boolean isSymbolicLink() {
        return (mode & 0170000) == 0120000;
    }

    public boolean isOther() {
        return !isRegularFile() && !isDirectory() && !isSymbolicLink();
    }

    /** The inode number, or 0 where the identity is not a device and an inode. */
    public long inode() {
        return fileKey instanceof Id id ? id.ino() : 0;
    }

    private static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }
}
