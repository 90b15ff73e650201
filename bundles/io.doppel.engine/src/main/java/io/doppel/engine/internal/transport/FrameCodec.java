package io.doppel.engine.internal.transport;

import java.nio.ByteBuffer;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.CumulativeProtocolDecoder;
import org.apache.mina.filter.codec.ProtocolCodecFactory;
import org.apache.mina.filter.codec.ProtocolDecoder;
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
        byte[] body = Frame.body(frame);
        return ByteBuffer.allocate(5 + body.length).putInt(body.length + 1).put((byte) Frame.type(frame)).put(body)
                .array();
    }

    @Override
    public ProtocolEncoder getEncoder(IoSession session) {
        return encoder;
    }

    @Override
    public ProtocolDecoder getDecoder(IoSession session) {
        return new CumulativeProtocolDecoder() {
            @Override
            protected boolean doDecode(IoSession s, IoBuffer in, ProtocolDecoderOutput out) throws Exception {
                if (in.remaining() < 4) {
                    return false;
                }
                int start = in.position();
                int length = in.getInt(start);
                if (length < 1 || length > Frame.MAX_BODY + 1) {
                    throw new ProtocolDecoderException("frame length " + Integer.toUnsignedString(length)
                            + " outside 1.." + (Frame.MAX_BODY + 1));
                }
                if (in.remaining() < 4 + length) {
                    return false;
                }
                int type = in.get(start + 4) & 0xff;
                byte[] body = new byte[length - 1];
                in.position(start + 5);
                in.get(body);
                try {
                    out.write(Frame.decode(type, ByteBuffer.wrap(body)));
                } catch (CodecException e) {
                    throw new ProtocolDecoderException(e.getMessage());
                }
                return true;
            }
        };
    }
}
