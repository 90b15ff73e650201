package io.doppel.engine.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.codec.CodecException;
import io.doppel.engine.internal.codec.SequencedOp;
import io.doppel.engine.internal.fuzz.Fuzz;

class FrameTest {

    private static Frame.Ops batch(long first, int count) {
        List<SequencedOp> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ops.add(new SequencedOp(first + i, i, new Op.Write(RelPath.of("dir/f" + (i % 3)), i * 10L,
                    ("block " + i).repeat(20).getBytes())));
        }
        return new Frame.Ops(ops);
    }

    private static Frame roundTrip(Frame f) throws CodecException {
        byte[] body = Frame.body(f);
        return Frame.decode(Frame.type(f), ByteBuffer.wrap(body));
    }

    @Test
    void everyFrameRoundTrips() throws CodecException {
        assertEquals(new Frame.Hello(1, "job", "img"), roundTrip(new Frame.Hello(1, "job", "img")));
        assertEquals(new Frame.Resume(42), roundTrip(new Frame.Resume(42)));
        assertEquals(new Frame.Ack(9, 7), roundTrip(new Frame.Ack(9, 7)));
        assertEquals(new Frame.Heartbeat(5), roundTrip(new Frame.Heartbeat(5)));
        assertEquals(new Frame.Refused("HOSTILE", "no", 3), roundTrip(new Frame.Refused("HOSTILE", "no", 3)));
        assertEquals(batch(1, 50), roundTrip(batch(1, 50)));
        assertEquals(new Frame.StatRequest(3, 99, "a/b"), roundTrip(new Frame.StatRequest(3, 99, "a/b")));
        assertEquals(new Frame.Rebase(12), roundTrip(new Frame.Rebase(12)));
        assertEquals(new Frame.HeadRequest(-3), roundTrip(new Frame.HeadRequest(-3)));
        assertEquals(new Frame.HeadAnswer(8, 1L << 40), roundTrip(new Frame.HeadAnswer(8, 1L << 40)));
        assertThrows(CodecException.class, () -> Frame.decode(19, ByteBuffer.allocate(16).putLong(1).putLong(-1).flip()),
                "a negative head");
        Frame.Listing listing = new Frame.Listing(4, 100, true, List.of(
                new Frame.Listed("f", 'f', 0644, 1, 2, 10, 1_700_000_000_123_456_789L, "", 2, 77, -5),
                new Frame.Listed("l", 'l', 0777, 0, 0, 3, 5, "t", 1, 78, 0)), false, null);
        assertEquals(listing, roundTrip(listing));
    }

    @Test
    void batchedDigestsRoundTripAndHostileBatchesAreRefused() throws CodecException {
        Frame.SumsBatchRequest ask = new Frame.SumsBatchRequest(6, 40,
                List.of(new Frame.Wanted("usr/include/stdio.h", 65_536), new Frame.Wanted("ünï", 131_072)));
        assertEquals(ask, roundTrip(ask));
        Frame.SumsBatch answer = new Frame.SumsBatch(6, 41, List.of(
                new Frame.FileSums(70_000, 65_536, new byte[2 * Frame.DIGEST_BYTES], null),
                new Frame.FileSums(-1, 131_072, new byte[0], "cannot read"),
                new Frame.FileSums(0, 65_536, new byte[0], null)), null);
        assertEquals(answer, roundTrip(answer));
        Frame.SumsBatch refused = new Frame.SumsBatch(7, 3, List.of(), "not applied up to 9 yet");
        assertEquals(refused, roundTrip(refused));
        assertEquals(new Frame.SumsBatchRequest(1, 0, List.of(new Frame.Wanted("d/x", 4096))),
                Frame.decode(20, ByteBuffer.wrap(withPath("d/x"))));
        // a path that leaves the image, is absolute, empty (the root), has an empty component or a NUL
        for (String path : new String[] {"d/../../x", "..", "/etc/passwd", "", "d//x", "d/x\0"}) {
            byte[] hostile = withPath(path);
            assertThrows(CodecException.class, () -> Frame.decode(20, ByteBuffer.wrap(hostile)), "path '" + path + "'");
        }
        // an empty batch, a count beyond the limit or beyond the frame, a block size out of range
        assertThrows(CodecException.class, () -> roundTrip(new Frame.SumsBatchRequest(1, 0, List.of())));
        byte[] many = Frame.body(ask);
        ByteBuffer.wrap(many).putInt(16, Frame.MAX_BATCH + 1);
        assertThrows(CodecException.class, () -> Frame.decode(20, ByteBuffer.wrap(many)));
        byte[] past = Frame.body(ask);
        ByteBuffer.wrap(past).putInt(16, 1000);
        assertThrows(CodecException.class, () -> Frame.decode(20, ByteBuffer.wrap(past)));
        assertThrows(CodecException.class, () -> roundTrip(new Frame.SumsBatchRequest(1, 0,
                List.of(new Frame.Wanted("x", 1024)))));
        // digests that do not match the size they come with, and a count the frame cannot hold
        assertThrows(CodecException.class, () -> roundTrip(new Frame.SumsBatch(1, 0, List.of(
                new Frame.FileSums(200_000, 65_536, new byte[Frame.DIGEST_BYTES], null)), null)));
        assertThrows(CodecException.class, () -> roundTrip(new Frame.SumsBatch(1, 0, List.of(
                new Frame.FileSums(10, 0, new byte[Frame.DIGEST_BYTES], null)), null)));
        byte[] answers = Frame.body(refused);
        ByteBuffer.wrap(answers).putInt(answers.length - 4, Frame.MAX_BATCH);
        assertThrows(CodecException.class, () -> Frame.decode(21, ByteBuffer.wrap(answers)));
    }

    @Test
    void aQuestionForSumsCarriesItsWalksKeyAndNoOtherLength() throws CodecException {
        byte[] key = new byte[Frame.HASH_KEY_BYTES];
        new java.util.Random(5).nextBytes(key);
        Frame.SumsBatchRequest batch = new Frame.SumsBatchRequest(6, 40, List.of(new Frame.Wanted("a", 65_536)), key);
        Frame.SumsBatchRequest back = (Frame.SumsBatchRequest) roundTrip(batch);
        assertEquals(batch, back);
        assertArrayEquals(key, back.key());
        Frame.SumsRequest one = new Frame.SumsRequest(1, 2, "d/f", 4096, key);
        assertArrayEquals(key, ((Frame.SumsRequest) roundTrip(one)).key());
        assertEquals(0, ((Frame.SumsRequest) roundTrip(new Frame.SumsRequest(1, 2, "d/f", 4096))).key().length,
                "no key: SHA-256");
        assertFalse(Frame.body(one).length < Frame.body(new Frame.SumsRequest(1, 2, "d/f", 4096)).length + 16);
        assertFalse(one.toString().contains(java.util.HexFormat.of().formatHex(key)), "a key is not logged");
        // a key of another length, or one cut off by the frame's end
        byte[] odd = Frame.body(one);
        odd[odd.length - Frame.HASH_KEY_BYTES - 1] = 5;
        assertThrows(CodecException.class, () -> Frame.decode(10, ByteBuffer.wrap(odd)));
        byte[] cut = Arrays.copyOf(Frame.body(batch), Frame.body(batch).length - 3);
        assertThrows(CodecException.class, () -> Frame.decode(20, ByteBuffer.wrap(cut)));
    }

    /** A batch request for the one file {@code path}, written without the encoder's checks. */
    private static byte[] withPath(String path) {
        byte[] n = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + 8 + 4 + 2 + n.length + 4 + 1).putLong(1).putLong(0).putInt(1)
                .putShort((short) n.length).put(n).putInt(4096).put((byte) 0).array();
    }

    @Test
    void restoreQuestionsAndAnswersRoundTrip() throws CodecException {
        assertEquals(new Frame.ReadRequest(7, 3, "a/b", 1L << 33, Frame.MAX_READ),
                roundTrip(new Frame.ReadRequest(7, 3, "a/b", 1L << 33, Frame.MAX_READ)));
        Frame.Data data = (Frame.Data) roundTrip(new Frame.Data(7, 9, 100, new byte[] {1, 2, 3}, null));
        assertEquals(100, data.size());
        assertArrayEquals(new byte[] {1, 2, 3}, data.data());
        Frame.Data refused = (Frame.Data) roundTrip(new Frame.Data(8, 9, -1, new byte[0], "not a file"));
        assertEquals("not a file", refused.error());
        assertEquals(new Frame.XattrsRequest(4, 0, "x"), roundTrip(new Frame.XattrsRequest(4, 0, "x")));
        Frame.Xattrs x = (Frame.Xattrs) roundTrip(new Frame.Xattrs(4, 2, true,
                java.util.Map.of("user.a", new byte[] {9}, "user.b", new byte[0]), null));
        assertTrue(x.exists());
        assertEquals(java.util.List.of("user.a", "user.b"), java.util.List.copyOf(x.values().keySet()));
        assertArrayEquals(new byte[] {9}, x.values().get("user.a"));
    }

    @Test
    void restoreFramesWithHostileFieldsAreRefused() {
        // a read larger than allowed, or at a negative offset
        byte[] tooBig = Frame.body(new Frame.ReadRequest(1, 0, "a", 0, 1));
        ByteBuffer.wrap(tooBig).putInt(tooBig.length - 4, Frame.MAX_READ + 1);
        assertThrows(CodecException.class, () -> Frame.decode(14, ByteBuffer.wrap(tooBig)));
        byte[] negative = Frame.body(new Frame.ReadRequest(1, 0, "a", 0, 1));
        ByteBuffer.wrap(negative).putLong(negative.length - 12, -5);
        assertThrows(CodecException.class, () -> Frame.decode(14, ByteBuffer.wrap(negative)));
        // data whose length field runs past the frame
        byte[] data = Frame.body(new Frame.Data(1, 0, 3, new byte[] {1, 2, 3}, null));
        ByteBuffer.wrap(data).putInt(data.length - 7, 1_000_000);
        assertThrows(CodecException.class, () -> Frame.decode(15, ByteBuffer.wrap(data)));
        // an attribute outside user.*, and a count that cannot fit
        byte[] system = Frame.body(new Frame.Xattrs(1, 0, true, java.util.Map.of("user.acl", new byte[] {1}), null));
        byte[] renamed = new String(system, java.nio.charset.StandardCharsets.ISO_8859_1).replace("user.acl", "syst.acl")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThrows(CodecException.class, () -> Frame.decode(17, ByteBuffer.wrap(renamed)));
        byte[] many = Frame.body(new Frame.Xattrs(1, 0, true, java.util.Map.of(), null));
        ByteBuffer.wrap(many).putInt(many.length - 4, Integer.MAX_VALUE);
        assertThrows(CodecException.class, () -> Frame.decode(17, ByteBuffer.wrap(many)));
    }

    @Test
    void compressedBatchesDecodeToTheSameOpsAndAreSmaller() throws CodecException {
        Frame.Ops ops = batch(100, 200);
        for (int level : new int[] {1, 6, 9}) {
            Frame.Compressed c = new Frame.Compressed(ops, level);
            assertEquals(ops, roundTrip(c), "level " + level);
            assertTrue(Frame.body(c).length < Frame.body(ops).length / 3, "compresses repetitive data");
        }
    }

    @Test
    void batchesMustBeConsecutive() {
        List<SequencedOp> ops = List.of(new SequencedOp(1, 0, new Op.Unlink(RelPath.of("a"))),
                new SequencedOp(3, 0, new Op.Unlink(RelPath.of("b"))));
        assertThrows(CodecException.class, () -> roundTrip(new Frame.Ops(ops)));
    }

    @Test
    void ackCannotClaimMoreDurableThanApplied() {
        byte[] body = ByteBuffer.allocate(16).putLong(5).putLong(6).array();
        assertThrows(CodecException.class, () -> Frame.decode(4, ByteBuffer.wrap(body)));
    }

    @Test
    void aDecompressionBombIsRefusedBeforeItExpands() {
        byte[] zeros = new byte[Frame.MAX_BODY];
        byte[] bomb = Deflate.compress(zeros, 9);
        assertTrue(bomb.length < 100_000);
        ByteBuffer.wrap(bomb).putInt(0, 1000); // lies: declares 1000 bytes
        assertThrows(CodecException.class, () -> Frame.decode(7, ByteBuffer.wrap(bomb)));
        byte[] huge = Deflate.compress(new byte[16], 1);
        ByteBuffer.wrap(huge).putInt(0, Integer.MAX_VALUE);
        assertThrows(CodecException.class, () -> Frame.decode(7, ByteBuffer.wrap(huge)));
    }

    @Test
    void randomAndMutatedFramesOnlyEverYieldCodecExceptions() {
        long seed = Fuzz.seed(1234);
        Random random = new Random(seed);
        List<byte[]> valid = new ArrayList<>();
        for (Frame f : new Frame[] {new Frame.Hello(1, "j", "i"), new Frame.Ack(3, 2), batch(1, 5),
                new Frame.Compressed(batch(1, 5), 6), new Frame.Refused("X", "m", 0),
                new Frame.ReadRequest(1, 0, "f", 0, 10), new Frame.Data(1, 0, 3, new byte[] {1, 2, 3}, null),
                new Frame.Xattrs(1, 0, true, java.util.Map.of("user.k", new byte[] {1}), null),
                new Frame.ListRequest(1, 0, "d", ""), new Frame.StatRequest(2, 0, "a/b"), new Frame.Rebase(4),
                new Frame.Listing(4, 100, true, List.of(new Frame.Listed("f", 'f', 0644, 1, 2, 10, 5, "", 2, 77, -5)),
                        false, null),
                new Frame.SumsRequest(1, 0, "f", 4096, new byte[Frame.HASH_KEY_BYTES]), new Frame.XattrsRequest(1, 0, "f"), new Frame.HeadRequest(5),
                new Frame.HeadAnswer(5, 77),
                new Frame.SumsBatchRequest(3, 1, List.of(new Frame.Wanted("a", 65_536), new Frame.Wanted("b", 4096))),
                new Frame.SumsBatch(3, 1, List.of(new Frame.FileSums(5, 4096, new byte[Frame.DIGEST_BYTES], null),
                        new Frame.FileSums(-1, 4096, new byte[0], "e")), null)}) {
            byte[] body = Frame.body(f);
            byte[] typed = new byte[body.length + 1];
            typed[0] = (byte) Frame.type(f);
            System.arraycopy(body, 0, typed, 1, body.length);
            valid.add(typed);
        }
        int inputs = Fuzz.inputs(300_000);
        long started = System.nanoTime();
        int decoded = 0;
        for (int i = 0; i < inputs; i++) {
            byte[] frame;
            if (i % 2 == 0) {
                frame = new byte[1 + random.nextInt(64)];
                random.nextBytes(frame);
                frame[0] = (byte) (1 + random.nextInt(21));
            } else {
                // structured mutations of valid frames; the type byte is kept most of the time
                frame = Fuzz.mutate(random, valid, random.nextInt(8) == 0 ? 0 : 1);
                if (frame.length == 0) {
                    continue;
                }
            }
            try {
                Frame.decode(frame[0] & 0xff, ByteBuffer.wrap(frame, 1, frame.length - 1).slice());
                decoded++;
            } catch (CodecException expected) {
                // the only acceptable failure
            } catch (RuntimeException | Error e) {
                throw new AssertionError("input " + i + " of seed " + seed + " (" + java.util.HexFormat.of()
                        .formatHex(frame, 0, Math.min(frame.length, 256)) + ") threw " + e, e);
            }
        }
        Fuzz.report("frames", inputs, decoded, started);
        assertTrue(decoded > 0, "some mutations stay valid (e.g. in data bytes)");
    }
}
