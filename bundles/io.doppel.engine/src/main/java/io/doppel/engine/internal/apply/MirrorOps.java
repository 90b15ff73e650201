package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.ApplyException.Reason;

/**
 * The ops of mirroring: {@link Op.Entry} (make a path an entry of a type, replacing anything else
 * there) and {@link Op.Remove} (remove whatever is at a path). Both are idempotent, so they need no
 * intent note: a crash half-way is repaired by applying the op again.
 */
final class MirrorOps {

    private final Confined confined;
    private final Touched touched;
    private final MetadataOps metadata;

    MirrorOps(Confined confined, Touched touched, MetadataOps metadata) {
        this.confined = confined;
        this.touched = touched;
        this.metadata = metadata;
    }

    void entry(Op.Entry op) throws ApplyException {
        Path p = op.path().isRoot() ? confined.root() : confined.resolveEntry(op, op.path());
        BasicFileAttributes attrs = lstat(op, op.path(), p);
        if (attrs != null && !same(op, p, attrs)) {
            if (op.path().isRoot()) {
                throw ApplyException.of(Reason.CONFLICT, op, op.path(), "the image root is not a directory");
            }
            removeTree(op, op.path(), p);
            attrs = null;
        }
        try {
            if (attrs == null) {
                switch (op.type()) {
                    case FILE -> Files.createFile(p);
                    case DIRECTORY -> Files.createDirectory(p);
                    case SYMLINK -> Files.createSymbolicLink(p, p.getFileSystem().getPath(op.linkTarget()));
                }
                touched.directory(p.getParent());
                if (op.type() == Op.EntryType.DIRECTORY) {
                    touched.directory(p);
                }
            }
        } catch (java.nio.file.InvalidPathException e) {
            throw ApplyException.of(Reason.UNSUPPORTED, op, op.path(),
                    "this JVM cannot encode the link target; run the agent with a UTF-8 locale", e);
        } catch (IOException e) {
            throw Failures.map(op, op.path(), e, confined.root());
        }
        metadata.owner(op, op.path(), p, op.uid(), op.gid(), false);
        if (op.type() != Op.EntryType.SYMLINK) {
            metadata.mode(op, op.path(), p, op.mode());
        }
    }

    void remove(Op.Remove op) throws ApplyException {
        Path p;
        try {
            p = confined.resolveEntry(op, op.path());
        } catch (ApplyException e) {
            if (e.reason() == Reason.CONFLICT) {
                return; // a parent is missing or no directory: nothing is there to remove
            }
            throw e;
        }
        if (lstat(op, op.path(), p) != null) {
            removeTree(op, op.path(), p);
        }
    }

    /**
     * Moves what is at the op's path to {@code images/SOURCE/.aside/IMAGE/BATCH/PATH} beside the image
     * (no image name starts with a dot), a name with a numeric suffix if that is taken.
     */
    void moveAside(Op.MoveAside op) throws ApplyException {
        Path p;
        try {
            p = confined.resolveEntry(op, op.path());
        } catch (ApplyException e) {
            if (e.reason() == Reason.CONFLICT) {
                return; // nothing there
            }
            throw e;
        }
        if (lstat(op, op.path(), p) == null) {
            return;
        }
        Path root = confined.root();
        Path dest = root.getParent().resolve(".aside").resolve(root.getFileName().toString()).resolve(op.batch())
                .resolve(op.path().value());
        try {
            Files.createDirectories(dest.getParent());
            Path free = dest;
            for (int i = 1; Files.exists(free, java.nio.file.LinkOption.NOFOLLOW_LINKS); i++) {
                free = dest.resolveSibling(dest.getFileName() + "." + i);
            }
            touched.forgetPaths();
            Files.move(p, free, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw Failures.map(op, op.path(), e, confined.root());
        }
        touched.directory(p.getParent());
    }

    /** Whether what is at {@code p} is already the entry the op asks for (type, and link target). */
    private boolean same(Op.Entry op, Path p, BasicFileAttributes attrs) throws ApplyException {
        return switch (op.type()) {
            case FILE -> attrs.isRegularFile();
            case DIRECTORY -> attrs.isDirectory();
            case SYMLINK -> {
                if (!attrs.isSymbolicLink()) {
                    yield false;
                }
                try {
                    yield Files.readSymbolicLink(p).toString().equals(p.getFileSystem().getPath(op.linkTarget()).toString());
                } catch (IOException e) {
                    throw Failures.map(op, op.path(), e, confined.root());
                }
            }
        };
    }

    /** Removes {@code p} and everything beneath it, never following a symlink. */
    private void removeTree(Op op, RelPath path, Path p) throws ApplyException {
        try {
            touched.forgetPaths();
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    if (failure != null) {
                        throw failure;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw Failures.map(op, path, e, confined.root());
        }
        touched.directory(p.getParent());
    }

    private BasicFileAttributes lstat(Op op, RelPath path, Path p) throws ApplyException {
        try {
            return Confined.lstat(p);
        } catch (IOException e) {
            throw Failures.map(op, path, e, confined.root());
        }
    }

}
