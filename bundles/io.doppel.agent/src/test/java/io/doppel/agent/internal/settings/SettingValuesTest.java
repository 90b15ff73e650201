package io.doppel.agent.internal.settings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.osgi.service.metatype.AttributeDefinition;

import com.google.gson.JsonArray;
import com.google.gson.JsonPrimitive;

/** Conversion and checking of one setting's value, with the messages a person sees. */
class SettingValuesTest {

    /** An attribute as MetaType describes it; {@code validate} checks a 1..64 range like Felix does. */
    private record Ad(String id, int type, int cardinality, String[] options, String[] defaults)
            implements AttributeDefinition {
        @Override public String getName() { return id; }
        @Override public String getID() { return id; }
        @Override public String getDescription() { return "1-64"; }
        @Override public int getCardinality() { return cardinality; }
        @Override public int getType() { return type; }
        @Override public String[] getOptionValues() { return options; }
        @Override public String[] getOptionLabels() { return options; }
        @Override public String[] getDefaultValue() { return defaults; }

        @Override
        public String validate(String value) {
            if (type != INTEGER) {
                return "";
            }
            int v = Integer.parseInt(value);
            return v < 1 ? "less than minimum" : v > 64 ? "greater than maximum" : "";
        }
    }

    private static final Ad THREADS = new Ad("workerThreads", AttributeDefinition.INTEGER, 0, null, new String[] {"4"});

    @Test
    void textAndJsonNumbersBecomeTypedValues() {
        assertEquals(6, SettingValues.convert(THREADS, new JsonPrimitive("6")));
        assertEquals(6, SettingValues.convert(THREADS, new JsonPrimitive(6)));
        Ad flag = new Ad("on", AttributeDefinition.BOOLEAN, 0, null, null);
        assertEquals(Boolean.TRUE, SettingValues.convert(flag, new JsonPrimitive("true")));
    }

    @Test
    void wrongTypesAndRangesNameTheFieldAndTheReason() {
        assertEquals("workerThreads: 'abc' is not an integer", assertThrows(IllegalArgumentException.class,
                () -> SettingValues.convert(THREADS, new JsonPrimitive("abc"))).getMessage());
        String low = assertThrows(IllegalArgumentException.class,
                () -> SettingValues.convert(THREADS, new JsonPrimitive("0"))).getMessage();
        assertTrue(low.startsWith("workerThreads: '0' is not accepted: less than minimum"), low);
        Ad mode = new Ad("mode", AttributeDefinition.STRING, 0, new String[] {"fast", "best"}, new String[] {"fast"});
        assertEquals("mode: 'quick' is not one of fast, best", assertThrows(IllegalArgumentException.class,
                () -> SettingValues.convert(mode, new JsonPrimitive("quick"))).getMessage());
    }

    @Test
    void listsComeAsArraysOrCommaSeparatedText() {
        Ad hosts = new Ad("hosts", AttributeDefinition.STRING, Integer.MAX_VALUE, null, null);
        assertArrayEquals(new String[] {"a", "b"}, (String[]) SettingValues.convert(hosts, new JsonPrimitive("a, b")));
        JsonArray given = new JsonArray();
        given.add("a,b");
        Ad ports = new Ad("ports", AttributeDefinition.INTEGER, -2, null, null);
        assertThrows(IllegalArgumentException.class, () -> SettingValues.convert(ports, given));
        JsonArray two = new JsonArray();
        two.add(1);
        two.add("2");
        assertEquals(List.of(1, 2), SettingValues.convert(ports, two));
    }

    @Test
    void secretsAreNeverShown() {
        Ad secret = new Ad("password", AttributeDefinition.PASSWORD, 0, null, null);
        assertEquals("(set)", SettingValues.toJson(secret, "hunter2").getAsString());
        String message = assertThrows(IllegalArgumentException.class,
                () -> SettingValues.convert(new Ad("pin", AttributeDefinition.PASSWORD, 0, new String[] {"1"}, null),
                        new JsonPrimitive("hunter2"))).getMessage();
        assertTrue(!message.contains("hunter2"), message);
    }
}
