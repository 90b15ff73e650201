package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.Intent.Kind;
import io.doppel.engine.internal.apply.Intent.Note;

/**
 * Settles, at open, the one op a crash may have interrupted: the op whose {@link Intent} note has
 * the sequence after the cursor.
 *
 * <p>Creators (create, mkdir, symlink, link) are rolled back: what the note names did not exist
 * before the op (the op checked), and no later op ran, so if it exists now the op made it, perhaps
 * without its owner and mode; it is removed and the op, re-sent, applies from scratch. Removals and
 * renames are rolled forward: their source existed before the op, so if it is gone the op took
 * effect and the cursor moves past it. An exchange is finished from the step it reached.
 */
final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private Recovery() {
    }

    /** @return the sequence the cursor should now hold */
    static long settle(Confined confined, Note note, long applied) throws IOException {
        if (note == null || note.seq() != applied + 1) {
            return applied;
        }
        try {
            Path a = confined.resolve(note.kind().name().toLowerCase(java.util.Locale.ROOT), RelPath.of(note.a()));
            boolean done = switch (note.kind()) {
                case CREATE, MKDIR, SYMLINK -> {
                    removeCreated(note.kind(), a);
                    yield false;
                }
                case LINK -> {
                    removeCreated(Kind.LINK, confined.resolve("link", RelPath.of(note.b())));
                    yield false;
                }
                case UNLINK, RMDIR, RENAME -> Confined.lstat(a) == null;
                case EXCHANGE -> Exchange.rollForward(confined, note);
            };
            LOG.info("Image {}: op {} ({} '{}') was interrupted by a crash; {}", confined.root(), note.seq(),
                    note.kind(), ApplyException.printable(note.a()),
                    done ? "it had taken effect, counted as applied" : "undone, to be applied again");
            return done ? note.seq() : applied;
        } catch (ApplyException e) {
            throw new IOException("cannot settle op " + note.seq() + " interrupted by a crash: " + e.getMessage(), e);
        } catch (RuntimeException e) { // a note that passes its checksum but names no valid path
            throw new IOException("the intent note for op " + note.seq() + " is not valid (" + e.getMessage()
                    + "); delete it only after checking the image, or resync", e);
        }
    }

    /** Removes the entry a creator op made, if it is there and of the kind the op makes. */
    static void removeCreated(Kind kind, Path p) throws IOException {
        BasicFileAttributes attrs = Confined.lstat(p);
        if (attrs == null) {
            return;
        }
        boolean ours = switch (kind) {
            case CREATE -> attrs.isRegularFile() && attrs.size() == 0;
            case MKDIR -> attrs.isDirectory();
            case SYMLINK -> attrs.isSymbolicLink();
            case LINK -> attrs.isRegularFile() || attrs.isOther();
            default -> false;
        };
        if (ours) {
            Files.delete(p);
        } else {
            LOG.warn("Not removing {}: it is not what the interrupted {} op would have made", p, kind);
        }
    }
}
