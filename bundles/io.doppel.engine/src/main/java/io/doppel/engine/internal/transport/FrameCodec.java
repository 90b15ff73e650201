package io.doppel.engine.internal.transport;

import java.nio.ByteBuffer;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.ProtocolCodecFactory;
import org.apache.mina.filter.codec.ProtocolDecoder;
import org.apache.mina.filter.codec.ProtocolDecoderAdapter;
import org.apache.mina.filter.codec.ProtocolDecoderException;
import org.apache.mina.filter.codec.ProtocolDecoderOutput;
import org.apache.mina.filter.codec.ProtocolEncoder;
import org.apache.mina.filter.codec.ProtocolEncoderAdapter;
import org.apache.mina.filter.codec.ProtocolEncoderOutput;

import io.doppel.engine.internal.codec.CodecException;

/** MINA codec for replication frames; lengths are checked before anything is allocated. */
public final class FrameCodec implements ProtocolCodecFactory {

    private final ProtocolEncoder encoder = new ProtocolEncoderAdapter() {
        @Override
        public void encode(IoSession session, Object message, ProtocolEncoderOutput out) {
            // Senders that must know a frame's size on the wire (bandwidth limits) pass it encoded.
            out.write(IoBuffer.wrap(message instanceof byte[] encoded ? encoded : encodeFrame((Frame) message)));
        }
    };

    public static byte[] encodeFrame(Frame frame) {
        if (frame instanceof Frame.Ops ops) {
            // the bulk of the stream: encoded in place, without an intermediate body array
            int body = Frame.opsBodySize(ops);
            ByteBuffer b = ByteBuffer.allocate(5 + body).putInt(body + 1).put((byte) Frame.type(frame));
            Frame.encodeOps(ops, b);
            return b.array();
        }
        byte[] body = Frame.body(frame);
        return ByteBuffer.allocate(5 + body.length).putInt(body.length + 1).put((byte) Frame.type(frame)).put(body)
                .array();
    }

    @Override
    public ProtocolEncoder getEncoder(IoSession session) {
        return encoder;
    }

    private static final String DECODER = FrameCodec.class.getName() + ".decoder";

    @Override
    public ProtocolDecoder getDecoder(IoSession session) {
        // MINA asks for the decoder on every read: a frame being read is per-session state
        Object existing = session.getAttribute(DECODER);
        if (existing != null) {
            return (ProtocolDecoder) existing;
        }
        FrameDecoder decoder = new FrameDecoder();
        session.setAttribute(DECODER, decoder);
        return decoder;
    }

    /**
     * Reads frames straight into an array of the frame's size. (MINA's CumulativeProtocolDecoder
     * compacts its whole accumulated buffer on every incomplete read: with 16 KiB TLS records and
     * 1 MiB frames that copied each byte about 32 times and was the receiver's bottleneck.) The
     * array grows with the bytes that arrive, at most doubling: a peer that announces a 32 MiB
     * frame and then stalls holds what it sent, not what it announced.
     */
    static final class FrameDecoder extends ProtocolDecoderAdapter {
        /** What a frame's array starts with before its bytes arrive. */
        static final int FIRST_CHUNK = 64 * 1024;
        private final ByteBuffer header = ByteBuffer.allocate(5);
        private byte[] body;
        private int length;
        private int filled;

        @Override
        public void decode(IoSession session, IoBuffer in, ProtocolDecoderOutput out) throws Exception {
            while (in.hasRemaining()) {
                if (body == null) {
                    while (header.hasRemaining() && in.hasRemaining()) {
                        header.put(in.get());
                    }
                    if (header.hasRemaining()) {
                        return;
                    }
                    int announced = header.getInt(0);
                    if (announced < 1 || announced > Frame.MAX_BODY + 1) {
                        throw new ProtocolDecoderException("frame length " + Integer.toUnsignedString(announced)
                                + " outside 1.." + (Frame.MAX_BODY + 1));
                    }
                    length = announced - 1;
                    body = new byte[Math.min(length, Math.max(FIRST_CHUNK, in.remaining()))];
                    filled = 0;
                }
                int n = Math.min(in.remaining(), length - filled);
                if (filled + n > body.length) {
                    body = java.util.Arrays.copyOf(body, Math.min(length, Math.max(filled + n, 2 * body.length)));
                }
                in.get(body, filled, n);
                filled += n;
                if (filled == length) {
                    int type = header.get(4) & 0xff;
                    byte[] complete = body;
                    body = null;
                    header.clear();
                    try {
                        out.write(Frame.decode(type, ByteBuffer.wrap(complete)));
                    } catch (CodecException e) {
                        throw new ProtocolDecoderException(e.getMessage());
                    }
                }
            }
        }

        /** Bytes held for the frame being read (tests check it against what arrived). */
        int held() {
            return body == null ? 0 : body.length;
        }
    }
}
