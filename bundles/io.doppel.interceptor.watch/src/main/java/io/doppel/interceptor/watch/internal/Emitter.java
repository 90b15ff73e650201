package io.doppel.interceptor.watch.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.OpSink;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/**
 * Runs a plan: turns its steps into ops for the sink, reading each changed file once, and puts in
 * the plan's next snapshot what the target holds afterwards.
 */
final class Emitter {

    /** Opens a file for reading; a seam so tests can make a file unreadable even for root. */
    interface Opener {
        FileChannel open(Path file) throws IOException;

        Opener NIO = file -> FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    /** Changed blocks of a file held back until it is known not to have changed while being read. */
    static final int HOLD_BACK_BYTES = 16 << 20;
    /** Rounds in which a new file may be seen changing while read before its latest reading is sent anyway. */
    static final int TORN_RETRIES = 3;
    private static final int TEMP_MODE = 0600;
    private static final Logger LOG = LoggerFactory.getLogger(Emitter.class);

    private final Path root;
    private final int blockSize;
    private final OpSink sink;
    private final Opener opener;
    private final Map<String, Integer> torn;
    private final Set<String> warned;
    private final BlockHasher hasher = new BlockHasher();
    private final byte[] buffer;
    private InflightLog log;
    private Map<String, Entry> next;
    private int emitted;

    Emitter(Path root, int blockSize, OpSink sink, Opener opener, Map<String, Integer> torn, Set<String> warned) {
        this.root = root;
        this.blockSize = blockSize;
        this.sink = sink;
        this.opener = opener;
        this.torn = torn;
        this.warned = warned;
        this.buffer = new byte[blockSize];
    }

    /** Emits the plan's ops and a consistency point after them; returns how many ops were emitted. */
    int run(Planner.Plan plan, InflightLog inflight) throws CaptureException, IOException {
        this.log = inflight;
        this.next = plan.next().entries();
        this.emitted = 0;
        for (Action a : plan.actions()) {
            step(a);
        }
        if (emitted > 0) {
            accept(new Op.Fsync(RelPath.ROOT));
        }
        return emitted;
    }

    private void step(Action action) throws CaptureException, IOException {
        switch (action) {
            case Action.Unlink u -> accept(new Op.Unlink(rel(u.path())));
            case Action.UnlinkIfPresent u -> {
                accept(new Op.Create(rel(u.temp()), TEMP_MODE, Op.NO_OWNER, Op.NO_OWNER));
                accept(new Op.Rename(rel(u.temp()), rel(u.path()), Op.RenameMode.REPLACE));
                accept(new Op.Unlink(rel(u.path())));
            }
            case Action.Rmdir r -> {
                accept(new Op.Rmdir(rel(r.path())));
                log.rmdirAccepted(r.path());
            }
            case Action.Mkdir m -> {
                Entry n = m.now();
                accept(new Op.Mkdir(rel(m.path()), n.mode() >= 0 ? n.mode() : 0755, owner(n.uid()), owner(n.gid())));
                log.mkdirAccepted(m.path());
            }
            case Action.DirAttributes d -> attributes(rel(d.path()), d.before(), d.now());
            case Action.NewFile f -> newFile(f);
            case Action.ChangedFile f -> changedFile(f);
            case Action.FileAttributes f -> {
                RelPath p = rel(f.path());
                attributes(p, f.before(), f.now());
                if (f.before().mtimeNanos() != f.now().mtimeNanos()) {
                    accept(new Op.SetTimes(p, Op.TIME_OMIT, f.now().mtimeNanos()));
                }
            }
            case Action.NewSymlink s -> {
                Entry n = s.now();
                accept(new Op.Symlink(rel(s.temp()), n.linkTarget(), owner(n.uid()), owner(n.gid())));
                accept(new Op.Rename(rel(s.temp()), rel(s.path()), Op.RenameMode.REPLACE));
            }
            case Action.SymlinkOwner s -> accept(new Op.SetOwner(rel(s.path()), owner(s.now().uid()), owner(s.now().gid())));
            case Action.DirTimes d -> accept(new Op.SetTimes(rel(d.path()), Op.TIME_OMIT, d.now().mtimeNanos()));
        }
    }

    private void newFile(Action.NewFile f) throws CaptureException {
        Path file = root.resolve(f.path());
        RelPath temp = rel(f.temp());
        try (FileChannel ch = opener.open(file)) {
            Entry pre = Stat.of(file);
            if (pre == null || pre.kind() != Entry.Kind.FILE) {
                restore(f.path(), f.prior());
                return;
            }
            accept(new Op.Create(temp, TEMP_MODE, owner(pre.uid()), owner(pre.gid())));
            long[] hashes = new long[2 * pre.blocks(blockSize) + 2];
            long pos = 0;
            long written = 0;
            int index = 0;
            try {
                int n;
                while ((n = readBlock(ch, pos)) > 0) {
                    hashes = grow(hashes, index);
                    hasher.hash(buffer, n, hashes, index);
                    if (!BlockHasher.allZero(buffer, n)) { // zero blocks stay holes on the target
                        accept(new Op.Write(temp, pos, Arrays.copyOf(buffer, n)));
                        written = pos + n;
                    }
                    pos += n;
                    index++;
                }
            } catch (IOException e) { // a read failed part-way: the temporary file must not stay
                accept(new Op.Unlink(temp));
                throw e;
            }
            if (written < pos) {
                accept(new Op.Truncate(temp, pos));
            }
            Entry post = Stat.of(file);
            boolean changed = post == null || !Stat.sameVersion(pre, post) || pos != pre.size();
            if (changed && torn.merge(f.path(), 1, Integer::sum) < TORN_RETRIES) {
                LOG.debug("{} changed while being read; sending it next round", f.path());
                accept(new Op.Unlink(temp));
                restore(f.path(), f.prior());
                return;
            }
            torn.remove(f.path());
            if (pre.mode() >= 0) {
                accept(new Op.SetMode(temp, pre.mode()));
            }
            accept(new Op.SetTimes(temp, Op.TIME_OMIT, pre.mtimeNanos()));
            accept(new Op.Rename(temp, rel(f.path()), Op.RenameMode.REPLACE));
            Entry entry = pre.withSize(pos).withHashes(Arrays.copyOf(hashes, 2 * index));
            next.put(f.path(), changed ? entry.stale() : entry);
            warned.remove(f.path());
        } catch (NoSuchFileException gone) {
            restore(f.path(), f.prior()); // the next round sees it gone
        } catch (IOException e) {
            unreadable(f.path(), e);
            restore(f.path(), f.prior());
        }
    }

    private void changedFile(Action.ChangedFile f) throws CaptureException {
        Path file = root.resolve(f.path());
        RelPath p = rel(f.path());
        Entry before = f.before();
        long[] old = before.hashes();
        try (FileChannel ch = opener.open(file)) {
            Entry pre = Stat.of(file);
            if (pre == null || pre.kind() != Entry.Kind.FILE) {
                restore(f.path(), before);
                return;
            }
            long[] hashes = new long[2 * pre.blocks(blockSize) + 2];
            List<Op.Write> held = new ArrayList<>();
            long heldBytes = 0;
            boolean streaming = false;
            long pos = 0;
            int index = 0;
            int n;
            while ((n = readBlock(ch, pos)) > 0) {
                hashes = grow(hashes, index);
                hasher.hash(buffer, n, hashes, index);
                boolean same = old != null && 2 * index + 1 < old.length && old[2 * index] == hashes[2 * index]
                        && old[2 * index + 1] == hashes[2 * index + 1]
                        && (long) index * blockSize + n <= before.size();
                if (!same) {
                    Op.Write w = new Op.Write(p, pos, Arrays.copyOf(buffer, n));
                    if (streaming) {
                        accept(w);
                    } else {
                        held.add(w);
                        heldBytes += n;
                        if (heldBytes > HOLD_BACK_BYTES) { // too much to hold: send, and repair next round if torn
                            streaming = true;
                            sendAll(held);
                        }
                    }
                }
                pos += n;
                index++;
            }
            Entry post = Stat.of(file);
            boolean changed = post == null || !Stat.sameVersion(pre, post) || pos != pre.size();
            if (changed && !streaming) {
                LOG.debug("{} changed while being read; reading it again next round", f.path());
                restore(f.path(), before);
                return;
            }
            sendAll(held);
            boolean contentSent = streaming || heldBytes > 0;
            if (pos < before.size()) {
                accept(new Op.Truncate(p, pos));
                contentSent = true;
            }
            Entry entry = pre.withSize(pos).withHashes(Arrays.copyOf(hashes, 2 * index));
            if (changed) {
                next.put(f.path(), entry.stale());
                return;
            }
            attributes(p, before, pre);
            if (contentSent || before.mtimeNanos() != pre.mtimeNanos()) {
                accept(new Op.SetTimes(p, Op.TIME_OMIT, pre.mtimeNanos()));
            }
            next.put(f.path(), entry);
            warned.remove(f.path());
        } catch (NoSuchFileException gone) {
            restore(f.path(), before);
        } catch (IOException e) {
            unreadable(f.path(), e);
            restore(f.path(), before);
        }
    }

    private void attributes(RelPath p, Entry before, Entry now) throws CaptureException {
        if (now.mode() >= 0 && now.mode() != before.mode()) {
            accept(new Op.SetMode(p, now.mode()));
        }
        if ((now.uid() >= 0 || now.gid() >= 0) && (now.uid() != before.uid() || now.gid() != before.gid())) {
            accept(new Op.SetOwner(p, owner(now.uid()), owner(now.gid())));
        }
    }

    private void sendAll(List<Op.Write> held) throws CaptureException {
        for (Op.Write w : held) {
            accept(w);
        }
        held.clear();
    }

    /** Fills the buffer from {@code pos}; returns the bytes read, less than a block only at the end. */
    private int readBlock(FileChannel ch, long pos) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(buffer);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                break;
            }
        }
        return buf.position();
    }

    private static long[] grow(long[] hashes, int index) {
        return 2 * index + 1 < hashes.length ? hashes : Arrays.copyOf(hashes, hashes.length * 2 + 2);
    }

    private void restore(String path, Entry prior) {
        if (prior == null) {
            next.remove(path);
        } else {
            next.put(path, prior);
        }
    }

    private void unreadable(String path, IOException e) {
        String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.toString();
        if (warned.add(path)) {
            LOG.warn("{} cannot be read and is not replicated for now ({}); trying again next round", path, why);
        } else {
            LOG.debug("{} still cannot be read ({})", path, why);
        }
    }

    private void accept(Op op) throws CaptureException {
        sink.accept(op);
        emitted++;
    }

    private static int owner(int id) {
        return id >= 0 ? id : Op.NO_OWNER;
    }

    private static RelPath rel(String path) {
        return RelPath.of(path);
    }
}
