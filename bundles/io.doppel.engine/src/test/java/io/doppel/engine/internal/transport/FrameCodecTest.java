package io.doppel.engine.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
