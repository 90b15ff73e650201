package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.ApplyException.Reason;
import io.doppel.engine.internal.apply.Intent.Kind;
import io.doppel.engine.internal.apply.Intent.Note;

/**
 * RENAME_EXCHANGE without renameat2 (the JDK has none): three renames through a parking name in
 * the image root, {@code a -> tmp}, {@code b -> a}, {@code tmp -> b}.
 *
 * <p>Not atomic on the target: between the steps a reader of the image could see {@code a} or
 * {@code b} missing, and the parking name exists. Nobody reads the image before failover, and the
 * {@link Intent} note (rewritten with the step number before each step) lets the next open finish
 * an exchange a crash interrupted: {@link #rollForward} works out from what exists which steps are
 * done and does the rest. A failure (not a crash) part-way undoes the steps done instead.
 */
final class Exchange {

    static final String PARKING_PREFIX = ".doppel-exchange-";

    private final Confined confined;
    private final Touched touched;
    private final Intent intent;
    private final CrashHook hook;

    Exchange(Confined confined, Touched touched, Intent intent, CrashHook hook) {
        this.confined = confined;
        this.touched = touched;
        this.intent = intent;
        this.hook = hook;
    }

    void apply(long seq, Op.Rename op) throws ApplyException {
        Path a = confined.resolveEntry(op, op.path());
        Path b = confined.resolveEntry(op, op.to());
        try {
            if (Confined.lstat(a) == null || Confined.lstat(b) == null) {
                throw ApplyException.of(Reason.CONFLICT, op, op.path(), "exchange with '"
                        + ApplyException.printable(op.to().toString()) + "' needs both to exist in the image");
            }
            if (a.equals(b)) {
                return;
            }
            if (a.startsWith(b) || b.startsWith(a)) {
                throw ApplyException.of(Reason.CONFLICT, op, op.path(), "cannot be exchanged with '"
                        + ApplyException.printable(op.to().toString()) + "', which contains it or lies beneath it");
            }
            Path tmp = parking(seq);
            touched.forgetPaths();
            Note note = new Note(seq, Kind.EXCHANGE, 1, op.path().value(), op.to().value(),
                    tmp.getFileName().toString());
            intent.write(note);
            hook.reached("exchange:noted");
            int done = 0;
            try {
                move(a, tmp);
                done = 1;
                hook.reached("exchange:1");
                intent.write(note.withPhase(2));
                move(b, a);
                done = 2;
                hook.reached("exchange:2");
                intent.write(note.withPhase(3));
                move(tmp, b);
                done = 3;
                hook.reached("exchange:3");
            } catch (IOException e) {
                ApplyException failure = Failures.map(op, op.path(), e, confined.root());
                try {
                    undo(a, b, tmp, done);
                    intent.clear();
                } catch (IOException u) {
                    failure.addSuppressed(u);
                }
                throw failure;
            }
            touched.moved(a, tmp);
            touched.moved(b, a);
            touched.moved(tmp, b);
            touched.directory(a.getParent());
            touched.directory(b.getParent());
            touched.directory(confined.root());
        } catch (IOException e) {
            throw Failures.map(op, op.path(), e, confined.root());
        }
    }

    /**
     * Finishes an exchange interrupted by a crash. Returns true if it is now complete (the op
     * counts as applied), false if it never started.
     */
    static boolean rollForward(Confined confined, Note note) throws IOException, ApplyException {
        Path a = confined.resolve("exchange", RelPath.of(note.a()));
        Path b = confined.resolve("exchange", RelPath.of(note.b()));
        Path tmp = confined.root().resolve(note.tmp());
        if (!note.tmp().startsWith(PARKING_PREFIX) || tmp.getNameCount() != confined.root().getNameCount() + 1) {
            throw new IOException("intent note names a parking place outside the image root: " + note.tmp());
        }
        if (Confined.lstat(tmp) == null) {
            // step 1 not done, or step 3 done; the phase says which
            return note.phase() == 3;
        }
        boolean aThere = Confined.lstat(a) != null;
        boolean bThere = Confined.lstat(b) != null;
        if (!aThere && bThere) { // crashed after step 1
            move(b, a);
        } else if (!aThere || bThere) {
            throw new IOException("cannot tell how far the exchange of '" + ApplyException.printable(note.a())
                    + "' and '" + ApplyException.printable(note.b()) + "' got (parking name " + note.tmp()
                    + " exists, '" + note.a() + "' " + (aThere ? "exists" : "is missing") + ", '" + note.b() + "' "
                    + (bThere ? "exists" : "is missing") + "); repair by hand or resync the image");
        }
        move(tmp, b);
        return true;
    }

    private static void undo(Path a, Path b, Path tmp, int done) throws IOException {
        if (done >= 2) {
            move(a, b);
        }
        if (done >= 1) {
            move(tmp, a);
        }
    }

    private Path parking(long seq) throws IOException {
        for (int n = 0; ; n++) {
            Path tmp = confined.root().resolve(PARKING_PREFIX + seq + (n == 0 ? "" : "-" + n));
            if (Confined.lstat(tmp) == null) {
                return tmp;
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }
}
