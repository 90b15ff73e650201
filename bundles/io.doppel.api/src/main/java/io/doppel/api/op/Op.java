package io.doppel.api.op;

import java.util.Arrays;
import java.util.Objects;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One change to a protected tree: the unit of replication.
 *
 * <p>Ops are produced by interceptors (and by mirroring), numbered per job by the engine, and
 * applied on the target strictly in that order. Every path is a {@link RelPath}, relative to the
 * protected root. Owners are numeric (uid/gid) because that is what the file system stores; times
 * are nanoseconds since the epoch, with {@link #TIME_OMIT} meaning "leave unchanged".
 */
@ProviderType
public sealed interface Op {

    /** In {@link SetTimes}: leave this time unchanged. */
    long TIME_OMIT = Long.MIN_VALUE;
    /** In {@link Create}, {@link Mkdir}, {@link Symlink}: keep the owner the applier runs as. */
    int NO_OWNER = -1;

    /** The path the op changes (for a rename or link: the source of it). */
    RelPath path();

    /** A short name for logs and statistics, e.g. {@code write}. */
    String kind();

    /** Creates a regular file (fails if it exists, as O_CREAT|O_EXCL does). */
    record Create(RelPath path, int mode, int uid, int gid) implements Op {
        public Create {
            Objects.requireNonNull(path);
        }
        @Override public String kind() { return "create"; }
    }

    /** Writes {@code data} at {@code offset}, extending the file if needed. */
    record Write(RelPath path, long offset, byte[] data) implements Op {
        public Write {
            Objects.requireNonNull(path);
            Objects.requireNonNull(data);
            if (offset < 0) {
                throw new IllegalArgumentException("negative write offset " + offset);
            }
        }
        @Override public String kind() { return "write"; }
        public long end() { return offset + data.length; }
        @Override public boolean equals(Object o) {
            return o instanceof Write w && w.path.equals(path) && w.offset == offset && Arrays.equals(w.data, data);
        }
        @Override public int hashCode() { return Objects.hash(path, offset, Arrays.hashCode(data)); }
        @Override public String toString() { return "Write[" + path + " @" + offset + " +" + data.length + "]"; }
    }

    /** Sets the file's size, cutting or zero-extending it. */
    record Truncate(RelPath path, long size) implements Op {
        public Truncate {
            Objects.requireNonNull(path);
            if (size < 0) {
                throw new IllegalArgumentException("negative size " + size);
            }
        }
        @Override public String kind() { return "truncate"; }
    }

    /** Removes a file, symlink or other non-directory entry. */
    record Unlink(RelPath path) implements Op {
        public Unlink { Objects.requireNonNull(path); }
        @Override public String kind() { return "unlink"; }
    }

    /** Renames {@code path} to {@code to}, with the semantics of renameat2's flags. */
    record Rename(RelPath path, RelPath to, RenameMode mode) implements Op {
        public Rename {
            Objects.requireNonNull(path);
            Objects.requireNonNull(to);
            Objects.requireNonNull(mode);
        }
        @Override public String kind() { return "rename"; }
    }

    /** How a rename treats an existing destination. */
    enum RenameMode {
        /** Replace the destination if it exists (plain rename). */
        REPLACE,
        /** Fail if the destination exists (RENAME_NOREPLACE). */
        NOREPLACE,
        /** Swap source and destination atomically (RENAME_EXCHANGE). */
        EXCHANGE
    }

    /** Creates a directory. */
    record Mkdir(RelPath path, int mode, int uid, int gid) implements Op {
        public Mkdir { Objects.requireNonNull(path); }
        @Override public String kind() { return "mkdir"; }
    }

    /** Removes an empty directory. */
    record Rmdir(RelPath path) implements Op {
        public Rmdir { Objects.requireNonNull(path); }
        @Override public String kind() { return "rmdir"; }
    }

    /**
     * Creates a symbolic link at {@code path} whose content is {@code target}. The target is stored
     * as text and never followed by the applier, so it may point anywhere.
     */
    record Symlink(RelPath path, String target, int uid, int gid) implements Op {
        public Symlink {
            Objects.requireNonNull(path);
            Objects.requireNonNull(target);
            if (target.isEmpty() || target.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("symlink target must be non-empty and without NUL");
            }
        }
        @Override public String kind() { return "symlink"; }
    }

    /** Creates a hard link {@code to} naming the same file as {@code path}. */
    record Link(RelPath path, RelPath to) implements Op {
        public Link {
            Objects.requireNonNull(path);
            Objects.requireNonNull(to);
        }
        @Override public String kind() { return "link"; }
    }

    /** Sets permission bits (including setuid, setgid and sticky). */
    record SetMode(RelPath path, int mode) implements Op {
        public SetMode { Objects.requireNonNull(path); }
        @Override public String kind() { return "chmod"; }
    }

    /** Sets the owner; {@code -1} leaves that id unchanged, as chown(2) does. */
    record SetOwner(RelPath path, int uid, int gid) implements Op {
        public SetOwner { Objects.requireNonNull(path); }
        @Override public String kind() { return "chown"; }
    }

    /** Sets access and modification times in ns since the epoch, or {@link #TIME_OMIT}. */
    record SetTimes(RelPath path, long atimeNanos, long mtimeNanos) implements Op {
        public SetTimes { Objects.requireNonNull(path); }
        @Override public String kind() { return "utimens"; }
    }

    /** Sets an extended attribute (ACLs travel as {@code system.posix_acl_*} attributes). */
    record SetXattr(RelPath path, String name, byte[] value) implements Op {
        public SetXattr {
            Objects.requireNonNull(path);
            Objects.requireNonNull(value);
            if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("xattr name must be non-empty and without NUL");
            }
        }
        @Override public String kind() { return "setxattr"; }
        @Override public boolean equals(Object o) {
            return o instanceof SetXattr x && x.path.equals(path) && x.name.equals(name) && Arrays.equals(x.value, value);
        }
        @Override public int hashCode() { return Objects.hash(path, name, Arrays.hashCode(value)); }
    }

    /** Removes an extended attribute. */
    record RemoveXattr(RelPath path, String name) implements Op {
        public RemoveXattr {
            Objects.requireNonNull(path);
            Objects.requireNonNull(name);
        }
        @Override public String kind() { return "removexattr"; }
    }

    /** Allocates ({@code punchHole == false}) or deallocates a range, as fallocate(2). */
    record Fallocate(RelPath path, long offset, long length, boolean keepSize, boolean punchHole) implements Op {
        public Fallocate {
            Objects.requireNonNull(path);
            if (offset < 0 || length <= 0) {
                throw new IllegalArgumentException("fallocate needs offset >= 0 and length > 0");
            }
        }
        @Override public String kind() { return "fallocate"; }
    }

    /** What an {@link Entry} makes of its path. */
    enum EntryType {
        FILE, DIRECTORY, SYMLINK
    }

    /**
     * Makes {@code path} an entry of {@code type} with this mode and owner, as mirroring does: an
     * entry of that type already there is kept (a file keeps its data, a directory its children, a
     * symlink must also point at {@code linkTarget}); anything else there is removed first (a
     * directory with everything beneath it); a new file is empty. The parent must exist. Applying it
     * twice has the effect of applying it once.
     *
     * @param linkTarget for {@link EntryType#SYMLINK}, the link's content; otherwise {@code null}
     * @param mode       permission bits (ignored for symlinks)
     * @param uid        owner, or {@link #NO_OWNER} to keep the applier's
     * @param gid        group, or {@link #NO_OWNER}
     */
    record Entry(RelPath path, EntryType type, String linkTarget, int mode, int uid, int gid) implements Op {
        public Entry {
            Objects.requireNonNull(path);
            Objects.requireNonNull(type);
            if ((type == EntryType.SYMLINK) != (linkTarget != null)) {
                throw new IllegalArgumentException("a symlink entry, and only a symlink entry, has a link target");
            }
            if (linkTarget != null && (linkTarget.isEmpty() || linkTarget.indexOf('\0') >= 0)) {
                throw new IllegalArgumentException("symlink target must be non-empty and without NUL");
            }
        }
        @Override public String kind() { return "entry"; }
    }

    /**
     * Removes whatever is at {@code path}, a directory with everything beneath it; nothing if there
     * is nothing. Mirroring uses it for entries the source no longer has. Applying it twice has the
     * effect of applying it once.
     */
    record Remove(RelPath path) implements Op {
        public Remove { Objects.requireNonNull(path); }
        @Override public String kind() { return "remove"; }
    }

    /**
     * Moves whatever is at {@code path} out of the image into the target's aside area for this image,
     * under {@code batch} (a name the source chooses, e.g. the time of the verification that found
     * it), keeping its relative path; nothing if there is nothing. Verification uses it for orphans
     * an admin wants kept but out of the way. Applying it twice has the effect of applying it once.
     */
    record MoveAside(RelPath path, String batch) implements Op {
        public MoveAside {
            Objects.requireNonNull(path);
            if (path.isRoot()) {
                throw new IllegalArgumentException("the image root cannot be moved aside");
            }
            if (batch == null || !batch.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("batch must be 1-64 letters, digits, '.', '_' or '-'");
            }
        }
        @Override public String kind() { return "move-aside"; }
    }

    /**
     * A consistency point: everything before it in the stream is durable on the target before
     * anything after it is applied. {@code path} is the file that was synced, or the root for a
     * whole-tree point.
     */
    record Fsync(RelPath path) implements Op {
        public Fsync { Objects.requireNonNull(path); }
        @Override public String kind() { return "fsync"; }
    }
}
