package io.doppel.engine.internal.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import io.doppel.engine.internal.codec.CodecException;
import io.doppel.engine.internal.codec.OpCodec;
import io.doppel.engine.internal.codec.SequencedOp;

/**
 * The source's journal of ops not yet acknowledged by the target: append-only segment files of
 * checksummed records, so the queue survives a crash of the agent. Appends go to the OS at once
 * (a killed process loses nothing); {@link #force()} makes them survive power loss too.
 *
 * <pre>
 * dir/00000000000000000001.seg   records with seq 1..n (file named by its first seq)
 * dir/acked                      the highest acknowledged seq (8 bytes + CRC32C)
 * record = u32 length | u32 CRC32C(payload) | payload (OpCodec)
 * </pre>
 *
 * <p>Ops not yet acknowledged are also kept in memory up to a budget, so the sender reads them
 * from there; beyond the budget they are read back from the segments (the queue "spills" to disk).
 *
 * <p>Not thread-safe: one writer; readers take a {@link #reader} and must not outlive a trim of the
 * records they read.
 */
public final class Journal implements AutoCloseable {

    private static final int HEADER = 8;
    private static final String SUFFIX = ".seg";

    private final Path dir;
    private final long segmentBytes;
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private final JournalRecovery recovery;
    private FileChannel tail;
    /** Bytes in {@link #tail}, kept here so that an append costs one system call, not two. */
    private long tailBytes;
    /**
     * The buffer records are encoded into, reused: a direct one, so the write copies from it
     * straight into the file (a heap buffer is copied into a temporary direct one first), and
     * nothing is allocated and zeroed per op. Kept at its largest record's size, up to
     * {@link #KEPT_BUFFER_MAX}.
     */
    private ByteBuffer encoded = ByteBuffer.allocateDirect(64 * 1024);
    /** Records up to this size are encoded and read through buffers kept for the next one (a 1 MiB write is one). */
    private static final int KEPT_BUFFER_MAX = 2 << 20;
    private final CRC32C appendCrc = new CRC32C();
    private long tailFirstSeq;
    private long lastSeq;
    private long acked;
    private long bytes;
    /**
     * Where the records stand in one run of bytes from the oldest segment on (the journal's
     * "position"): {@link #end} is the end of the last record, {@link #ackedEnd} the end of an
     * acknowledged one (of the last acknowledged one when everything is, else of a record at most
     * {@link #MARK_BYTES} before it), so {@code end - ackedEnd} is how much the target has not
     * acknowledged, never less. {@link #marks} maps a record's seq to its end, one every
     * {@link #MARK_BYTES}, for the acknowledgements to find; it is what lets a budget count what is
     * queued rather than the segment files, which hold acknowledged records until they roll.
     */
    private long end;
    private long ackedEnd;
    private final TreeMap<Long, Long> marks = new TreeMap<>();
    private long lastMark;
    static final long MARK_BYTES = 256 * 1024;
    private final long memoryBudget;
    private final java.util.NavigableMap<Long, SequencedOp> memory = new java.util.TreeMap<>();
    private long memoryBytes;
    /**
     * Heap an op takes beyond its encoded size (the op, sequence and path objects, array headers and
     * the map entry), so that the budget bounds real memory, not just payload.
     */
    static final int OP_OVERHEAD_BYTES = 192;

    private Journal(Path dir, long segmentBytes, long memoryBudget) throws IOException {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.memoryBudget = memoryBudget;
        Files.createDirectories(dir);
        acked = AckedFile.read(dir);
        lastSeq = acked;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.getFileName().toString().endsWith(SUFFIX))::iterator) {
                String name = p.getFileName().toString();
                try {
                    segments.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), p);
                } catch (NumberFormatException e) {
                    throw new IOException("unexpected file " + p + " in the journal directory");
                }
            }
        }
        recovery = recover();
    }

    /** Opens (creating) the journal in {@code dir}; a damaged one opens too and says so in {@link #recovery()}. */
    public static Journal open(Path dir, long segmentBytes) throws IOException {
        return new Journal(dir, segmentBytes, 0);
    }

    /** Opens the journal with ops kept in memory as well, up to {@code memoryBudget} bytes. */
    public static Journal open(Path dir, long segmentBytes, long memoryBudget) throws IOException {
        return new Journal(dir, segmentBytes, memoryBudget);
    }

    private JournalRecovery recover() throws IOException {
        long records = 0;
        long torn = 0;
        String damage = null;
        long expected = -1;
        List<Long> firsts = new ArrayList<>(segments.keySet());
        for (int i = 0; i < firsts.size(); i++) {
            Path file = segments.get(firsts.get(i));
            boolean last = i == firsts.size() - 1;
            long base = bytes;
            Scan scan = Scan.of(file, expected < 0 ? firsts.get(i) : expected, (seq, at) -> mark(seq, base + at));
            records += scan.records;
            bytes += scan.validBytes;
            if (scan.records > 0) {
                expected = scan.nextSeq;
                lastSeq = Math.max(lastSeq, scan.nextSeq - 1);
            }
            if (scan.problem != null) {
                if (last && scan.tornOnly) {
                    torn = Files.size(file) - scan.validBytes;
                } else {
                    damage = "segment " + file.getFileName() + ": " + scan.problem;
                }
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(scan.validBytes);
                }
                for (int j = i + 1; j < firsts.size(); j++) {
                    Files.delete(segments.remove(firsts.get(j)));
                }
                break;
            }
        }
        if (!segments.isEmpty() && expected >= 0 && expected - 1 <= acked && lastSeq == acked && damage == null) {
            // every record is acknowledged (or a restart cut short by a crash left older ones):
            // start afresh, so that the next op does not follow an older one in the same segment
            for (Path p : segments.values()) {
                Files.delete(p);
            }
            segments.clear();
            bytes = 0;
            marks.clear();
            lastMark = 0;
        }
        end = bytes;
        if (acked >= lastSeq) {
            ackedEnd = end;
            marks.clear();
        } else {
            // what the scan marked up to the acknowledged op is acknowledged; a record after the
            // mark is counted as queued until the next acknowledgement passes a mark
            var known = marks.floorEntry(acked);
            ackedEnd = known == null ? 0 : known.getValue();
            marks.headMap(acked, true).clear();
        }
        if (!segments.isEmpty()) {
            tailFirstSeq = segments.lastKey();
            tail = FileChannel.open(segments.lastEntry().getValue(), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            tailBytes = tail.size();
        }
        return new JournalRecovery(records, torn, damage);
    }

    public JournalRecovery recovery() {
        return recovery;
    }

    /** Highest sequence appended (or acknowledged, for an empty journal). */
    public long lastSeq() {
        return lastSeq;
    }

    /** Highest sequence acknowledged by the target. */
    public long acked() {
        return acked;
    }

    /** Ops held (appended, not acknowledged). */
    public long pendingOps() {
        return lastSeq - acked;
    }

    /** Bytes of segment files on disk: the records not acknowledged, and acknowledged ones their segments still hold. */
    public long diskBytes() {
        return bytes;
    }

    /**
     * Bytes of the records the target has not acknowledged (headers included): exact when it has
     * acknowledged everything or nothing since the journal opened, otherwise at most
     * {@link #MARK_BYTES} and one record more than exact, never less. What a disk budget counts.
     */
    public long unackedBytes() {
        return end - ackedEnd;
    }

    /** Notes that the record {@code seq} ends at {@code at} in the journal's run of bytes, if a mark is due. */
    private void mark(long seq, long at) {
        if (at - lastMark >= MARK_BYTES) {
            marks.put(seq, at);
            lastMark = at;
        }
    }

    /** Appends the next op; its sequence must follow {@link #lastSeq()}. */
    public void append(SequencedOp op) throws IOException {
        if (op.seq() != lastSeq + 1) {
            throw new IllegalArgumentException("journal expects seq " + (lastSeq + 1) + ", got " + op.seq());
        }
        if (op.isRun()) {
            throw new IllegalArgumentException("the journal keeps single ops, not the run " + op.seq() + ".." + op.lastSeq());
        }
        if (tail == null || tailBytes >= segmentBytes) {
            roll(op.seq());
        }
        int size = OpCodec.size(op);
        ByteBuffer b;
        if (HEADER + size > KEPT_BUFFER_MAX) {
            b = ByteBuffer.allocate(HEADER + size); // a rare large op: not kept for the next one
        } else {
            if (encoded.capacity() < HEADER + size) {
                encoded = ByteBuffer.allocateDirect(roundUp(HEADER + size));
            }
            b = encoded.clear().limit(HEADER + size);
        }
        b.position(HEADER);
        OpCodec.encode(op, b);
        if (b.position() != HEADER + size) {
            throw new IllegalStateException("op encoded to " + (b.position() - HEADER) + " bytes, expected " + size);
        }
        appendCrc.reset();
        appendCrc.update(b.flip().position(HEADER));
        b.putInt(0, size).putInt(4, (int) appendCrc.getValue());
        b.position(0);
        long before = tailBytes;
        try {
            while (b.hasRemaining()) {
                tailBytes += tail.write(b);
            }
        } catch (IOException e) {
            // a record cut short (a full disk) must not be followed by the next one: recovery would
            // stop at the torn one and drop everything after it
            try {
                tail.truncate(before);
                tailBytes = before;
            } catch (IOException again) {
                e.addSuppressed(again);
                tailBytes = tail.size();
            }
            throw e;
        }
        lastSeq = op.seq();
        bytes += HEADER + size;
        end += HEADER + size;
        mark(op.seq(), end);
        // Beyond the budget an op lives only in the segments, and the sender reads it back from there.
        long cost = size + OP_OVERHEAD_BYTES;
        if (memoryBytes + cost <= memoryBudget) {
            memory.put(op.seq(), op);
            memoryBytes += cost;
        }
    }

    /** Ops kept in memory, and the heap they take (encoded size plus object overhead). */
    public long memoryOps() {
        return memory.size();
    }

    public long memoryBytes() {
        return memoryBytes;
    }

    /** {@code n} rounded up to a multiple of 64 KiB. */
    private static int roundUp(int n) {
        return (n + 0xffff) & ~0xffff;
    }

    private void roll(long firstSeq) throws IOException {
        if (tail != null) {
            // No force here: what a crash of the process must not lose is already in the OS, and
            // durability across power loss is asked for explicitly with force().
            tail.close();
        }
        Path file = dir.resolve(String.format("%020d%s", firstSeq, SUFFIX));
        tail = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        tailBytes = 0;
        tailFirstSeq = firstSeq;
        segments.put(firstSeq, file);
    }

    /** Makes every appended record durable across power loss. */
    public void force() throws IOException {
        if (tail != null) {
            tail.force(false);
        }
    }

    /**
     * Records that the target acknowledged everything up to {@code seq} and deletes the segments it
     * no longer needs.
     */
    public void acknowledge(long seq) throws IOException {
        if (seq <= acked) {
            return;
        }
        if (seq > lastSeq) {
            throw new IllegalArgumentException("acknowledgement of " + seq + " beyond the last op " + lastSeq);
        }
        AckedFile.write(dir, seq);
        acked = seq;
        var done = memory.headMap(seq, true);
        done.values().forEach(op -> memoryBytes -= OpCodec.size(op) + OP_OVERHEAD_BYTES);
        done.clear();
        if (seq == lastSeq) {
            ackedEnd = end;
            marks.clear();
        } else {
            var known = marks.floorEntry(seq);
            if (known != null) {
                ackedEnd = Math.max(ackedEnd, known.getValue());
                marks.headMap(seq, true).clear();
            }
        }
        // A segment can go when the next one starts at or below acked+1.
        while (segments.size() > 1) {
            var first = segments.firstEntry();
            long nextFirst = segments.higherKey(first.getKey());
            if (nextFirst - 1 > acked) {
                break;
            }
            bytes -= Files.size(first.getValue());
            Files.delete(first.getValue());
            segments.remove(first.getKey());
        }
        if (acked == lastSeq && tail != null && tailBytes >= segmentBytes / 2) {
            // everything acknowledged: start afresh instead of growing the old tail
            tail.close();
            bytes -= Files.size(segments.get(tailFirstSeq));
            Files.delete(segments.remove(tailFirstSeq));
            tail = null;
        }
    }

    /**
     * Forgets every op not acknowledged and continues after {@code seq}, as if everything up to it
     * had been acknowledged: after a restore made the source equal to the target's image, whose ops
     * are numbered up to {@code seq}. {@code seq} must not be below {@link #lastSeq()} (numbers never
     * go back). Durable when it returns; a crash half way leaves segments that opening drops, as
     * they hold nothing beyond the acknowledged op.
     */
    public void restartAt(long seq) throws IOException {
        if (seq < lastSeq) {
            throw new IllegalArgumentException("the journal cannot continue at " + seq + ", before its last op " + lastSeq);
        }
        AckedFile.write(dir, seq);
        if (tail != null) {
            tail.close();
            tail = null;
        }
        for (Path p : segments.values()) {
            Files.deleteIfExists(p);
        }
        segments.clear();
        memory.clear();
        memoryBytes = 0;
        bytes = 0;
        end = 0;
        ackedEnd = 0;
        marks.clear();
        lastMark = 0;
        acked = seq;
        lastSeq = seq;
    }

    /** Reads ops from {@code fromSeq} (which must be above {@link #acked()}) up to the last appended. */
    public Reader reader(long fromSeq) throws IOException {
        if (fromSeq <= acked) {
            throw new IllegalArgumentException("ops up to " + acked + " are acknowledged and gone; cannot read " + fromSeq);
        }
        return new Reader(fromSeq);
    }

    @Override
    public void close() throws IOException {
        if (tail != null) {
            tail.force(false);
            tail.close();
            tail = null;
        }
    }

    /** Sequential reader over the journal; sees appends made after it was created. */
    public final class Reader implements AutoCloseable {
        private long next;
        private FileChannel channel;
        private long channelFirst = -1;
        private long position;
        private final ByteBuffer header = ByteBuffer.allocate(HEADER);
        /** Records are read into this buffer, reused (decoding copies what an op keeps). */
        private ByteBuffer kept = ByteBuffer.allocate(64 * 1024);
        private final CRC32C crc = new CRC32C();

        private Reader(long from) {
            this.next = from;
        }

        /** Whether an op with the next sequence has been appended. */
        public boolean hasNext() {
            return next <= lastSeq;
        }

        public long nextSeq() {
            return next;
        }

        public SequencedOp next() throws IOException {
            if (!hasNext()) {
                throw new NoSuchElementException("no op " + next + " yet");
            }
            SequencedOp cached = memory.get(next);
            if (cached != null) {
                next++;
                return cached;
            }
            Long first = segments.floorKey(next);
            if (first == null) {
                throw new IOException("op " + next + " is not in the journal");
            }
            if (channel == null || channelFirst != first) {
                openAt(first);
            }
            while (true) {
                SequencedOp op = readRecord();
                if (op.seq() == next) {
                    next++;
                    return op;
                }
                if (op.seq() > next) {
                    throw new IOException("journal skips from " + next + " to " + op.seq());
                }
            }
        }

        private void openAt(long first) throws IOException {
            closeChannel();
            channel = FileChannel.open(segments.get(first), StandardOpenOption.READ);
            channelFirst = first;
            position = 0;
        }

        private SequencedOp readRecord() throws IOException {
            header.clear();
            readFully(header);
            int size = header.getInt(0);
            if (size <= 0 || size > OpCodec.MAX_DATA_BYTES + 70_000) {
                throw new IOException("corrupt record length " + size + " in " + segments.get(channelFirst));
            }
            ByteBuffer payload;
            if (size > KEPT_BUFFER_MAX) {
                payload = ByteBuffer.allocate(size);
            } else {
                if (kept.capacity() < size) {
                    kept = ByteBuffer.allocate(roundUp(size));
                }
                payload = kept.clear().limit(size);
            }
            readFully(payload);
            crc.reset();
            crc.update(payload.array(), 0, size);
            if ((int) crc.getValue() != header.getInt(4)) {
                throw new IOException("checksum mismatch in " + segments.get(channelFirst));
            }
            try {
                SequencedOp op = OpCodec.decode(payload.flip());
                if (payload.hasRemaining()) {
                    throw new CodecException(payload.remaining() + " stray bytes after the op");
                }
                return op;
            } catch (CodecException e) {
                throw new IOException("undecodable record in " + segments.get(channelFirst) + ": " + e.getMessage());
            }
        }

        private void readFully(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                int n = channel.read(b, position);
                if (n < 0) {
                    throw new IOException("journal ends inside a record of " + segments.get(channelFirst));
                }
                position += n;
            }
        }

        private void closeChannel() throws IOException {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }

        @Override
        public void close() throws IOException {
            closeChannel();
        }
    }
}
