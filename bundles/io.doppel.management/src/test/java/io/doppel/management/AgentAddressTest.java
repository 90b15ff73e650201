package io.doppel.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AgentAddressTest {

    @Test
    void parsesTheFormsAdminsType() {
        assertEquals(new AgentAddress("127.0.0.1", 7420), AgentAddress.parse("127.0.0.1:7420"));
        assertEquals(new AgentAddress("db1.example", AgentAddress.DEFAULT_PORT), AgentAddress.parse(" db1.example "));
        assertEquals(new AgentAddress("::1", 9000), AgentAddress.parse("[::1]:9000"));
        assertEquals("[::1]:9000", AgentAddress.parse("[::1]:9000").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "host:", "host:abc", "host:0", "host:70000", "::1:80", "[::1", "[::1]x", "a b:1",
            "http://x:1"})
    void refusesNonsenseWithAReason(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentAddress.parse(text));
        assertTrue(e.getMessage().contains("address"), e.getMessage());
    }
}
