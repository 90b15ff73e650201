package io.doppel.agent.internal.management;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.CumulativeProtocolDecoder;
import org.apache.mina.filter.codec.ProtocolCodecFactory;
import org.apache.mina.filter.codec.ProtocolDecoder;
import org.apache.mina.filter.codec.ProtocolDecoderOutput;
import org.apache.mina.filter.codec.ProtocolEncoder;
import org.apache.mina.filter.codec.ProtocolEncoderAdapter;
import org.apache.mina.filter.codec.ProtocolEncoderOutput;

import com.google.gson.JsonObject;

import io.doppel.management.protocol.Frames;

/**
 * MINA codec for management frames, sharing {@link Frames} with the blocking client. A length
 * outside the limits fails the decode before any buffer of that size exists.
 */
final class FrameCodec implements ProtocolCodecFactory {

    private final ProtocolEncoder encoder = new ProtocolEncoderAdapter() {
        @Override
        public void encode(IoSession session, Object message, ProtocolEncoderOutput out) {
            out.write(IoBuffer.wrap(Frames.encode((JsonObject) message)));
        }
    };

    @Override
    public ProtocolEncoder getEncoder(IoSession session) {
        return encoder;
    }

    @Override
    public ProtocolDecoder getDecoder(IoSession session) {
        return new CumulativeProtocolDecoder() {
            @Override
            protected boolean doDecode(IoSession s, IoBuffer in, ProtocolDecoderOutput out) throws Exception {
                if (in.remaining() < Frames.HEADER_BYTES) {
                    return false;
                }
                int start = in.position();
                int length = Frames.checkLength(in.getInt(start));
                if (in.remaining() < Frames.HEADER_BYTES + length) {
                    return false;
                }
                byte[] body = new byte[length];
                in.position(start + Frames.HEADER_BYTES);
                in.get(body);
                out.write(Frames.decodeBody(body));
                return true;
            }
        };
    }
}
