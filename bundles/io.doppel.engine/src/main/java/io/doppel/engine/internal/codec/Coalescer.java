package io.doppel.engine.internal.codec;

import java.util.ArrayList;
import java.util.List;

import io.doppel.api.op.Op;

/**
 * Merges runs of adjacent ops in a batch into one op each, before they are sent: writes to one file
 * that overlap or touch (the later bytes win), and repeated chmod, chown or utimens of one path (the
 * later values win, field by field where an op leaves a field unchanged). Only neighbours in the
 * sequence merge, so nothing is ever reordered: any other op between two ops (an fsync, a rename,
 * an unlink, a link, a truncate, an op on another path, another kind of attribute) ends the run.
 *
 * <p>A merged op stands for the run {@code seq..lastSeq}; the target applies it and moves its cursor
 * to {@code lastSeq} in one step. Every kind that merges is idempotent and overwrites what it sets,
 * so applying a merged op on top of any prefix of its run (after a resend) also gives the state after
 * the whole run. The journal keeps every op as captured: merging happens again on every send.
 */
public final class Coalescer {

    private Coalescer() {
    }

    /** Kinds that may stand for a run of ops. */
    public static boolean coalescible(Op op) {
        return op instanceof Op.Write || op instanceof Op.SetMode || op instanceof Op.SetOwner
                || op instanceof Op.SetTimes;
    }

    /**
     * The batch with runs merged; a merged write holds at most {@code maxDataBytes} (a single op
     * larger than that stays as it is).
     */
    public static List<SequencedOp> coalesce(List<SequencedOp> batch, int maxDataBytes) {
        List<SequencedOp> out = new ArrayList<>(batch.size());
        SequencedOp run = null;
        WriteRun data = null;
        for (SequencedOp next : batch) {
            if (run != null) {
                Op merged = null;
                if (data != null && next.op() instanceof Op.Write w && data.accepts(w, maxDataBytes)) {
                    data.add(w);
                    merged = run.op(); // materialised when the run ends
                } else if (data == null) {
                    merged = mergeAttributes(run.op(), next.op());
                }
                if (merged != null) {
                    run = new SequencedOp(run.seq(), next.lastSeq(), next.capturedAtMicros(), merged,
                            run.lenient() || next.lenient());
                    continue;
                }
                out.add(finish(run, data));
            }
            run = next;
            data = next.op() instanceof Op.Write w ? new WriteRun(w) : null;
        }
        if (run != null) {
            out.add(finish(run, data));
        }
        return out;
    }

    private static SequencedOp finish(SequencedOp run, WriteRun data) {
        if (data == null || data.count == 1) {
            return run;
        }
        return new SequencedOp(run.seq(), run.lastSeq(), run.capturedAtMicros(), data.toWrite(), run.lenient());
    }

    /** The later of two attribute ops of one kind on one path, or null if they do not merge. */
    private static Op mergeAttributes(Op earlier, Op later) {
        if (!earlier.path().equals(later.path())) {
            return null;
        }
        return switch (earlier) {
            case Op.SetMode m when later instanceof Op.SetMode l -> l;
            case Op.SetOwner o when later instanceof Op.SetOwner l -> new Op.SetOwner(l.path(),
                    l.uid() == Op.NO_OWNER ? o.uid() : l.uid(), l.gid() == Op.NO_OWNER ? o.gid() : l.gid());
            case Op.SetTimes t when later instanceof Op.SetTimes l -> new Op.SetTimes(l.path(),
                    l.atimeNanos() == Op.TIME_OMIT ? t.atimeNanos() : l.atimeNanos(),
                    l.mtimeNanos() == Op.TIME_OMIT ? t.mtimeNanos() : l.mtimeNanos());
            default -> null;
        };
    }

    /** Contiguous bytes of one file built from overlapping or touching writes; later bytes win. */
    private static final class WriteRun {
        private final Op.Write first;
        private long offset;
        private long end;
        private final List<Op.Write> writes = new ArrayList<>();
        private int count;

        WriteRun(Op.Write w) {
            this.first = w;
            this.offset = w.offset();
            this.end = w.end();
            writes.add(w);
            count = 1;
        }

        boolean accepts(Op.Write w, int maxDataBytes) {
            return w.path().equals(first.path()) && w.offset() <= end && w.end() >= offset
                    && Math.max(end, w.end()) - Math.min(offset, w.offset()) <= maxDataBytes;
        }

        void add(Op.Write w) {
            writes.add(w);
            offset = Math.min(offset, w.offset());
            end = Math.max(end, w.end());
            count++;
        }

        Op.Write toWrite() {
            byte[] bytes = new byte[(int) (end - offset)];
            for (Op.Write w : writes) {
                System.arraycopy(w.data(), 0, bytes, (int) (w.offset() - offset), w.data().length);
            }
            return new Op.Write(first.path(), offset, bytes);
        }
    }
}
