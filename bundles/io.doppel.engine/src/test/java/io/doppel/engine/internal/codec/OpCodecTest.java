package io.doppel.engine.internal.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.fuzz.Fuzz;

class OpCodecTest {

    private static final RelPath A = RelPath.of("dir/a");
    private static final RelPath B = RelPath.of("dir/b é");

    static List<Op> everyKind() {
        return List.of(new Op.Create(A, 0644, 1000, 1000), new Op.Write(A, 1L << 40, new byte[] {1, 2, 3}),
                new Op.Truncate(A, 7), new Op.Unlink(A), new Op.Rename(A, B, Op.RenameMode.NOREPLACE),
                new Op.Rename(A, B, Op.RenameMode.EXCHANGE), new Op.Mkdir(A, 01777, -1, -1), new Op.Rmdir(A),
                new Op.Symlink(A, "../../etc/passwd", 0, 0), new Op.Link(A, B), new Op.SetMode(A, 04755),
                new Op.SetOwner(A, -1, 5), new Op.SetTimes(A, Op.TIME_OMIT, 1_700_000_000_123_456_789L),
                new Op.SetXattr(A, "system.posix_acl_access", new byte[] {2, 0, 0, 0}),
                new Op.RemoveXattr(A, "user.x"), new Op.Fallocate(A, 4096, 8192, true, true),
                new Op.Fsync(RelPath.ROOT));
    }

    @Test
    void roundTripsTheMirrorAndVerificationKinds() throws CodecException {
        for (Op op : List.of(new Op.Entry(A, Op.EntryType.SYMLINK, "t", 0, 1, 2), new Op.Remove(A),
                new Op.MoveAside(B, "20261122T101500Z"))) {
            SequencedOp s = new SequencedOp(7, 1L, op);
            byte[] bytes = OpCodec.encode(s);
            assertEquals(OpCodec.size(s), bytes.length, op.kind());
            assertEquals(s, OpCodec.decode(bytes), op.kind());
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Op.MoveAside(A, "../escape"), "a batch name cannot leave the aside area");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Op.MoveAside(RelPath.ROOT, "b"));
    }

    @Test
    void roundTripsEveryKind() throws CodecException {
        long seq = 1;
        for (Op op : everyKind()) {
            SequencedOp s = new SequencedOp(seq++, 123_456L, op);
            byte[] bytes = OpCodec.encode(s);
            assertEquals(OpCodec.size(s), bytes.length, op.kind());
            assertEquals(s, OpCodec.decode(bytes), op.kind());
        }
    }

    @Test
    void decodesConsecutiveOpsFromOneBuffer() throws CodecException {
        SequencedOp one = new SequencedOp(1, 0, new Op.Unlink(A));
        SequencedOp two = new SequencedOp(2, 0, new Op.Write(B, 0, new byte[100]));
        ByteBuffer b = ByteBuffer.allocate(OpCodec.size(one) + OpCodec.size(two));
        OpCodec.encode(one, b);
        OpCodec.encode(two, b);
        b.flip();
        assertEquals(one, OpCodec.decode(b));
        assertEquals(two, OpCodec.decode(b));
        assertTrue(!b.hasRemaining());
    }

    @Test
    void refusesHostilePathsOnTheWire() {
        for (String hostile : new String[] {"../x", "/etc/passwd", "a/../../b", "a\0b", "a//b", ".."}) {
            byte[] bytes = withRawPath(hostile);
            CodecException e = assertThrows(CodecException.class, () -> OpCodec.decode(bytes), hostile);
            assertTrue(e.getMessage().startsWith("refused path"), e.getMessage());
        }
    }

    @Test
    void refusesInvalidUtf8AndLyingLengths() {
        byte[] invalid = withRawPathBytes(new byte[] {(byte) 0xc3, (byte) 0x28});
        assertThrows(CodecException.class, () -> OpCodec.decode(invalid));
        byte[] write = OpCodec.encode(new SequencedOp(1, 0, new Op.Write(A, 0, new byte[4])));
        ByteBuffer.wrap(write).putInt(write.length - 8, Integer.MAX_VALUE); // data length field
        assertThrows(CodecException.class, () -> OpCodec.decode(write));
    }

    @Test
    void randomBytesOnlyEverYieldCodecExceptions() {
        long seed = Fuzz.seed(7);
        Random random = new Random(seed);
        int inputs = Fuzz.inputs(400_000) / 2;
        long started = System.nanoTime();
        int decoded = 0;
        for (int i = 0; i < inputs; i++) {
            byte[] junk = new byte[random.nextInt(80)];
            random.nextBytes(junk);
            if (junk.length > 0 && random.nextInt(4) != 0) {
                junk[0] = (byte) (1 + random.nextInt(2)); // get past the format byte most of the time
            }
            if (junk.length > 1 && random.nextBoolean()) {
                junk[1] = (byte) random.nextInt(20); // and often past the kind
            }
            try {
                OpCodec.decode(junk);
                decoded++;
            } catch (CodecException expected) {
                // the only acceptable failure
            } catch (RuntimeException | Error e) {
                throw new AssertionError("random input " + i + " of seed " + seed + " threw " + e, e);
            }
        }
        Fuzz.report("ops (random)", inputs, decoded, started);
    }

    @Test
    void mutatedValidOpsOnlyEverYieldCodecExceptionsOrValidOps() {
        long seed = Fuzz.seed(11);
        Random random = new Random(seed);
        List<byte[]> valid = new java.util.ArrayList<>();
        for (Op op : everyKind()) {
            valid.add(OpCodec.encode(new SequencedOp(1 + random.nextInt(1000), 0, op)));
        }
        for (Op op : List.of(new Op.Entry(A, Op.EntryType.FILE, null, 0644, 1, 2), new Op.Remove(A),
                new Op.MoveAside(B, "20261122T101500Z"))) {
            valid.add(OpCodec.encode(new SequencedOp(5, 0, op)));
        }
        int inputs = Fuzz.inputs(400_000) - Fuzz.inputs(400_000) / 2;
        long started = System.nanoTime();
        int decoded = 0;
        for (int i = 0; i < inputs; i++) {
            byte[] bytes = Fuzz.mutate(random, valid, 0);
            try {
                SequencedOp op = OpCodec.decode(bytes);
                assertEquals(null, RelPath.problemWith(op.op().path().value()));
                decoded++;
            } catch (CodecException expected) {
                // fine
            } catch (RuntimeException | Error e) {
                throw new AssertionError("mutated input " + i + " of seed " + seed + " (" + java.util.HexFormat.of()
                        .formatHex(bytes, 0, Math.min(bytes.length, 256)) + ") threw " + e, e);
            }
        }
        Fuzz.report("ops (mutated)", inputs, decoded, started);
    }

    @Test
    void writeDataIsCarriedExactly() throws CodecException {
        byte[] data = new byte[70_000];
        new Random(3).nextBytes(data);
        SequencedOp s = new SequencedOp(9, 1, new Op.Write(A, 5, data));
        assertArrayEquals(data, ((Op.Write) OpCodec.decode(OpCodec.encode(s)).op()).data());
    }

    private static byte[] withRawPath(String path) {
        return withRawPathBytes(path.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] withRawPathBytes(byte[] path) {
        ByteBuffer b = ByteBuffer.allocate(2 + 16 + 2 + path.length);
        b.put((byte) OpCodec.FORMAT).put((byte) 4).putLong(1).putLong(0).putShort((short) path.length).put(path);
        return b.array();
    }
}
