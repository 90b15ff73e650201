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
import io.doppel.engine.internal.codec.OpCodec;
import io.doppel.engine.internal.codec.SequencedOp;

/** MINA codec for replication frames; lengths are checked before anything is allocated. */
public final class FrameCodec implements ProtocolCodecFactory {

    private final ProtocolEncoder encoder = new ProtocolEncoderAdapter() {
        @Override
        public void encode(IoSession session, Object message, ProtocolEncoderOutput out) {
            // Senders that must know a frame's size on the wire (bandwidth limits) pass it encoded.
            if (message instanceof Encoded e) {
                // the TLS filter seals a frame in pieces whole, under its lock, so that no other
                // write lands between them; without it (never in the product) they are joined
                boolean sealedWhole = e.pieces().length > 1 && session.getFilterChain().get(TlsFilter.class) != null;
                out.write(sealedWhole ? e : IoBuffer.wrap(e.pieces().length == 1 ? e.pieces()[0] : ByteBuffer.wrap(e.bytes())));
                return;
            }
            out.write(IoBuffer.wrap(message instanceof byte[] encoded ? encoded : encodeFrame((Frame) message)));
        }
    };

    /**
     * A frame encoded in pieces that travel in this order: the large data of writes go as the
     * arrays they are in, not copied into the frame. {@code length} is the frame's size on the wire.
     */
    public record Encoded(ByteBuffer[] pieces, int length) {
        public static Encoded of(byte[] frame) {
            return new Encoded(new ByteBuffer[] {ByteBuffer.wrap(frame)}, frame.length);
        }

        /** The frame as one array (a copy when it is in several pieces). */
        public byte[] bytes() {
            if (pieces.length == 1 && pieces[0].hasArray() && pieces[0].arrayOffset() == 0
                    && pieces[0].position() == 0 && pieces[0].remaining() == pieces[0].array().length) {
                return pieces[0].array();
            }
            ByteBuffer all = ByteBuffer.allocate(length);
            for (ByteBuffer p : pieces) {
                all.put(p.duplicate());
            }
            return all.array();
        }
    }

    /** Write data of at least this many bytes travel as their own piece of a frame. */
    static final int OWN_PIECE = 64 * 1024;

    /**
     * An {@link Frame.Ops} frame in pieces: what is not the data of a large write is encoded into
     * one array, and each large write's data goes as the array it is in. The bytes on the wire are
     * those of {@link #encodeFrame}.
     */
    public static Encoded encodeInPieces(Frame.Ops ops) {
        int body = Frame.opsBodySize(ops);
        int own = 0;
        int large = 0;
        for (SequencedOp op : ops.ops()) {
            if (op.op() instanceof io.doppel.api.op.Op.Write w && w.data().length >= OWN_PIECE) {
                own += w.data().length;
                large++;
            }
        }
        if (large == 0) {
            return Encoded.of(encodeFrame(ops));
        }
        byte[] rest = new byte[5 + body - own];
        ByteBuffer b = ByteBuffer.wrap(rest).putInt(body + 1).put((byte) Frame.type(ops)).putInt(ops.ops().size());
        ByteBuffer[] pieces = new ByteBuffer[2 * large + 1];
        int n = 0;
        int from = 0;
        for (SequencedOp op : ops.ops()) {
            int size = OpCodec.size(op);
            b.putInt(size);
            if (op.op() instanceof io.doppel.api.op.Op.Write w && w.data().length >= OWN_PIECE) {
                OpCodec.encodeAllButData(op, b);
                pieces[n++] = ByteBuffer.wrap(rest, from, b.position() - from).slice();
                pieces[n++] = ByteBuffer.wrap(w.data());
                from = b.position();
            } else {
                OpCodec.encode(op, b);
            }
        }
        if (b.position() > from) {
            pieces[n++] = ByteBuffer.wrap(rest, from, b.position() - from).slice();
        }
        return new Encoded(n == pieces.length ? pieces : java.util.Arrays.copyOf(pieces, n), 5 + body);
    }

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
     *
     * <p>Decoding a frame copies all it keeps (an op's data, a text), so once a frame is decoded its
     * array serves the next one: a connection that carries 1 MiB batches grows one array once instead
     * of allocating, zeroing and growing one per frame. The array kept between frames is softly
     * reachable (an idle connection gives it back when the heap needs it) and at most
     * {@link #KEEP_AT_MOST} bytes; it came from a frame the peer sent whole, so what a connection
     * holds stays within twice what its peer sent.
     */
    static final class FrameDecoder extends ProtocolDecoderAdapter {
        /** What a frame's array starts with before its bytes arrive. */
        static final int FIRST_CHUNK = 64 * 1024;
        /** The largest array kept for the next frame (a batch of ops is about 1 MiB). */
        static final int KEEP_AT_MOST = 4 * 1024 * 1024;
        private final ByteBuffer header = ByteBuffer.allocate(5);
        /** The array of the frame being read; null between frames. */
        private byte[] body;
        /** The last decoded frame's array, for the next frame. */
        private java.lang.ref.SoftReference<byte[]> spare;
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
                    body = arrayFor(Math.min(length, Math.max(FIRST_CHUNK, in.remaining())));
                    filled = 0;
                }
                int n = Math.min(in.remaining(), length - filled);
                if (filled + n > body.length) {
                    byte[] grown = new byte[Math.min(length, Math.max(filled + n, 2 * body.length))];
                    System.arraycopy(body, 0, grown, 0, filled);
                    body = grown;
                }
                in.get(body, filled, n);
                filled += n;
                if (filled == length) {
                    int type = header.get(4) & 0xff;
                    byte[] complete = body;
                    body = null;
                    header.clear();
                    try {
                        out.write(Frame.decode(type, ByteBuffer.wrap(complete, 0, length)));
                    } catch (CodecException e) {
                        throw new ProtocolDecoderException(e.getMessage());
                    }
                    keep(complete);
                }
            }
        }

        /** An array of at least {@code first} bytes for a new frame: the spare if it is large enough. */
        private byte[] arrayFor(int first) {
            byte[] kept = spare == null ? null : spare.get();
            spare = null; // one array per connection at a time
            return kept != null && kept.length >= first ? kept : new byte[first];
        }

        /** Keeps a decoded frame's array for the next frame, unless it is larger than is worth keeping. */
        private void keep(byte[] decoded) {
            spare = decoded.length > KEEP_AT_MOST ? null : new java.lang.ref.SoftReference<>(decoded);
        }

        /** Bytes held for the frame being read (tests check it against what arrived). */
        int held() {
            byte[] kept = spare == null ? null : spare.get();
            return body != null ? body.length : kept != null ? kept.length : 0;
        }
    }
}
