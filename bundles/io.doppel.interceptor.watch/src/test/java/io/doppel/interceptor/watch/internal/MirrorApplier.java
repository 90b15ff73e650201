package io.doppel.interceptor.watch.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.doppel.api.op.Op;

/**
 * A tiny test-only applier with the target's strictness where it matters here: Create and Mkdir
 * of an existing name, and Unlink, Rmdir or Rename of a missing one, fail as CONFLICT.
 */
final class MirrorApplier {

    /** What the real applier reports as CONFLICT, which stops the job. */
    static final class Conflict extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Conflict(Op op, String why) {
            super("CONFLICT applying " + op + ": " + why);
        }
    }

    private final Path root;

    MirrorApplier(Path root) {
        this.root = root;
    }

    void apply(Op op) {
        try {
            Path p = root.resolve(op.path().value());
            switch (op) {
                case Op.Create c -> {
                    exists(op, p, false);
                    Files.createFile(p);
                    mode(p, c.mode());
                }
                case Op.Mkdir m -> {
                    exists(op, p, false);
                    Files.createDirectory(p);
                    mode(p, m.mode());
                }
                case Op.Symlink s -> {
                    exists(op, p, false);
                    Files.createSymbolicLink(p, p.getFileSystem().getPath(s.target()));
                }
                case Op.Unlink u -> {
                    exists(op, p, true);
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        throw new Conflict(op, "is a directory");
                    }
                    Files.delete(p);
                }
                case Op.Rmdir r -> {
                    exists(op, p, true);
                    Files.delete(p);
                }
                case Op.Rename r -> {
                    exists(op, p, true);
                    Files.move(p, root.resolve(r.to().value()), StandardCopyOption.ATOMIC_MOVE);
                }
                case Op.Write w -> {
                    exists(op, p, true);
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                        ByteBuffer b = ByteBuffer.wrap(w.data());
                        while (b.hasRemaining()) {
                            ch.write(b, w.offset() + b.position());
                        }
                    }
                }
                case Op.Truncate t -> {
                    exists(op, p, true);
                    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                        f.setLength(t.size());
                    }
                }
                case Op.SetMode m -> mode(p, m.mode());
                case Op.SetTimes t -> {
                    if (t.mtimeNanos() != Op.TIME_OMIT) {
                        Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class,
                                LinkOption.NOFOLLOW_LINKS)
                                .setTimes(FileTime.from(t.mtimeNanos(), TimeUnit.NANOSECONDS), null, null);
                    }
                }
                case Op.SetOwner o -> exists(op, p, true);
                case Op.Fsync f -> {
                }
                default -> throw new AssertionError("the watcher does not emit " + op);
            }
        } catch (IOException e) {
            throw new Conflict(op, e.toString());
        }
    }

    private void exists(Op op, Path p, boolean wanted) {
        boolean there = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
        if (there != wanted) {
            throw new Conflict(op, wanted ? "does not exist in the image" : "already exists in the image");
        }
    }

    static void mode(Path p, int mode) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = { PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ };
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                perms.add(order[i]);
            }
        }
        Files.setPosixFilePermissions(p, perms);
    }
}
