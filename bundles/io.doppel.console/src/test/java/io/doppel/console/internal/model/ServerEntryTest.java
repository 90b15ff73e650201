package io.doppel.console.internal.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.doppel.management.AgentAddress;

class ServerEntryTest {

    private static final String PAIRS = "5E:0C:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:01:02:03:04:05:06:07:08"
            + ":09:0A:0B:0C:0D:9A";

    @Test
    void aFingerprintIsKeptAsUpperCasePairsWhateverTheAdminTyped() {
        assertEquals(PAIRS, ServerEntry.normalise(PAIRS.toLowerCase()));
        assertEquals(PAIRS, ServerEntry.normalise(PAIRS.replace(":", "")));
        assertEquals(PAIRS, ServerEntry.normalise("  " + PAIRS + " "));
    }

    @Test
    void aWrongFingerprintIsRefusedWithWhatItShouldLookLike() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerEntry.normalise("5E:0C:11"));
        assertTrue(e.getMessage().contains("32 hexadecimal pairs"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerEntry.normalise(PAIRS.replace("5E", "5G")));
    }

    @Test
    void aBlankFingerprintMeansPinAtTheFirstConnection() {
        ServerEntry entry = new ServerEntry(AgentAddress.parse("127.0.0.1:7420"), Path.of("/t"), " ");
        assertNull(entry.fingerprint());
        assertEquals(PAIRS, entry.pinned(PAIRS.toLowerCase()).fingerprint());
    }
}
