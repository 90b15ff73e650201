package io.doppel.engine.internal.codec;

import java.util.Objects;

import io.doppel.api.op.Op;

/**
 * An op with its place in a job's stream: its sequence number (1, 2, 3, … per job) and when it was
 * captured (microseconds since the epoch, for lag).
 *
 * <p>On the wire an op may stand for a run of ops {@code seq..lastSeq} that the sender coalesced
 * (see {@code Coalescer}): applying it has the effect of applying all of them, and the target's
 * cursor moves to {@code lastSeq} at once. Journals only ever hold single ops.
 */
public record SequencedOp(long seq, long lastSeq, long capturedAtMicros, Op op, boolean lenient) {

    public SequencedOp {
        if (seq < 1) {
            throw new IllegalArgumentException("sequence numbers start at 1, got " + seq);
        }
        if (lastSeq < seq) {
            throw new IllegalArgumentException("a run of ops ends at " + lastSeq + ", before its start " + seq);
        }
        Objects.requireNonNull(op);
    }

    /** A single op. */
    public SequencedOp(long seq, long capturedAtMicros, Op op) {
        this(seq, seq, capturedAtMicros, op, false);
    }

    /** An op or a run, not lenient. */
    public SequencedOp(long seq, long lastSeq, long capturedAtMicros, Op op) {
        this(seq, lastSeq, capturedAtMicros, op, false);
    }

    /**
     * Lenient: captured while a mirror ran, so the target may already hold its effect (the mirror
     * copied the source after the change was made and before it was handed over); the target
     * skips it if it finds the change made already (the name exists, or is gone).
     */
    public boolean isLenient() {
        return lenient;
    }

    /** Whether this stands for more than one op. */
    public boolean isRun() {
        return lastSeq != seq;
    }
}
