package io.doppel.engine.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.DummySession;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.AbstractProtocolDecoderOutput;
import org.apache.mina.filter.codec.ProtocolDecoderException;
import org.junit.jupiter.api.Test;

import io.doppel.engine.internal.fuzz.Fuzz;

/**
 * The replication handshake as the wire carries it after TLS: a source's {@code Hello} (with the
 * heartbeats it sends while it waits) and a target's {@code Resume} or {@code Refused}, each a
 * length-prefixed frame, cut into reads at random and decoded by the receiver's own streaming
 * decoder, then checked as the target checks a hello. Random and structurally mutated wires
 * (length headers and text lengths edited, truncated, spliced) only ever give protocol errors, the
 * decoder never holds much more than it was sent, whatever length a frame announces, and a hello
 * the target accepts can only name one directory below the images.
 */
class HandshakeFuzzTest {

    private static final class Collected extends AbstractProtocolDecoderOutput {
        List<Object> take() {
            List<Object> all = new ArrayList<>(messageQueue);
            messageQueue.clear();
            return all;
        }
    }

    private static byte[] wire(Frame... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame f : frames) {
            out.writeBytes(FrameCodec.encodeFrame(f));
        }
        return out.toByteArray();
    }

    static List<byte[]> validHandshakes() {
        return List.of(
                wire(new Frame.Hello(Frame.PROTOCOL, "job", "image")),
                wire(new Frame.Hello(Frame.PROTOCOL, "nightly.db", "pg_main-1", true)),
                wire(new Frame.Hello(5, "j", "i"), new Frame.Heartbeat(1_700_000_000_000L)),
                wire(new Frame.Heartbeat(1), new Frame.Hello(Frame.PROTOCOL, "a".repeat(64), "b"),
                        new Frame.Heartbeat(2, 77)),
                wire(new Frame.Resume(0)),
                wire(new Frame.Resume(123_456_789L), new Frame.Heartbeat(3)),
                wire(new Frame.Refused("AUTH_FAILED", "the source presented no usable certificate", 0)),
                wire(new Frame.Refused("PROTOCOL_VERSION", "this target speaks replication protocol 6, not 5", 0)),
                wire(new Frame.Refused("BUSY", "image self/x is already being fed by another connection", 9)));
    }

    @Test
    void randomAndMutatedHandshakesYieldOnlyProtocolErrorsAndBoundedBuffers() throws Exception {
        long seed = Fuzz.seed(6);
        Random random = new Random(seed);
        List<byte[]> valid = validHandshakes();
        Path images = Path.of("/images/source");
        IoSession session = new DummySession();
        int inputs = Fuzz.inputs(200_000);
        long started = System.nanoTime();
        long frames = 0;
        long hellosAccepted = 0;
        long refusedByDecoder = 0;
        for (int i = 0; i < inputs; i++) {
            byte[] wire;
            switch (i % 4) {
                case 0 -> wire = Fuzz.random(random, 96);
                case 1 -> { // a plausible header in front of random bytes
                    byte[] junk = Fuzz.random(random, 90);
                    wire = ByteBuffer.allocate(5 + junk.length).putInt(random.nextInt(8) == 0 ? random.nextInt()
                            : 1 + junk.length + random.nextInt(3) - 1).put((byte) (1 + random.nextInt(6))).put(junk)
                            .array();
                }
                default -> wire = Fuzz.mutate(random, valid, 0);
            }
            FrameCodec.FrameDecoder decoder = new FrameCodec.FrameDecoder();
            Collected out = new Collected();
            int fed = 0;
            try {
                while (fed < wire.length) {
                    int n = Math.min(wire.length - fed, 1 + random.nextInt(random.nextBoolean() ? 8 : wire.length));
                    IoBuffer in = IoBuffer.wrap(wire, fed, n);
                    decoder.decode(session, in, out);
                    assertEquals(0, in.remaining(), "a read is consumed whole");
                    fed += n;
                    assertTrue(decoder.held() <= Math.max(FrameCodec.FrameDecoder.FIRST_CHUNK, 2 * fed),
                            "holds " + decoder.held() + " bytes after " + fed + " were sent");
                    for (Object frame : out.take()) {
                        frames++;
                        if (frame instanceof Frame.Hello h && Handshake.check(h) == null) {
                            hellosAccepted++;
                            Path image = images.resolve(h.job()).resolve(h.image()).normalize();
                            assertEquals(images, image.getParent().getParent(), "hello " + h + " escapes");
                        }
                    }
                }
            } catch (ProtocolDecoderException expected) {
                refusedByDecoder++; // the only acceptable failure: the receiver closes that connection
            } catch (Exception | Error e) {
                throw new AssertionError("input " + i + " of seed " + seed + " (" + HexFormat.of().formatHex(wire, 0,
                        Math.min(wire.length, 256)) + ") threw " + e, e);
            }
        }
        Fuzz.report("handshake", inputs, frames, started);
        System.out.printf("fuzz handshake: %,d hellos accepted by the target's checks, %,d wires refused%n",
                hellosAccepted, refusedByDecoder);
        assertTrue(hellosAccepted > 0 && refusedByDecoder > 0, "the mutations reach both outcomes");
    }

    @Test
    void aPeerAnnouncingTheLargestFrameHoldsOnlyWhatItSent() throws Exception {
        FrameCodec.FrameDecoder decoder = new FrameCodec.FrameDecoder();
        Collected out = new Collected();
        byte[] header = ByteBuffer.allocate(5 + 100).putInt(Frame.MAX_BODY + 1).put((byte) 3).array();
        decoder.decode(new DummySession(), IoBuffer.wrap(header), out);
        assertEquals(FrameCodec.FrameDecoder.FIRST_CHUNK, decoder.held(), "not 32 MiB for 100 bytes");
        byte[] more = new byte[1024 * 1024];
        decoder.decode(new DummySession(), IoBuffer.wrap(more), out);
        assertTrue(decoder.held() <= 2 * (more.length + 100), "grows with what arrives: " + decoder.held());
        assertTrue(out.take().isEmpty());
    }
}
