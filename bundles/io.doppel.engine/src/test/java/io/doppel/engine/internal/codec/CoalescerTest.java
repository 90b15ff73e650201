package io.doppel.engine.internal.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

class CoalescerTest {

    private static RelPath p(String path) {
        return RelPath.of(path);
    }

    /** Numbers ops 1, 2, 3, … as a journal would. */
    private static List<SequencedOp> numbered(Op... ops) {
        List<SequencedOp> out = new ArrayList<>();
        for (Op op : ops) {
            out.add(new SequencedOp(out.size() + 1, 1000 + out.size(), op));
        }
        return out;
    }

    private static Op.Write write(String path, long offset, String data) {
        return new Op.Write(p(path), offset, data.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void contiguousWritesBecomeOneWriteStandingForTheirRun() {
        Op[] ops = new Op[100];
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < ops.length; i++) {
            String chunk = String.format("%016d", i);
            ops[i] = write("f", i * 16L, chunk);
            all.append(chunk);
        }
        List<SequencedOp> out = Coalescer.coalesce(numbered(ops), 1 << 20);
        assertEquals(1, out.size());
        assertEquals(1, out.get(0).seq());
        assertEquals(100, out.get(0).lastSeq());
        assertEquals(1099, out.get(0).capturedAtMicros(), "the run carries its newest capture time");
        assertEquals(write("f", 0, all.toString()), out.get(0).op());
    }

    @Test
    void overlappingWritesKeepTheLaterBytesAndTheWholeExtent() {
        List<SequencedOp> out = Coalescer.coalesce(numbered(write("f", 10, "aaaaaaaa"), write("f", 14, "bbbbbbbb"),
                write("f", 8, "cc"), write("f", 12, "d")), 1 << 20);
        assertEquals(List.of(new SequencedOp(1, 4, 1003, write("f", 8, "ccaadabbbbbbbb"))), out);
    }

    @Test
    void writesWithAHoleBetweenThemStayApart() {
        List<SequencedOp> out = Coalescer.coalesce(numbered(write("f", 0, "ab"), write("f", 3, "cd")), 1 << 20);
        assertEquals(2, out.size(), "the byte between them is not known here");
    }

    @Test
    void aMergedWriteStaysWithinTheLimit() {
        Op[] ops = new Op[10];
        for (int i = 0; i < ops.length; i++) {
            ops[i] = write("f", i * 100L, "x".repeat(100));
        }
        List<SequencedOp> out = Coalescer.coalesce(numbered(ops), 250);
        assertEquals(5, out.size());
        for (SequencedOp s : out) {
            assertEquals(200, ((Op.Write) s.op()).data().length);
            assertEquals(s.seq() + 1, s.lastSeq());
        }
        assertEquals(10, Coalescer.coalesce(numbered(ops), 99).size(), "an op larger than the limit stays whole");
    }

    @Test
    void nothingMergesAcrossAnotherOp() {
        Op w = write("f", 0, "x");
        Op w2 = write("f", 1, "y");
        for (Op between : new Op[] {new Op.Fsync(p("f")), new Op.Rename(p("f"), p("g"), Op.RenameMode.REPLACE),
                new Op.Unlink(p("g")), new Op.Link(p("f"), p("h")), new Op.Truncate(p("f"), 1), write("other", 0, "z"),
                new Op.SetMode(p("f"), 0600), new Op.Fsync(p(""))}) {
            assertEquals(3, Coalescer.coalesce(numbered(w, between, w2), 1 << 20).size(), "across " + between);
        }
        Op chmodA = new Op.SetMode(p("a"), 0600);
        assertEquals(3, Coalescer.coalesce(numbered(chmodA, new Op.SetMode(p("b"), 0600), chmodA), 1 << 20).size());
        assertEquals(3, Coalescer.coalesce(numbered(chmodA, new Op.Fsync(p("a")), chmodA), 1 << 20).size());
        assertEquals(2, Coalescer.coalesce(numbered(new Op.SetOwner(p("a"), 1, 1), chmodA), 1 << 20).size(),
                "chown and chmod do not commute (chown clears setuid)");
    }

    @Test
    void repeatedAttributeChangesKeepTheLastValues() {
        assertEquals(List.of(new SequencedOp(1, 3, 1002, new Op.SetMode(p("a"), 0640))),
                Coalescer.coalesce(numbered(new Op.SetMode(p("a"), 0600), new Op.SetMode(p("a"), 0755),
                        new Op.SetMode(p("a"), 0640)), 1 << 20));
        assertEquals(new Op.SetOwner(p("a"), 5, 7), Coalescer.coalesce(numbered(new Op.SetOwner(p("a"), 5, 1),
                new Op.SetOwner(p("a"), Op.NO_OWNER, 7)), 1 << 20).get(0).op());
        assertEquals(new Op.SetTimes(p("a"), 1, 2), Coalescer.coalesce(numbered(new Op.SetTimes(p("a"), 1, 9),
                new Op.SetTimes(p("a"), Op.TIME_OMIT, 2)), 1 << 20).get(0).op());
    }

    @Test
    void singleOpsAndOtherKindsPassUntouched() {
        List<SequencedOp> in = numbered(new Op.Create(p("f"), 0644, -1, -1), write("f", 0, "a"),
                new Op.Fsync(p("f")), new Op.Rename(p("f"), p("g"), Op.RenameMode.REPLACE));
        assertEquals(in, Coalescer.coalesce(in, 1 << 20));
    }

    @Test
    void aRunTravelsInItsOwnRecordFormat() throws CodecException {
        SequencedOp run = new SequencedOp(7, 42, 123, write("dir/f", 5, "hello"));
        byte[] encoded = OpCodec.encode(run);
        assertEquals(OpCodec.RUN_FORMAT, encoded[0]);
        assertEquals(OpCodec.size(new SequencedOp(7, 123, run.op())) + 8, encoded.length);
        assertEquals(run, OpCodec.decode(encoded));
        SequencedOp single = new SequencedOp(7, 123, run.op());
        assertEquals(OpCodec.FORMAT, OpCodec.encode(single)[0], "single ops keep the journal's format");
        assertEquals(single, OpCodec.decode(OpCodec.encode(single)));
    }

    @Test
    void aRunOfAnOpThatDoesNotOverwriteOrOneEndingBeforeItStartsIsRefused() {
        byte[] rename = OpCodec.encode(new SequencedOp(7, 9, 0, new Op.Rename(p("a"), p("b"), Op.RenameMode.REPLACE)));
        assertThrows(CodecException.class, () -> OpCodec.decode(rename));
        byte[] backwards = OpCodec.encode(new SequencedOp(7, 9, 0, write("f", 0, "x")));
        ByteBuffer.wrap(backwards).putLong(10, 7); // lastSeq == seq in the run format
        assertThrows(CodecException.class, () -> OpCodec.decode(backwards));
        assertTrue(Coalescer.coalescible(write("f", 0, "x")));
        assertThrows(IllegalArgumentException.class, () -> new SequencedOp(7, 6, 0, write("f", 0, "x")));
    }
}
