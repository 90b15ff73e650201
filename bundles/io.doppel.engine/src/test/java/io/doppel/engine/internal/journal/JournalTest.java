package io.doppel.engine.internal.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.codec.SequencedOp;

class JournalTest {

    private static final long SEGMENT = 4096;

    @TempDir
    Path dir;

    private static SequencedOp op(long seq) {
        return new SequencedOp(seq, seq * 10, new Op.Write(RelPath.of("f"), seq * 100, new byte[200]));
    }

    private static void appendRange(Journal j, long from, long to) throws IOException {
        for (long s = from; s <= to; s++) {
            j.append(op(s));
        }
    }

    private static SequencedOp large(long seq) {
        return new SequencedOp(seq, seq, new Op.Write(RelPath.of("big"), seq << 16, new byte[64 * 1024]));
    }

    /** Bytes the records {@code from..to} of {@link #large} take in the journal. */
    private static long recordBytes(long from, long to) {
        long n = 0;
        for (long s = from; s <= to; s++) {
            n += 8 + io.doppel.engine.internal.codec.OpCodec.size(large(s));
        }
        return n;
    }

    private static void assertQueued(long exact, Journal j, String when) {
        long counted = j.unackedBytes();
        assertTrue(counted >= exact && counted <= exact + Journal.MARK_BYTES + recordBytes(1, 1),
                when + ": " + counted + " bytes counted as queued, " + exact + " are");
    }

    @Test
    void theQueuedBytesAreThoseNotAcknowledgedNotTheSegmentFiles() throws IOException {
        try (Journal j = Journal.open(dir, 1 << 20)) {
            for (long s = 1; s <= 100; s++) {
                j.append(large(s));
            }
            assertEquals(recordBytes(1, 100), j.unackedBytes(), "nothing acknowledged: every record");
            assertEquals(j.diskBytes(), j.unackedBytes());
            j.acknowledge(56);
            assertQueued(recordBytes(57, 100), j, "half acknowledged");
            assertTrue(j.diskBytes() > j.unackedBytes(), "the segment of op 57 still holds acknowledged ones: "
                    + j.diskBytes() + " bytes on disk, " + j.unackedBytes() + " queued");
            j.acknowledge(77);
            assertQueued(recordBytes(78, 100), j, "more acknowledged");
            j.acknowledge(100);
            assertEquals(0, j.unackedBytes(), "everything acknowledged");
            for (long s = 101; s <= 110; s++) {
                j.append(large(s));
            }
            assertEquals(recordBytes(101, 110), j.unackedBytes(), "after everything was acknowledged: exact");
            j.acknowledge(105);
            assertQueued(recordBytes(106, 110), j, "part of the new ones acknowledged");
        }
        try (Journal j = Journal.open(dir, 1 << 20)) {
            assertQueued(recordBytes(106, 110), j, "reopened");
            j.acknowledge(108);
            assertQueued(recordBytes(109, 110), j, "reopened, then acknowledged");
            j.restartAt(110);
            assertEquals(0, j.unackedBytes(), "restarted");
            j.append(large(111));
            assertEquals(recordBytes(111, 111), j.unackedBytes());
        }
    }

    @Test
    void readsBackWhatWasAppendedAcrossSegments() throws IOException {
        try (Journal j = Journal.open(dir, SEGMENT)) {
            appendRange(j, 1, 100);
            assertTrue(segmentFiles().size() > 3, "several segments");
            try (Journal.Reader r = j.reader(1)) {
                for (long s = 1; s <= 100; s++) {
                    assertEquals(op(s), r.next());
                }
                assertFalse(r.hasNext());
                j.append(op(101));
                assertTrue(r.hasNext(), "a reader sees later appends");
                assertEquals(op(101), r.next());
            }
            try (Journal.Reader r = j.reader(57)) {
                assertEquals(op(57), r.next(), "reading can start anywhere after the acked point");
            }
        }
    }

    @Test
    void recordsOfEverySizeReadBackAlikeFromTheSegmentsAndAfterReopening() throws IOException {
        // the buffers records are encoded into and read back through are reused and grow: a small
        // record after a large one must carry nothing of it, in the file or in what is read
        int[] sizes = {0, 10, 300 * 1024, 5, 2 * 1024 * 1024 + 17, 1, 70_000, 3};
        java.util.Random random = new java.util.Random(7);
        SequencedOp[] ops = new SequencedOp[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            byte[] data = new byte[sizes[i]];
            random.nextBytes(data);
            ops[i] = new SequencedOp(i + 1, i, new Op.Write(RelPath.of("f" + i), i * 4096L, data));
        }
        try (Journal j = Journal.open(dir, 1 << 20)) { // no memory budget: every op is read from disk
            for (SequencedOp op : ops) {
                j.append(op);
            }
            try (Journal.Reader r = j.reader(1)) {
                for (SequencedOp op : ops) {
                    assertEquals(op, r.next());
                }
            }
        }
        try (Journal j = Journal.open(dir, 1 << 20); Journal.Reader r = j.reader(1)) {
            assertEquals(sizes.length, j.recovery().records(), "every record is whole");
            assertEquals(null, j.recovery().damage());
            for (SequencedOp op : ops) {
                assertEquals(op, r.next());
            }
        }
    }

    @Test
    void opsBeyondTheMemoryBudgetSpillToDiskAndReadBackInOrder() throws IOException {
        long budget = 10 * 1024; // room for about 40 of these ops
        try (Journal j = Journal.open(dir, SEGMENT, budget)) {
            appendRange(j, 1, 200);
            assertTrue(j.memoryBytes() <= budget, "memory stays within its budget: " + j.memoryBytes());
            assertTrue(j.memoryOps() > 0 && j.memoryOps() < 200, "some in memory, the rest spilled");
            try (Journal.Reader r = j.reader(1)) {
                for (long s = 1; s <= 100; s++) {
                    assertEquals(op(s), r.next());
                }
                j.acknowledge(100);
                assertEquals(0, j.memoryOps(), "acknowledged ops leave memory");
                appendRange(j, 201, 220);
                assertTrue(j.memoryOps() > 0, "freed memory takes new ops again");
                for (long s = 101; s <= 220; s++) {
                    assertEquals(op(s), r.next(), "mixed memory and disk reads keep the order");
                }
            }
        }
    }

    @Test
    void acknowledgementDeletesSegmentsNoLongerNeededAndSurvivesReopen() throws IOException {
        try (Journal j = Journal.open(dir, SEGMENT)) {
            appendRange(j, 1, 100);
            int before = segmentFiles().size();
            j.acknowledge(60);
            assertTrue(segmentFiles().size() < before);
            assertEquals(40, j.pendingOps());
            assertThrows(IllegalArgumentException.class, () -> j.reader(60));
            assertThrows(IllegalArgumentException.class, () -> j.acknowledge(1000));
        }
        try (Journal j = Journal.open(dir, SEGMENT)) {
            assertEquals(60, j.acked());
            assertEquals(100, j.lastSeq());
            assertFalse(j.recovery().damaged());
            try (Journal.Reader r = j.reader(61)) {
                assertEquals(op(61), r.next());
            }
            j.append(op(101));
        }
    }

    @Test
    void aFullyAcknowledgedJournalContinuesItsSequence() throws IOException {
        try (Journal j = Journal.open(dir, SEGMENT)) {
            appendRange(j, 1, 50);
            j.acknowledge(50);
        }
        try (Journal j = Journal.open(dir, SEGMENT)) {
            assertEquals(50, j.lastSeq());
            j.append(op(51));
            assertThrows(IllegalArgumentException.class, () -> j.append(op(53)), "no gaps");
        }
    }

    @Test
    void aRestartDropsWhatWasNotAcknowledgedAndContinuesAfterTheGivenOp() throws IOException {
        try (Journal j = Journal.open(dir, SEGMENT)) {
            appendRange(j, 1, 80);
            j.acknowledge(30);
            assertThrows(IllegalArgumentException.class, () -> j.restartAt(79), "numbers never go back");
            j.restartAt(500);
            assertEquals(500, j.lastSeq());
            assertEquals(500, j.acked());
            assertEquals(0, j.pendingOps());
            assertEquals(0, j.diskBytes());
            appendRange(j, 501, 520);
        }
        try (Journal j = Journal.open(dir, SEGMENT)) {
            assertFalse(j.recovery().damaged());
            assertEquals(520, j.lastSeq());
            assertEquals(500, j.acked());
            try (Journal.Reader r = j.reader(501)) {
                for (long s = 501; s <= 520; s++) {
                    assertEquals(op(s), r.next());
                }
                assertFalse(r.hasNext());
            }
        }
    }

    @Test
    void aRestartCutShortByACrashLeavesOldSegmentsThatOpeningDrops() throws IOException {
        try (Journal j = Journal.open(dir, SEGMENT)) {
            appendRange(j, 1, 80);
        }
        AckedFile.write(dir, 200); // the restart wrote its new point, then the process died
        try (Journal j = Journal.open(dir, SEGMENT)) {
            assertFalse(j.recovery().damaged());
            assertEquals(200, j.lastSeq());
            assertEquals(0, j.diskBytes(), "the old ops are gone");
            appendRange(j, 201, 210);
        }
        try (Journal j = Journal.open(dir, SEGMENT)) {
            assertFalse(j.recovery().damaged(), "new ops do not follow old ones in one segment");
            assertEquals(210, j.lastSeq());
            try (Journal.Reader r = j.reader(201)) {
                assertEquals(op(201), r.next());
            }
        }
    }

    @Test
    void aRecordCutShortAtTheEndIsDroppedWithoutDamage() throws IOException {
        try (Journal j = Journal.open(dir, SEGMENT)) {
            appendRange(j, 1, 30);
        }
        Path last = segmentFiles().get(segmentFiles().size() - 1);
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10);
        }
        try (Journal j = Journal.open(dir, SEGMENT)) {
            assertFalse(j.recovery().damaged(), String.valueOf(j.recovery()));
            assertTrue(j.recovery().tornTailBytes() > 0);
            assertEquals(29, j.lastSeq());
            j.append(op(30));
        }
        try (Journal j = Journal.open(dir, SEGMENT); Journal.Reader r = j.reader(1)) {
            for (long s = 1; s <= 30; s++) {
                assertEquals(op(s), r.next());
            }
        }
    }

    @Test
    void aFlippedByteInTheMiddleIsReportedAsDamage() throws IOException {
        try (Journal j = Journal.open(dir, SEGMENT)) {
            appendRange(j, 1, 100);
        }
        Path middle = segmentFiles().get(1);
        byte[] bytes = Files.readAllBytes(middle);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(middle, bytes);
        try (Journal j = Journal.open(dir, SEGMENT)) {
            assertTrue(j.recovery().damaged());
            assertNotNull(j.recovery().damage());
            assertTrue(j.lastSeq() < 100);
            try (Journal.Reader r = j.reader(1)) {
                for (long s = 1; s <= j.lastSeq(); s++) {
                    assertEquals(op(s), r.next(), "the valid prefix stays readable");
                }
            }
        }
    }

    @Test
    void aDamagedAckedFileIsAnErrorThatSaysWhatToDo() throws IOException {
        try (Journal j = Journal.open(dir, SEGMENT)) {
            appendRange(j, 1, 3);
            j.acknowledge(2);
        }
        Files.write(dir.resolve("acked"), new byte[] {1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> Journal.open(dir, SEGMENT));
        assertTrue(e.getMessage().contains("resynchronisation"), e.getMessage());
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }
}
