package io.doppel.management.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;

class FramesTest {

    @Test
    void roundTripsAMessage() throws IOException {
        JsonObject m = Messages.request(7, "status", null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.write(out, m);
        assertEquals(m, Frames.read(new ByteArrayInputStream(out.toByteArray())));
    }

    @Test
    void refusesHostileLengthsBeforeAllocating() {
        for (int length : new int[] {-1, 0, 1, Frames.MAX_FRAME_BYTES + 1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            byte[] frame = ByteBuffer.allocate(8).putInt(length).putInt(0).array();
            assertThrows(ProtocolException.class, () -> Frames.read(new ByteArrayInputStream(frame)),
                    "length " + length);
        }
    }

    @Test
    void refusesBodiesThatAreNotOneJsonObject() {
        for (String body : new String[] {"[1,2]", "\"x\"", "{", "{\"a\":}", "nul", "{}{}", "[".repeat(100_000)}) {
            assertThrows(ProtocolException.class, () -> Frames.decodeBody(body.getBytes(StandardCharsets.UTF_8)),
                    body.length() > 20 ? body.substring(0, 20) : body);
        }
    }

    @Test
    void randomBytesNeverEscapeAsAnythingButProtocolErrors() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[random.nextInt(64)];
            random.nextBytes(junk);
            try {
                Frames.read(new ByteArrayInputStream(junk));
            } catch (IOException expected) {
                // ProtocolException or EOF: both are clean refusals
            }
        }
    }

    @Test
    void proofsDependOnTokenAndBothNonces() {
        byte[] token = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        String a = Messages.newNonce();
        String c = Messages.newNonce();
        assertNotEquals(a, c);
        String proof = Messages.clientProof(token, a, c);
        assertTrue(Messages.proofMatches(proof, Messages.clientProof(token, a, c)));
        assertFalse(Messages.proofMatches(proof, Messages.agentProof(token, a, c)));
        assertFalse(Messages.proofMatches(proof, Messages.clientProof(token, c, a)));
        assertFalse(Messages.proofMatches(proof, Messages.clientProof("x".repeat(32).getBytes(), a, c)));
        assertFalse(Messages.proofMatches(proof, null));
    }
}
