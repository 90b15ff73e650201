package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.ApplyException.Reason;
import io.doppel.engine.internal.apply.Intent.Kind;
import io.doppel.engine.internal.apply.Intent.Note;

/**
 * Ops that change names: create, mkdir, symlink, link, unlink, rmdir, rename. None is idempotent,
 * so each writes an {@link Intent} note before its effect; {@link Recovery} settles the note after
 * a crash, and a failure after the effect rolls the effect back here, so a failed op leaves the
 * image as it found it and can be retried.
 */
final class NamespaceOps {

    private final Confined confined;
    private final Touched touched;
    private final Intent intent;
    private final MetadataOps metadata;
    private final CrashHook hook;

    NamespaceOps(Confined confined, Touched touched, Intent intent, MetadataOps metadata, CrashHook hook) {
        this.confined = confined;
        this.touched = touched;
        this.intent = intent;
        this.metadata = metadata;
        this.hook = hook;
    }

    void create(long seq, Op.Create op) throws ApplyException {
        Path p = fresh(op, op.path());
        note(op, new Note(seq, Kind.CREATE, 0, op.path().value(), "", ""));
        boolean created = false;
        try {
            FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            created = true;
            touched.remember(op.path(), ch);
            hook.reached("create:created");
            metadata.owner(op, op.path(), p, op.uid(), op.gid(), false);
            metadata.mode(op, op.path(), p, op.mode());
        } catch (IOException | ApplyException e) {
            throw undo(op, op.path(), created ? Kind.CREATE : null, e);
        }
        touched.directory(p.getParent());
    }

    void mkdir(long seq, Op.Mkdir op) throws ApplyException {
        Path p = fresh(op, op.path());
        note(op, new Note(seq, Kind.MKDIR, 0, op.path().value(), "", ""));
        boolean created = false;
        try {
            Files.createDirectory(p);
            created = true;
            hook.reached("mkdir:created");
            metadata.owner(op, op.path(), p, op.uid(), op.gid(), false);
            metadata.mode(op, op.path(), p, op.mode());
        } catch (IOException | ApplyException e) {
            throw undo(op, op.path(), created ? Kind.MKDIR : null, e);
        }
        touched.directory(p);
        touched.directory(p.getParent());
    }

    void symlink(long seq, Op.Symlink op) throws ApplyException {
        Path p = fresh(op, op.path());
        Path target;
        try {
            // the JDK normalises "a//b" and a trailing "/"; everything else is stored as sent
            target = p.getFileSystem().getPath(op.target());
        } catch (java.nio.file.InvalidPathException e) {
            throw ApplyException.of(Reason.UNSUPPORTED, op, op.path(),
                    "this JVM cannot encode the link target; run the agent with a UTF-8 locale", e);
        }
        note(op, new Note(seq, Kind.SYMLINK, 0, op.path().value(), "", ""));
        boolean created = false;
        try {
            Files.createSymbolicLink(p, target);
            created = true;
            hook.reached("symlink:created");
            metadata.owner(op, op.path(), p, op.uid(), op.gid(), false);
        } catch (IOException | ApplyException e) {
            throw undo(op, op.path(), created ? Kind.SYMLINK : null, e);
        }
        touched.directory(p.getParent());
    }

    void link(long seq, Op.Link op) throws ApplyException {
        Path from = confined.resolveEntry(op, op.path());
        BasicFileAttributes attrs = lstat(op, op.path(), from);
        if (attrs == null) {
            throw ApplyException.of(Reason.CONFLICT, op, op.path(), "does not exist in the image");
        }
        if (attrs.isSymbolicLink()) {
            throw ApplyException.of(Reason.HOSTILE, op, op.path(),
                    "is a symlink; hard links to symlinks are refused (they could name anything)");
        }
        if (attrs.isDirectory()) {
            throw ApplyException.of(Reason.CONFLICT, op, op.path(), "is a directory; directories cannot be hard-linked");
        }
        Path to = fresh(op, op.to());
        note(op, new Note(seq, Kind.LINK, 0, op.path().value(), op.to().value(), ""));
        try {
            Files.createLink(to, from);
            hook.reached("link:effect");
        } catch (IOException e) {
            throw undo(op, op.to(), null, e);
        }
        touched.directory(to.getParent());
    }

    void unlink(long seq, Op.Unlink op) throws ApplyException {
        Path p = confined.resolveEntry(op, op.path());
        BasicFileAttributes attrs = lstat(op, op.path(), p);
        if (attrs == null) {
            throw ApplyException.of(Reason.CONFLICT, op, op.path(), "does not exist in the image");
        }
        if (attrs.isDirectory()) {
            throw ApplyException.of(Reason.CONFLICT, op, op.path(), "is a directory in the image");
        }
        remove(seq, op, Kind.UNLINK, p);
    }

    void rmdir(long seq, Op.Rmdir op) throws ApplyException {
        Path p = confined.resolveEntry(op, op.path());
        BasicFileAttributes attrs = lstat(op, op.path(), p);
        if (attrs == null) {
            throw ApplyException.of(Reason.CONFLICT, op, op.path(), "does not exist in the image");
        }
        if (!attrs.isDirectory()) {
            throw ApplyException.of(Reason.CONFLICT, op, op.path(), "is not a directory in the image");
        }
        remove(seq, op, Kind.RMDIR, p);
    }

    /** Rename with REPLACE or NOREPLACE semantics (EXCHANGE is {@link Exchange}). */
    void rename(long seq, Op.Rename op) throws ApplyException {
        Path from = confined.resolveEntry(op, op.path());
        Path to = confined.resolveEntry(op, op.to());
        if (lstat(op, op.path(), from) == null) {
            throw ApplyException.of(Reason.CONFLICT, op, op.path(), "does not exist in the image");
        }
        if (from.equals(to)) {
            return; // rename(2) onto itself does nothing
        }
        if (to.startsWith(from)) {
            throw ApplyException.of(Reason.CONFLICT, op, op.path(),
                    "cannot be moved beneath itself to '" + ApplyException.printable(op.to().toString()) + "'");
        }
        if (op.mode() == Op.RenameMode.NOREPLACE && lstat(op, op.to(), to) != null) {
            throw ApplyException.of(Reason.CONFLICT, op, op.path(), "destination '"
                    + ApplyException.printable(op.to().toString()) + "' already exists (rename without replace)");
        }
        note(op, new Note(seq, Kind.RENAME, 0, op.path().value(), op.to().value(), ""));
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            hook.reached("rename:effect");
        } catch (IOException e) {
            throw undo(op, op.path(), null, e);
        }
        touched.moved(from, to);
        touched.directory(from.getParent());
        touched.directory(to.getParent());
    }

    private void remove(long seq, Op op, Kind kind, Path p) throws ApplyException {
        note(op, new Note(seq, kind, 0, op.path().value(), "", ""));
        try {
            Files.delete(p);
            hook.reached(op.kind() + ":effect");
        } catch (IOException e) {
            throw undo(op, op.path(), null, e);
        }
        touched.directory(p.getParent());
    }

    /** Resolves a path that the op is about to create, which must not exist yet. */
    private Path fresh(Op op, RelPath path) throws ApplyException {
        Path p = confined.resolveEntry(op, path);
        if (lstat(op, path, p) != null) {
            throw ApplyException.of(Reason.CONFLICT, op, path, "already exists in the image");
        }
        return p;
    }

    private void note(Op op, Note note) throws ApplyException {
        try {
            touched.forgetPaths();
            intent.write(note);
        } catch (IOException e) {
            throw ApplyException.of(Reason.IO, op, op.path(), "cannot record the op's intent in the state "
                    + "directory: " + Failures.reasonOf(e), e);
        }
        hook.reached(op.kind() + ":noted");
    }

    /** Rolls back what a failed op created (if {@code created} names it) and forgets its note. */
    private ApplyException undo(Op op, RelPath path, Kind created, Exception failure) {
        ApplyException result = failure instanceof ApplyException ae ? ae
                : Failures.map(op, path, (IOException) failure, confined.root());
        try {
            touched.forgetPaths();
            if (created != null) {
                Recovery.removeCreated(created, confined.resolve(op, path));
            }
            intent.clear();
        } catch (IOException | ApplyException e) {
            result.addSuppressed(e);
        }
        return result;
    }

    private BasicFileAttributes lstat(Op op, RelPath path, Path p) throws ApplyException {
        try {
            return Confined.lstat(p);
        } catch (IOException e) {
            throw Failures.map(op, path, e, confined.root());
        }
    }
}
