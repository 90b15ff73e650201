package io.doppel.engine.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.DummySession;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.AbstractProtocolDecoderOutput;
import org.apache.mina.filter.codec.ProtocolDecoder;
import org.apache.mina.filter.codec.ProtocolDecoderException;
import org.junit.jupiter.api.Test;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.codec.SequencedOp;

class FrameCodecTest {

    private static final class Collected extends AbstractProtocolDecoderOutput {
        List<Object> frames() {
            return new ArrayList<>(messageQueue);
        }
    }

    private static Frame.Ops bigBatch(long first, int count, int size, Random random) {
        List<SequencedOp> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            ops.add(new SequencedOp(first + i, 7, new Op.Write(RelPath.of("big.bin"), i * (long) size, data)));
        }
        return new Frame.Ops(ops);
    }

    @Test
    void framesCutAtAnyPointAcrossReadsDecodeWhole() throws Exception {
        Random random = new Random(42);
        List<Frame> sent = List.of(new Frame.Hello(1, "job", "img"), bigBatch(1, 1, 1024 * 1024, random),
                new Frame.Heartbeat(3), bigBatch(2, 3, 300_000, random), new Frame.Ack(4, 2),
                new Frame.Compressed(bigBatch(5, 2, 1000, random), 1));
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        for (Frame f : sent) {
            stream.write(FrameCodec.encodeFrame(f));
        }
        byte[] wire = stream.toByteArray();
        for (int maxChunk : new int[] {1, 7, 16 * 1024 + 29, 256 * 1024, wire.length}) {
            IoSession session = new DummySession();
            ProtocolDecoder decoder = new FrameCodec().getDecoder(session);
            Collected out = new Collected();
            for (int at = 0; at < wire.length; ) {
                int n = Math.min(wire.length - at, maxChunk == 1 ? 1 : 1 + random.nextInt(maxChunk));
                IoBuffer in = IoBuffer.wrap(wire, at, n);
                decoder.decode(session, in, out);
                assertEquals(0, in.remaining(), "a read is consumed whole");
                at += n;
            }
            List<Object> received = out.frames();
            assertEquals(sent.size(), received.size(), "chunks up to " + maxChunk);
            for (int i = 0; i < sent.size(); i++) {
                Frame expected = sent.get(i) instanceof Frame.Compressed c ? c.ops() : sent.get(i);
                assertEquals(expected, received.get(i), "frame " + i + " with chunks up to " + maxChunk);
            }
        }
    }

    /**
     * A decoded frame's array is read into again by the next frame: what the first frame decoded to
     * must own its bytes. Each frame arrives in reads of at most 16 KiB.
     */
    @Test
    void theNextFrameIsReadIntoTheArrayOfTheLastWithoutChangingWhatItDecodedTo() throws Exception {
        Random random = new Random(7);
        IoSession session = new DummySession();
        FrameCodec.FrameDecoder decoder = (FrameCodec.FrameDecoder) new FrameCodec().getDecoder(session);
        List<Frame> sent = new ArrayList<>();
        List<Object> received = new ArrayList<>();
        int[] heldAfter = new int[4];
        for (int i = 0; i < 4; i++) {
            Frame frame = bigBatch(1 + 4L * i, 4, 256 * 1024 - 100 * i, random); // each a little smaller
            sent.add(frame);
            byte[] wire = FrameCodec.encodeFrame(frame);
            Collected out = new Collected();
            for (int at = 0; at < wire.length; at += 16 * 1024) {
                decoder.decode(session, IoBuffer.wrap(wire, at, Math.min(16 * 1024, wire.length - at)), out);
            }
            received.addAll(out.frames());
            heldAfter[i] = decoder.held();
        }
        assertEquals(sent, received, "every frame as sent, after three more were read into its array");
        for (int i = 1; i < 4; i++) {
            assertEquals(heldAfter[0], heldAfter[i], "the first frame's array serves the smaller ones after it");
        }
    }

    /** Large writes' data travel as the arrays they are in, and the frame is byte for byte the same. */
    @Test
    void aFrameInPiecesIsTheSameFrameWithoutCopyingLargeData() throws Exception {
        Random random = new Random(9);
        List<SequencedOp> ops = new ArrayList<>();
        byte[][] data = {new byte[FrameCodec.OWN_PIECE], new byte[100], new byte[FrameCodec.OWN_PIECE - 1],
            new byte[700_000], new byte[FrameCodec.OWN_PIECE + 5]};
        for (int i = 0; i < data.length; i++) {
            random.nextBytes(data[i]);
            ops.add(new SequencedOp(1 + i, 7, new Op.Write(RelPath.of("dir/f" + i), 4096L * i, data[i])));
        }
        ops.add(new SequencedOp(1 + data.length, 7, new Op.Fsync(RelPath.of("dir/f0"))));
        for (List<SequencedOp> batch : List.of(ops, ops.subList(0, data.length), ops.subList(1, 3))) {
            Frame.Ops frame = new Frame.Ops(batch);
            FrameCodec.Encoded pieces = FrameCodec.encodeInPieces(frame);
            byte[] whole = FrameCodec.encodeFrame(frame);
            assertArrayEquals(whole, pieces.bytes(), "the same bytes");
            assertEquals(whole.length, pieces.length());
            List<byte[]> arrays = new ArrayList<>();
            for (java.nio.ByteBuffer p : pieces.pieces()) {
                assertTrue(p.hasRemaining(), "no empty piece");
                arrays.add(p.array());
            }
            for (SequencedOp o : batch) {
                if (o.op() instanceof Op.Write w) {
                    boolean own = arrays.stream().anyMatch(a -> a == w.data());
                    assertEquals(w.data().length >= FrameCodec.OWN_PIECE, own, "a write of " + w.data().length
                            + " bytes travels as its own array only from " + FrameCodec.OWN_PIECE + " bytes on");
                }
            }
        }
    }

    @Test
    void anArrayLargerThanWorthKeepingIsNotKept() throws Exception {
        IoSession session = new DummySession();
        FrameCodec.FrameDecoder decoder = (FrameCodec.FrameDecoder) new FrameCodec().getDecoder(session);
        Collected out = new Collected();
        byte[] wire = FrameCodec.encodeFrame(bigBatch(1, 1, FrameCodec.FrameDecoder.KEEP_AT_MOST + 1, new Random(3)));
        decoder.decode(session, IoBuffer.wrap(wire), out);
        assertEquals(1, out.frames().size());
        assertEquals(0, decoder.held(), "a frame beyond " + FrameCodec.FrameDecoder.KEEP_AT_MOST + " bytes leaves nothing held");
        byte[] small = FrameCodec.encodeFrame(new Frame.Ack(9, 9));
        decoder.decode(session, IoBuffer.wrap(small), out);
        assertEquals(small.length - 5, decoder.held(), "a small frame keeps an array of its size");
    }

    @Test
    void aLengthOutsideTheLimitIsRefusedBeforeAllocating() {
        IoSession session = new DummySession();
        ProtocolDecoder decoder = new FrameCodec().getDecoder(session);
        IoBuffer in = IoBuffer.wrap(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 3});
        assertThrows(ProtocolDecoderException.class, () -> decoder.decode(session, in, new Collected()));
        IoBuffer empty = IoBuffer.wrap(new byte[] {0, 0, 0, 0, 3});
        assertThrows(ProtocolDecoderException.class,
                () -> new FrameCodec().getDecoder(new DummySession()).decode(session, empty, new Collected()));
    }
}
