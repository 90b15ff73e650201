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
import io.doppel.engine.internal.apply.BlockHash;
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

    /**
     * The block hash of every digest this walk asks for, and the one it computes its own with: a key
     * of its own ({@link BlockHash}), forgotten with the walk.
     */
    private final BlockHash hash = BlockHash.random();

    TargetQuestions(Job job, BooleanSupplier stopping, long timeoutSeconds) {
        this.job = job;
        this.stopping = stopping;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The block hash the target's digests are computed with; the walk computes its own with it too. */
    BlockHash hash() {
        return hash;
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
        return list(dir, minApplied, true);
    }

    /**
     * {@link #list}, for a directory beyond the walk's position (it looks ahead while it waits):
     * the answers asked ahead for what comes before it stay kept.
     */
    List<Frame.Listed> listAhead(RelPath dir, long minApplied) throws IOException, Mirror.Stopped {
        return list(dir, minApplied, false);
    }

    /** Whether the listing of {@code dir} asked ahead is in (answered). */
    synchronized boolean listingIn(RelPath dir) {
        Asked x = asked.get(new Key(dir, true));
        return x != null && x.answer().isDone();
    }

    /**
     * The next directory a walk will enter that it has not looked ahead into yet ({@code done}):
     * from the innermost of its {@code upcoming} levels (each the subdirectories it has yet to enter
     * there, in order) outwards. Null if there is none, or if the target's listing of that one is
     * not in yet (a directory further on would be out of walk order).
     */
    RelPath nextToLookAhead(java.util.Deque<? extends Iterable<RelPath>> upcoming,
            java.util.function.Predicate<RelPath> done) {
        var levels = upcoming.descendingIterator();
        while (levels.hasNext()) {
            for (RelPath d : levels.next()) {
                if (!done.test(d)) {
                    return listingIn(d) ? d : null;
                }
            }
        }
        return null;
    }

    /** Whether the digests of {@code file} were asked ahead and are not answered yet. */
    synchronized boolean sumsOnTheirWay(RelPath file) {
        Asked x = asked.get(new Key(file, false));
        return x != null && !x.answer().isDone();
    }

    private List<Frame.Listed> list(RelPath dir, long minApplied, boolean passed) throws IOException, Mirror.Stopped {
        List<Frame.Listed> all = new ArrayList<>();
        String after = "";
        Frame.Listing early = takeAhead(new Key(dir, true), Frame.Listing.class, minApplied, passed);
        while (true) {
            String from = after;
            Frame.Listing page = early != null ? early
                    : (Frame.Listing) ask(id -> new Frame.ListRequest(id, minApplied, dir.value(), from), minApplied);
            early = null;
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

    /**
     * A question the walk will ask when it reaches {@code path}, asked ahead: the block digests of a
     * file of {@code size} bytes ({@code blockSize > 0}), or the first page of a directory's listing
     * ({@code blockSize == 0}).
     */
    record Ahead(RelPath path, int blockSize, long minApplied, long size) {
        /** The listing of directory {@code dir}, asked ahead. */
        static Ahead listing(RelPath dir, long minApplied) {
            return new Ahead(dir, 0, minApplied, 0);
        }

        /** The block digests of file {@code path} of {@code size} bytes, asked ahead. */
        static Ahead sums(RelPath path, long size, long minApplied) {
            return new Ahead(path, Mirror.blockSize(size), minApplied, size);
        }

        boolean isListing() {
            return blockSize == 0;
        }

        Key key() {
            return new Key(path, isListing());
        }
    }

    /**
     * What an answer asked ahead is kept under, in walk order: a path may be a file on one side and
     * a directory on the other.
     */
    private record Key(RelPath path, boolean listing) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = MirrorGate.compare(path, o.path);
            return c != 0 ? c : Boolean.compare(listing, o.listing);
        }
    }

    /**
     * A question asked ahead and its answer to come; {@code frame} is the answer to the frame that
     * was sent, which a batch of digests shares with the other files of its directory.
     */
    private record Asked(Ahead question, CompletableFuture<Frame> answer, CompletableFuture<Frame> frame) { }

    /** Frames asked ahead and not answered yet, at most. */
    static final int DEPTH = 16;
    /** Questions asked ahead and kept (answered or not) until the walk gets there, at most. */
    static final int HOLD = 1024;
    /** Most files whose digests are asked in one frame, and most bytes they hold together. */
    static final int BATCH_FILES = 64;
    static final long BATCH_BYTES = 8L * 1024 * 1024;
    /** Frames asked ahead and not answered yet (a batch's frame once). */
    private final java.util.Set<CompletableFuture<Frame>> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Planned, not asked yet, in walk order. Guarded by this. */
    private final java.util.TreeMap<Key, Ahead> planned = new java.util.TreeMap<>();
    /** Asked ahead, in walk order. Guarded by this. */
    private final java.util.TreeMap<Key, Asked> asked = new java.util.TreeMap<>();

    /**
     * Plans questions the walk reaches next, and asks some of them now. An answer asked ahead is
     * used only if it is still good when the walk gets there (no error, the image at {@code
     * minApplied} or later); otherwise the walk asks again. Listings are asked ahead for the
     * directories the walk will enter, digests for the files it will compare: on a link with a
     * round-trip time, a walk that asked one question at a time would wait for each in turn.
     */
    synchronized void plan(List<Ahead> next) {
        for (Ahead a : next) {
            if (!asked.containsKey(a.key())) { // asked already (planned ahead of the walk): not twice
                planned.put(a.key(), a);
            }
        }
        fill();
    }

    /** Forgets every question asked ahead (a new walk begins). */
    synchronized void forgetAhead() {
        planned.clear();
        asked.clear();
        inFlight.clear();
    }

    /**
     * Asks the planned questions nearest in walk order, with at most {@link #DEPTH} frames
     * unanswered and {@link #HOLD} questions kept. The walk descends into a directory after asking
     * ahead for its parent's later entries: what it meets there comes first, so an answer kept for
     * an entry further on gives way (it is planned again) when the room is needed. The digests of
     * the files next in walk order go in one frame ({@link Frame.SumsBatchRequest}), up to {@link
     * #BATCH_FILES} files and {@link #BATCH_BYTES} bytes: each frame crosses both transports and the
     * target's threads, which costs more than hashing a small file.
     */
    private void fill() {
        while (!planned.isEmpty() && inFlight.size() < DEPTH) {
            Key first = planned.firstKey();
            if (asked.size() >= HOLD) {
                var last = asked.lastEntry();
                if (last.getKey().compareTo(first) < 0 || !last.getValue().answer().isDone()) {
                    return; // everything kept comes before, or is still on its way
                }
                asked.pollLastEntry();
                planned.put(last.getKey(), last.getValue().question());
                continue;
            }
            Ahead a = planned.get(first);
            if (a.isListing()) {
                CompletableFuture<Frame> f = job.askIfConnected(
                        id -> new Frame.ListRequest(id, a.minApplied(), a.path().value(), ""));
                if (f == null) {
                    return; // not connected: the walk asks when it gets there
                }
                planned.remove(first);
                asked.put(first, new Asked(a, f, f));
                track(f);
                continue;
            }
            List<Ahead> batch = batch(a);
            List<Frame.Wanted> wanted = batch.stream().map(b -> new Frame.Wanted(b.path().value(), b.blockSize())).toList();
            CompletableFuture<Frame> f = job.askIfConnected(
                    id -> new Frame.SumsBatchRequest(id, a.minApplied(), wanted, hash.key()));
            if (f == null) {
                return;
            }
            for (int i = 0; i < batch.size(); i++) {
                Ahead b = batch.get(i);
                int at = i;
                planned.remove(b.key());
                asked.put(b.key(), new Asked(b, f.thenApply(answer -> sumsOf(answer, at, b.blockSize())), f));
            }
            track(f);
            sumsFrames++;
            sumsFiles += batch.size();
        }
    }

    /** Counts {@code f} among the frames in flight until it is answered (or the link closes). */
    private void track(CompletableFuture<Frame> f) {
        inFlight.add(f);
        f.whenComplete((answer, failure) -> {
            inFlight.remove(f);
        });
    }

    /**
     * {@code first} and the planned digest questions after it in walk order, as many as go in one
     * frame and fit among the questions kept; listings in between are left for their own frames.
     * While {@link #DEPTH} frames are in flight the walk plans on, so a slow target gets larger
     * batches.
     */
    private List<Ahead> batch(Ahead first) {
        List<Ahead> batch = new ArrayList<>();
        long bytes = 0;
        for (Ahead b : planned.tailMap(first.key(), true).values()) {
            if (b.isListing()) {
                continue;
            }
            if (b.minApplied() != first.minApplied() || batch.size() >= BATCH_FILES || asked.size() + batch.size() >= HOLD
                    || (!batch.isEmpty() && bytes + b.size() > BATCH_BYTES)) {
                break;
            }
            batch.add(b);
            bytes += b.size();
        }
        return batch;
    }

    /** The digests of the {@code at}th file of a batch's answer, as the answer to a single question. */
    private static Frame sumsOf(Frame answer, int at, int blockSize) {
        if (answer instanceof Frame.SumsBatch b) {
            if (b.error() == null && at < b.files().size()) {
                Frame.FileSums s = b.files().get(at);
                return new Frame.Sums(b.id(), b.applied(), s.size(), s.blockSize(), s.digests(), s.error());
            }
            return new Frame.Sums(b.id(), b.applied(), -1, blockSize, new byte[0],
                    b.error() != null ? b.error() : "no digests for this file in the answer");
        }
        return answer; // not an answer to this question: the walk asks again
    }

    /**
     * The answer asked ahead for {@code key}, if any; with {@code passed} (the walk is at {@code key}),
     * what comes before it is forgotten.
     */
    private synchronized CompletableFuture<Frame> takeAhead(Key key, boolean passed) {
        Asked x = asked.remove(key);
        if (passed) {
            asked.headMap(new Key(key.path(), false), false).clear();
            planned.headMap(new Key(key.path(), true), true).clear();
        }
        fill();
        return x == null ? null : x.answer();
    }

    /**
     * The answer asked ahead for {@code key} if there is one and it is still good (an answer of
     * that type without error, the image at {@code minApplied} or later); null if the walk has to
     * ask now.
     */
    private <T extends Frame> T takeAhead(Key key, Class<T> type, long minApplied, boolean passed)
            throws Mirror.Stopped {
        CompletableFuture<Frame> early = takeAhead(key, passed);
        if (early == null) {
            return null;
        }
        try {
            Frame f = early.get(timeoutSeconds, TimeUnit.SECONDS);
            boolean good = switch (f) {
                case Frame.Listing l -> l.error() == null && l.applied() >= minApplied;
                case Frame.Sums s -> s.error() == null && s.applied() >= minApplied;
                default -> false;
            };
            if (good && type.isInstance(f)) {
                usedAhead++;
                return type.cast(f);
            }
            return null;
        } catch (InterruptedException e) {
            throw new Mirror.Stopped();
        } catch (ExecutionException | TimeoutException e) {
            checkStopping(); // the link closed or the answer is late: ask again
            return null;
        }
    }

    /** Block digests of the image file {@code path} (size -1: not a regular file there). */
    Frame.Sums sums(RelPath path, int blockSize, long minApplied) throws IOException, Mirror.Stopped {
        Frame.Sums early = takeAhead(new Key(path, false), Frame.Sums.class, minApplied, true);
        if (early != null && early.blockSize() == blockSize) {
            return early;
        }
        Frame.Sums s = (Frame.Sums) ask(id -> new Frame.SumsRequest(id, minApplied, path.value(), blockSize, hash.key()),
                minApplied);
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

    /** Answers asked ahead that the walk used, and questions it asked when it got there (for the log). */
    private volatile long usedAhead;
    private volatile long askedThen;
    /** Frames of digests asked ahead, and the files they asked for. Guarded by this. */
    private long sumsFrames;
    private long sumsFiles;

    /** How the walk's questions were answered, for its log line. */
    synchronized String counts() {
        return String.format("%,d answers asked ahead (digests of %,d files in %,d frames), %,d questions asked on the spot",
                usedAhead, sumsFiles, sumsFrames, askedThen);
    }

    private Frame ask(LongFunction<Frame> question, long minApplied) throws IOException, Mirror.Stopped {
        askedThen++;
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
