package io.doppel.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;

/** How {@code doppel settings set} turns KEY=VALUE words into the request's values. */
class SettingsCommandTest {

    @Test
    void oneValuePerKeyIsTextAndARepeatedKeyIsAList() throws CliException {
        JsonObject v = SettingsCommand.values(List.of("port=7421", "hosts=a", "hosts=b", "path=/x=y", "empty="));
        assertEquals("7421", v.get("port").getAsString());
        assertEquals(2, v.getAsJsonArray("hosts").size());
        assertEquals("/x=y", v.get("path").getAsString(), "only the first = separates key and value");
        assertEquals("", v.get("empty").getAsString());
    }

    @Test
    void wordsWithoutAKeyAreUsageErrors() {
        CliException e = assertThrows(CliException.class, () -> SettingsCommand.values(List.of("=3")));
        assertEquals(Exit.USAGE, e.exit());
        assertTrue(e.getMessage().contains("'=3' is not KEY=VALUE"), e.getMessage());
        assertEquals(Exit.USAGE, assertThrows(CliException.class, () -> SettingsCommand.values(List.of())).exit());
    }
}
