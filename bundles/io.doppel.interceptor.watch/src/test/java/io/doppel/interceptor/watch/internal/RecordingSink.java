package io.doppel.interceptor.watch.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.OpSink;
import io.doppel.api.op.Op;

/** Records ops, applies them to a mirror, and can stop taking them as a dying agent or a stopped job would. */
final class RecordingSink implements OpSink {

    /** The agent died: thrown instead of accepting an op. */
    static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private final MirrorApplier mirror;
    private final List<Op> ops = new ArrayList<>();
    private int crashAt = -1;
    private boolean stopped;
    private long seq;

    RecordingSink(MirrorApplier mirror) {
        this.mirror = mirror;
    }

    /** The {@code n}th op from now on (1-based) is not accepted: the agent dies before journaling it. */
    RecordingSink crashAt(int n) {
        crashAt = ops.size() + n;
        return this;
    }

    RecordingSink stop() {
        stopped = true;
        return this;
    }

    @Override
    public synchronized long accept(Op op) throws CaptureException {
        if (stopped) {
            throw new CaptureException("job stopped");
        }
        if (ops.size() + 1 == crashAt) {
            throw new SimulatedCrash();
        }
        if (mirror != null) {
            mirror.apply(op);
        }
        ops.add(op);
        return ++seq;
    }

    @Override
    public CompletionStage<Long> acceptAndWait(Op op) {
        try {
            return CompletableFuture.completedFuture(accept(op));
        } catch (CaptureException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    synchronized List<Op> ops() {
        return new ArrayList<>(ops);
    }

    /** The ops recorded from index {@code from} on. */
    synchronized List<Op> since(int from) {
        return new ArrayList<>(ops.subList(from, ops.size()));
    }

    synchronized int size() {
        return ops.size();
    }
}
