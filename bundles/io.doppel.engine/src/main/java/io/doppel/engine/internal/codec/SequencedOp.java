package io.doppel.engine.internal.codec;

import java.util.Objects;

import io.doppel.api.op.Op;

/**
 * An op with its place in a job's stream: its sequence number (1, 2, 3, … per job) and when it was
 * captured (microseconds since the epoch, for lag).
 */
public record SequencedOp(long seq, long capturedAtMicros, Op op) {

    public SequencedOp {
        if (seq < 1) {
            throw new IllegalArgumentException("sequence numbers start at 1, got " + seq);
        }
        Objects.requireNonNull(op);
    }
}
