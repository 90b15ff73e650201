package io.doppel.engine.internal.source;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.transport.Frame;

/**
 * Questions a job asks its target about the image (listings, block sums, content, attributes), for
 * the walks that compare or copy between source and image. Each question waits for a connection,
 * is asked again on the next one if the link closes or the answer is late, and again while the
 * target says it has not applied {@code minApplied} yet. A walk stops through {@code stopping};
 * {@link #cancel()} wakes a question waiting for its answer.
 */
final class TargetQuestions {

    private static final Logger LOG = LoggerFactory.getLogger(TargetQuestions.class);

    private final Job job;
    private final BooleanSupplier stopping;
    private final long timeoutSeconds;
    private volatile CompletableFuture<Frame> waitingFor;

    TargetQuestions(Job job, BooleanSupplier stopping, long timeoutSeconds) {
        this.job = job;
        this.stopping = stopping;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Wakes a question waiting for its answer (the walk stops). */
    void cancel() {
        CompletableFuture<Frame> f = waitingFor;
        if (f != null) {
            f.completeExceptionally(new IOException("the walk stops"));
        }
    }

    /** Every entry of the image directory {@code dir} (none if it is not a directory there). */
    List<Frame.Listed> list(RelPath dir, long minApplied) throws IOException, Mirror.Stopped {
        List<Frame.Listed> all = new ArrayList<>();
        String after = "";
        while (true) {
            String from = after;
            Frame.Listing page = (Frame.Listing) ask(id -> new Frame.ListRequest(id, minApplied, dir.value(), from),
                    minApplied);
            if (page.error() != null) {
                throw new IOException("the target cannot list '" + dir + "': " + page.error());
            }
            all.addAll(page.entries());
            if (!page.more() || page.entries().isEmpty()) {
                return all;
            }
            after = page.entries().get(page.entries().size() - 1).name();
        }
    }

    /** The image entry {@code path}, or {@code null} if there is none. */
    Frame.Listed stat(RelPath path, long minApplied) throws IOException, Mirror.Stopped {
        Frame.Listing l = (Frame.Listing) ask(id -> new Frame.StatRequest(id, minApplied, path.value()), minApplied);
        if (l.error() != null) {
            throw new IOException("the target cannot look at '" + path + "': " + l.error());
        }
        return l.entries().isEmpty() ? null : l.entries().get(0);
    }

    /** A block-digest question the walk will ask when it reaches {@code path}, asked ahead. */
    record Ahead(RelPath path, int blockSize, long minApplied) { }

    /** Questions kept in flight ahead of the walk, so that the round trips overlap. */
    static final int DEPTH = 32;
    /** Planned, not asked yet, in the order the walk reaches them. Guarded by this. */
    private final ArrayDeque<Ahead> planned = new ArrayDeque<>();
    /** Asked ahead, by path, in walk order. Guarded by this. */
    private final java.util.LinkedHashMap<RelPath, CompletableFuture<Frame>> asked = new java.util.LinkedHashMap<>();

    /**
     * Plans digest questions the walk reaches next, in walk order (before anything planned already:
     * the walk enters a directory before it goes on with its parent), and asks up to {@link #DEPTH}
     * of them now. An answer asked ahead is used only if it is still good when the walk gets there
     * (no error, the image at {@code minApplied} or later); otherwise the walk asks again.
     */
    synchronized void planSums(List<Ahead> next) {
        for (int i = next.size() - 1; i >= 0; i--) {
            planned.addFirst(next.get(i));
        }
        fill();
    }

    /** Forgets every question asked ahead (a new walk begins). */
    synchronized void forgetAhead() {
        planned.clear();
        asked.clear();
    }

    private void fill() {
        while (asked.size() < DEPTH && !planned.isEmpty()) {
            Ahead a = planned.peekFirst();
            CompletableFuture<Frame> f = job.askIfConnected(
                    id -> new Frame.SumsRequest(id, a.minApplied(), a.path().value(), a.blockSize()));
            if (f == null) {
                return; // not connected: the walk asks when it gets there
            }
            planned.pollFirst();
            asked.put(a.path(), f);
        }
    }

    /** The answer asked ahead for {@code path}, if any; what the walk has passed is forgotten. */
    private synchronized CompletableFuture<Frame> takeAhead(RelPath path) {
        CompletableFuture<Frame> f = asked.remove(path);
        // both are in walk order: what the walk passed without asking is at their heads
        var heads = asked.keySet().iterator();
        while (heads.hasNext() && MirrorGate.compare(heads.next(), path) < 0) {
            heads.remove();
        }
        while (!planned.isEmpty() && MirrorGate.compare(planned.peekFirst().path(), path) <= 0) {
            planned.pollFirst();
        }
        fill();
        return f;
    }

    /** Block digests of the image file {@code path} (size -1: not a regular file there). */
    Frame.Sums sums(RelPath path, int blockSize, long minApplied) throws IOException, Mirror.Stopped {
        CompletableFuture<Frame> early = takeAhead(path);
        if (early != null) {
            try {
                Frame f = early.get(timeoutSeconds, TimeUnit.SECONDS);
                if (f instanceof Frame.Sums s && s.error() == null && s.applied() >= minApplied
                        && s.blockSize() == blockSize) {
                    return s;
                }
            } catch (InterruptedException e) {
                throw new Mirror.Stopped();
            } catch (ExecutionException | TimeoutException e) {
                checkStopping(); // the link closed or the answer is late: ask again below
            }
        }
        Frame.Sums s = (Frame.Sums) ask(id -> new Frame.SumsRequest(id, minApplied, path.value(), blockSize), minApplied);
        if (s.error() != null) {
            throw new IOException("the target cannot read '" + path + "': " + s.error());
        }
        return s;
    }

    /** Up to {@code length} bytes of the image file {@code path} from {@code offset}. */
    Frame.Data read(RelPath path, long offset, int length, long minApplied) throws IOException, Mirror.Stopped {
        Frame.Data d = (Frame.Data) ask(id -> new Frame.ReadRequest(id, minApplied, path.value(), offset, length),
                minApplied);
        if (d.error() != null) {
            throw new IOException("the target cannot read '" + path + "': " + d.error());
        }
        return d;
    }

    /** The {@code user.*} attributes of the image entry {@code path}, or {@code null} if there is none. */
    Map<String, byte[]> xattrs(RelPath path, long minApplied) throws IOException, Mirror.Stopped {
        Frame.Xattrs x = (Frame.Xattrs) ask(id -> new Frame.XattrsRequest(id, minApplied, path.value()), minApplied);
        if (x.error() != null) {
            throw new IOException("the target cannot read the attributes of '" + path + "': " + x.error());
        }
        return x.exists() ? x.values() : null;
    }

    private Frame ask(LongFunction<Frame> question, long minApplied) throws IOException, Mirror.Stopped {
        while (true) {
            checkStopping();
            CompletableFuture<Frame> answer;
            try {
                answer = job.ask(question, stopping);
            } catch (InterruptedException e) {
                throw new Mirror.Stopped();
            }
            waitingFor = answer;
            checkStopping();
            try {
                Frame f = answer.get(timeoutSeconds, TimeUnit.SECONDS);
                long applied = switch (f) {
                    case Frame.Listing l -> l.error() == null ? Long.MAX_VALUE : l.applied();
                    case Frame.Sums s -> s.error() == null ? Long.MAX_VALUE : s.applied();
                    case Frame.Data d -> d.error() == null ? Long.MAX_VALUE : d.applied();
                    case Frame.Xattrs x -> x.error() == null ? Long.MAX_VALUE : x.applied();
                    default -> Long.MAX_VALUE;
                };
                if (applied >= minApplied) {
                    return f;
                }
                // the target has not applied what the question needs yet: ask again
            } catch (InterruptedException e) {
                throw new Mirror.Stopped();
            } catch (ExecutionException | TimeoutException e) {
                checkStopping();
                LOG.debug("Job '{}': question to the target not answered ({}); asking again", job.definition().name(),
                        e.toString());
            } finally {
                waitingFor = null;
            }
        }
    }

    private void checkStopping() throws Mirror.Stopped {
        if (stopping.getAsBoolean()) {
            throw new Mirror.Stopped();
        }
    }
}
