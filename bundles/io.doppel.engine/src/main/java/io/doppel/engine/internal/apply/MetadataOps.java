package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.ApplyException.Reason;

/**
 * Mode, owner, times and extended attributes. All idempotent.
 *
 * <p>Never through a symlink: a chmod on a symlink is refused outright, because
 * {@code Files.setAttribute(p, "unix:mode", m, NOFOLLOW_LINKS)} changes the link's <em>target</em>
 * on JDK 25 (JDK 17–21 fail with ELOOP instead); owner and times use lchown / utimensat with
 * AT_SYMLINK_NOFOLLOW, which change the link itself.
 */
final class MetadataOps {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataOps.class);
    private static final String USER = "user.";

    private final Confined confined;
    private final boolean runningAsRoot;
    private final boolean unixView;

    MetadataOps(Confined confined, boolean runningAsRoot) {
        this.confined = confined;
        this.runningAsRoot = runningAsRoot;
        this.unixView = FileSystems.getDefault().supportedFileAttributeViews().contains("unix");
    }

    void setMode(Op.SetMode op) throws ApplyException {
        Path p = confined.resolve(op, op.path());
        mode(op, op.path(), p, op.mode());
    }

    void setOwner(Op.SetOwner op) throws ApplyException {
        Path p = confined.resolve(op, op.path());
        existing(op, op.path(), p);
        owner(op, op.path(), p, op.uid(), op.gid(), true);
    }

    void setTimes(Op.SetTimes op) throws ApplyException {
        Path p = confined.resolve(op, op.path());
        existing(op, op.path(), p);
        FileTime atime = time(op.atimeNanos());
        FileTime mtime = time(op.mtimeNanos());
        if (atime == null && mtime == null) {
            return;
        }
        try {
            Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(mtime, atime, null);
        } catch (IOException e) {
            throw Failures.map(op, op.path(), e, confined.root());
        }
    }

    void setXattr(Op.SetXattr op) throws ApplyException {
        Path p = confined.resolve(op, op.path());
        UserDefinedFileAttributeView view = userView(op, op.path(), p, op.name());
        try {
            view.write(op.name().substring(USER.length()), ByteBuffer.wrap(op.value()));
        } catch (IOException e) {
            String why = Failures.reasonOf(e).toLowerCase(Locale.ROOT);
            if (why.contains("no space") || why.contains("too long") || why.contains("out of range")) {
                throw ApplyException.of(Reason.UNSUPPORTED, op, op.path(), "the file system cannot store "
                        + op.value().length + " bytes in attribute '" + ApplyException.printable(op.name())
                        + "' (" + Failures.reasonOf(e) + ")", e);
            }
            throw xattrFailure(op, op.path(), e);
        }
    }

    void removeXattr(Op.RemoveXattr op) throws ApplyException {
        Path p = confined.resolve(op, op.path());
        UserDefinedFileAttributeView view = userView(op, op.path(), p, op.name());
        try {
            view.delete(op.name().substring(USER.length()));
        } catch (IOException e) {
            if (Failures.reasonOf(e).toLowerCase(Locale.ROOT).contains("no data available")) {
                return; // already absent: the state the op asks for (and a re-applied op after a crash)
            }
            throw xattrFailure(op, op.path(), e);
        }
    }

    /** Sets the full mode (with setuid, setgid, sticky) of an entry that must not be a symlink. */
    void mode(Op op, RelPath path, Path p, int mode) throws ApplyException {
        BasicFileAttributes attrs = existing(op, path, p);
        if (attrs.isSymbolicLink()) {
            throw ApplyException.of(Reason.HOSTILE, op, path,
                    "is a symlink; refusing to change the mode of whatever it points to");
        }
        try {
            if (unixView) {
                Files.setAttribute(p, "unix:mode", mode & 07777, LinkOption.NOFOLLOW_LINKS);
            } else if ((mode & 07000) != 0) {
                throw ApplyException.of(Reason.UNSUPPORTED, op, path, "mode " + Integer.toOctalString(mode)
                        + " has setuid/setgid/sticky bits, which this platform's JDK cannot set");
            } else {
                Files.setPosixFilePermissions(p, permissions(mode));
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw e instanceof IOException io ? Failures.map(op, path, io, confined.root())
                    : ApplyException.of(Reason.UNSUPPORTED, op, path, "cannot set a mode here", e);
        }
    }

    /**
     * Sets owner and group ({@code -1} keeps one). Only root may give files away; otherwise an
     * owner in a create op is skipped and an explicit chown is UNSUPPORTED unless already true.
     */
    void owner(Op op, RelPath path, Path p, int uid, int gid, boolean explicit) throws ApplyException {
        if (uid == Op.NO_OWNER && gid == Op.NO_OWNER) {
            return;
        }
        try {
            if (!runningAsRoot) {
                boolean same = (uid == Op.NO_OWNER || uid == (int) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                        && (gid == Op.NO_OWNER || gid == (int) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
                if (same || !explicit) {
                    LOG.debug("{}: not root, owner {}:{} not set", ApplyException.describe(op.kind(), path), uid, gid);
                    return;
                }
            }
            if (uid != Op.NO_OWNER) {
                Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            }
            if (gid != Op.NO_OWNER) {
                Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            }
        } catch (FileSystemException e) {
            if (!runningAsRoot && Failures.reasonOf(e).toLowerCase(Locale.ROOT).contains("not permitted")) {
                throw ApplyException.of(Reason.UNSUPPORTED, op, path,
                        "changing the owner needs root and the agent does not run as root", e);
            }
            throw Failures.map(op, path, e, confined.root());
        } catch (IOException e) {
            throw Failures.map(op, path, e, confined.root());
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            throw ApplyException.of(Reason.UNSUPPORTED, op, path, "this platform cannot set numeric owners", e);
        }
    }

    private BasicFileAttributes existing(Op op, RelPath path, Path p) throws ApplyException {
        BasicFileAttributes attrs;
        try {
            attrs = Confined.lstat(p);
        } catch (IOException e) {
            throw Failures.map(op, path, e, confined.root());
        }
        if (attrs == null) {
            throw ApplyException.of(Reason.CONFLICT, op, path, "does not exist in the image");
        }
        return attrs;
    }

    private UserDefinedFileAttributeView userView(Op op, RelPath path, Path p, String name) throws ApplyException {
        if (!name.startsWith(USER) || name.length() == USER.length()) {
            int dot = name.indexOf('.');
            String ns = dot > 0 ? name.substring(0, dot) : name;
            throw ApplyException.of(Reason.UNSUPPORTED, op, path, "extended attribute '"
                    + ApplyException.printable(name) + "' is in the '" + ApplyException.printable(ns)
                    + "' namespace; only user.* attributes can be set with this JDK (system.*, trusted.* and "
                    + "security.* need native calls, planned with Java 22 FFM)");
        }
        if (!Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")).newEncoder().canEncode(name)) {
            throw ApplyException.of(Reason.UNSUPPORTED, op, path, "this JVM cannot encode attribute name '"
                    + ApplyException.printable(name) + "'; run the agent with a UTF-8 locale");
        }
        BasicFileAttributes attrs = existing(op, path, p);
        if (attrs.isSymbolicLink()) {
            throw ApplyException.of(Reason.UNSUPPORTED, op, path,
                    "is a symlink; Linux does not allow user.* attributes on symlinks");
        }
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            throw ApplyException.of(Reason.UNSUPPORTED, op, path, "this platform has no user-defined attributes");
        }
        return view;
    }

    private ApplyException xattrFailure(Op op, RelPath path, IOException e) {
        String why = Failures.reasonOf(e).toLowerCase(Locale.ROOT);
        if (why.contains("not supported")) {
            return ApplyException.of(Reason.UNSUPPORTED, op, path,
                    "the image's file system does not support user.* attributes", e);
        }
        return Failures.map(op, path, e, confined.root());
    }

    private static FileTime time(long nanos) {
        if (nanos == Op.TIME_OMIT) {
            return null;
        }
        return FileTime.from(Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                Math.floorMod(nanos, 1_000_000_000L)));
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < order.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }
}
