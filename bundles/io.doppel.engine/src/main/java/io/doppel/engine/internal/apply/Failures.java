package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.ApplyException.Reason;

/** Translates the JDK's I/O exceptions into {@link ApplyException}s a person can act on. */
final class Failures {

    private Failures() {
    }

    static ApplyException map(Op op, RelPath path, IOException e) {
        return map(op, path, e, null);
    }

    /** @param image a path on the image's file system, to name it when it is full; may be null */
    static ApplyException map(Op op, RelPath path, IOException e, Path image) {
        String why = reasonOf(e);
        String lower = why.toLowerCase(Locale.ROOT);
        if (lower.contains("no space left") || lower.contains("quota")) {
            return ApplyException.of(Reason.NO_SPACE, op, path, why + " on " + fileSystemOf(image), e);
        }
        if (lower.contains("too many levels of symbolic links")) {
            // only NOFOLLOW opens of a final component produce ELOOP here: a symlink appeared there
            return ApplyException.of(Reason.HOSTILE, op, path, "is a symlink; refusing to follow it", e);
        }
        if (e instanceof NoSuchFileException || e instanceof FileAlreadyExistsException
                || e instanceof DirectoryNotEmptyException || e instanceof NotDirectoryException
                || lower.contains("is a directory") || lower.contains("not a directory")
                || lower.contains("directory not empty") || lower.contains("invalid argument")) {
            return ApplyException.of(Reason.CONFLICT, op, path, "the image does not match: " + what(e, why), e);
        }
        if (e instanceof AccessDeniedException) {
            return ApplyException.of(Reason.IO, op, path, "permission denied: " + what(e, why), e);
        }
        if (e instanceof AtomicMoveNotSupportedException) {
            return ApplyException.of(Reason.IO, op, path,
                    "source and destination are on different file systems inside the image", e);
        }
        return ApplyException.of(Reason.IO, op, path, what(e, why), e);
    }

    /** The OS's words for the failure (strerror), without the path the JDK prepends. */
    static String reasonOf(IOException e) {
        String why = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        if (why == null && e.getCause() != null) {
            why = e.getCause().getMessage();
        }
        return why == null ? e.getClass().getSimpleName() : why;
    }

    private static String what(IOException e, String why) {
        String kind = e.getClass().getSimpleName();
        return e instanceof FileSystemException && !why.equals(e.getClass().getSimpleName())
                ? kind + " (" + ApplyException.printable(why) + ")" : ApplyException.printable(why);
    }

    /** Names the file system that holds {@code p}, for "disk full" messages an admin can act on. */
    static String fileSystemOf(Path p) {
        if (p == null) {
            return "the image's file system";
        }
        try {
            FileStore store = Files.getFileStore(p);
            return "file system " + store + " (" + store.type() + ", " + store.getUsableSpace() / (1024 * 1024)
                    + " MiB usable) holding " + p;
        } catch (IOException | RuntimeException e) {
            return "the file system holding " + p;
        }
    }
}
