package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.ApplyException.Reason;

/**
 * Write, truncate and fallocate: ops on a file's bytes. All of them are idempotent, so a crash
 * half-way through one is repaired by applying it again.
 */
final class ContentOps {

    private static final int ZERO_CHUNK = 64 * 1024;

    private final Confined confined;
    private final Touched touched;

    ContentOps(Confined confined, Touched touched) {
        this.confined = confined;
        this.touched = touched;
    }

    void write(Op.Write op) throws ApplyException {
        FileChannel ch = channel(op, op.path());
        try {
            writeFully(ch, ByteBuffer.wrap(op.data()), op.offset());
        } catch (IOException e) {
            throw Failures.map(op, op.path(), e, confined.root());
        }
    }

    void truncate(Op.Truncate op) throws ApplyException {
        FileChannel ch = channel(op, op.path());
        try {
            setSize(ch, op.size());
        } catch (IOException e) {
            throw Failures.map(op, op.path(), e, confined.root());
        }
    }

    void fallocate(Op.Fallocate op) throws ApplyException {
        FileChannel ch = channel(op, op.path());
        try {
            long size = ch.size();
            long end = op.offset() + op.length();
            if (end < 0) { // overflow: no file can reach that far
                throw ApplyException.of(Reason.CONFLICT, op, op.path(), "range ends beyond the largest file size");
            }
            if (op.punchHole()) {
                // no fallocate(2) in the JDK: zeros read back the same as a hole, and the size is kept
                zero(ch, op.offset(), Math.min(end, size));
            } else if (!op.keepSize() && end > size) {
                setSize(ch, end);
            }
            // keepSize without punching only preallocates blocks: nothing visible to replicate
        } catch (IOException e) {
            throw Failures.map(op, op.path(), e, confined.root());
        }
    }

    /** Cuts the file or extends it; extension leaves a hole, except the last byte's block. */
    private static void setSize(FileChannel ch, long size) throws IOException {
        long current = ch.size();
        if (size < current) {
            ch.truncate(size);
        } else if (size > current) {
            // FileChannel.truncate never extends and RandomAccessFile.setLength follows symlinks
            writeFully(ch, ByteBuffer.allocate(1), size - 1);
        }
    }

    private static void zero(FileChannel ch, long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, Math.max(0, to - from)));
        for (long at = from; at < to; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
            at += ch.write(zeros, at);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer data, long offset) throws IOException {
        long at = offset;
        while (data.hasRemaining()) {
            at += ch.write(data, at);
        }
    }

    /** An open channel on the regular file at {@code path}, never through a symlink. */
    private FileChannel channel(Op op, RelPath path) throws ApplyException {
        FileChannel cached = touched.cached(path);
        if (cached != null) {
            return cached;
        }
        Path p = confined.resolve(op, path);
        FileChannel ch = null;
        try {
            requireRegularFile(op, path, Confined.lstat(p));
            ch = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            touched.remember(path, ch);
            return ch;
        } catch (IOException e) {
            closeQuietly(ch);
            throw Failures.map(op, path, e, confined.root());
        }
    }

    static void requireRegularFile(Op op, RelPath path, BasicFileAttributes attrs) throws ApplyException {
        if (attrs == null) {
            throw ApplyException.of(Reason.CONFLICT, op, path, "does not exist in the image");
        }
        if (attrs.isSymbolicLink()) {
            throw ApplyException.of(Reason.HOSTILE, op, path,
                    "is a symlink in the image; refusing to write through it");
        }
        if (!attrs.isRegularFile()) {
            throw ApplyException.of(Reason.CONFLICT, op, path, "is not a regular file in the image");
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // the open failed or was refused; nothing was written through it
            }
        }
    }
}
