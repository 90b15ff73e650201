package io.doppel.agent.internal.settings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Vector;

import org.osgi.service.metatype.AttributeDefinition;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonPrimitive;

/**
 * Converts a value given by a person or a script (text or JSON) into what ConfigAdmin stores for
 * one MetaType attribute, and back into JSON, checking type, options and the attribute's own
 * validation. Every failure is a {@link IllegalArgumentException} whose message names the field
 * and the reason, e.g. {@code port: 'abc' is not an integer}.
 */
final class SettingValues {

    /** What a secret shows instead of its value. */
    static final String SECRET_SHOWN = "(set)";

    private SettingValues() {
    }

    /** The attribute's type as a word: string, integer, long, boolean, password, … */
    static String typeName(int type) {
        return switch (type) {
            case AttributeDefinition.STRING -> "string";
            case AttributeDefinition.LONG -> "long";
            case AttributeDefinition.INTEGER -> "integer";
            case AttributeDefinition.SHORT -> "short";
            case AttributeDefinition.CHARACTER -> "character";
            case AttributeDefinition.BYTE -> "byte";
            case AttributeDefinition.DOUBLE -> "double";
            case AttributeDefinition.FLOAT -> "float";
            case AttributeDefinition.BOOLEAN -> "boolean";
            case AttributeDefinition.PASSWORD -> "password";
            default -> "type " + type;
        };
    }

    /**
     * The value to store for {@code ad} given {@code given}: a JSON primitive (text is converted), or
     * for a multi-valued attribute a JSON array or a comma-separated text.
     */
    static Object convert(AttributeDefinition ad, JsonElement given) {
        if (given == null || given.isJsonNull()) {
            throw new IllegalArgumentException(ad.getID() + ": no value given (use settings.reset to go back to the "
                    + "default)");
        }
        int cardinality = ad.getCardinality();
        if (cardinality == 0) {
            if (!given.isJsonPrimitive()) {
                throw new IllegalArgumentException(ad.getID() + ": takes one " + typeName(ad.getType())
                        + ", not a list or an object");
            }
            return one(ad, given.getAsJsonPrimitive());
        }
        List<JsonPrimitive> items = new ArrayList<>();
        if (given.isJsonArray()) {
            for (JsonElement e : given.getAsJsonArray()) {
                if (!e.isJsonPrimitive()) {
                    throw new IllegalArgumentException(ad.getID() + ": list items must be plain values");
                }
                items.add(e.getAsJsonPrimitive());
            }
        } else if (given.isJsonPrimitive()) {
            String text = given.getAsString();
            if (!text.isBlank()) {
                Arrays.stream(text.split(",")).map(String::strip).map(JsonPrimitive::new).forEach(items::add);
            }
        } else {
            throw new IllegalArgumentException(ad.getID() + ": takes a list of " + typeName(ad.getType()) + " values");
        }
        int max = Math.abs(cardinality);
        if (max != Integer.MAX_VALUE && cardinality != Integer.MIN_VALUE && items.size() > max) {
            throw new IllegalArgumentException(ad.getID() + ": takes at most " + max + " values, not " + items.size());
        }
        List<Object> values = new ArrayList<>();
        for (JsonPrimitive p : items) {
            values.add(one(ad, p));
        }
        return cardinality > 0 ? toArray(ad.getType(), values) : new Vector<>(values);
    }

    private static Object one(AttributeDefinition ad, JsonPrimitive p) {
        String text = p.getAsString().strip();
        String shown = ad.getType() == AttributeDefinition.PASSWORD ? "the value" : "'" + text + "'";
        Object value;
        try {
            value = switch (ad.getType()) {
                case AttributeDefinition.STRING, AttributeDefinition.PASSWORD -> p.getAsString();
                case AttributeDefinition.LONG -> Long.valueOf(whole(text));
                case AttributeDefinition.INTEGER -> Integer.valueOf(whole(text));
                case AttributeDefinition.SHORT -> Short.valueOf(whole(text));
                case AttributeDefinition.BYTE -> Byte.valueOf(whole(text));
                case AttributeDefinition.DOUBLE -> Double.valueOf(text);
                case AttributeDefinition.FLOAT -> Float.valueOf(text);
                case AttributeDefinition.CHARACTER -> character(text);
                case AttributeDefinition.BOOLEAN -> bool(text);
                default -> throw new IllegalArgumentException("unsupported");
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ad.getID() + ": " + shown + " is not " + article(ad.getType()));
        }
        String canonical = String.valueOf(value);
        String[] options = ad.getOptionValues();
        if (options != null && options.length > 0 && !Arrays.asList(options).contains(canonical)) {
            throw new IllegalArgumentException(ad.getID() + ": " + shown + " is not one of " + String.join(", ",
                    options));
        }
        String problem = canonical.equals(firstDefault(ad)) ? "" : ad.validate(canonical);
        if (problem != null && !problem.isEmpty()) {
            throw new IllegalArgumentException(ad.getID() + ": " + shown + " is not accepted: " + problem
                    + (ad.getDescription() == null ? "" : " (" + ad.getDescription() + ")"));
        }
        return value;
    }

    /** Integer types accept 12 and 12.0 (JSON numbers), never 12.5. */
    private static String whole(String text) {
        if (text.endsWith(".0")) {
            return text.substring(0, text.length() - 2);
        }
        return text;
    }

    private static Character character(String text) {
        if (text.length() != 1) {
            throw new IllegalArgumentException("not one character");
        }
        return text.charAt(0);
    }

    private static Boolean bool(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> Boolean.TRUE;
            case "false", "no", "off" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("not a boolean");
        };
    }

    private static String article(int type) {
        return switch (type) {
            case AttributeDefinition.INTEGER -> "an integer";
            case AttributeDefinition.LONG -> "a whole number";
            case AttributeDefinition.SHORT -> "a short integer (-32768..32767)";
            case AttributeDefinition.BYTE -> "a byte (-128..127)";
            case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> "a number";
            case AttributeDefinition.CHARACTER -> "a single character";
            case AttributeDefinition.BOOLEAN -> "a boolean (true or false)";
            default -> "a " + typeName(type);
        };
    }

    private static Object toArray(int type, List<Object> values) {
        Object array = java.lang.reflect.Array.newInstance(javaType(type), values.size());
        for (int i = 0; i < values.size(); i++) {
            java.lang.reflect.Array.set(array, i, values.get(i));
        }
        return array;
    }

    private static Class<?> javaType(int type) {
        return switch (type) {
            case AttributeDefinition.LONG -> Long.class;
            case AttributeDefinition.INTEGER -> Integer.class;
            case AttributeDefinition.SHORT -> Short.class;
            case AttributeDefinition.BYTE -> Byte.class;
            case AttributeDefinition.DOUBLE -> Double.class;
            case AttributeDefinition.FLOAT -> Float.class;
            case AttributeDefinition.CHARACTER -> Character.class;
            case AttributeDefinition.BOOLEAN -> Boolean.class;
            default -> String.class;
        };
    }

    private static String firstDefault(AttributeDefinition ad) {
        String[] d = ad.getDefaultValue();
        return d == null || d.length == 0 ? null : d[0];
    }

    /** A stored value (scalar, array or collection) as JSON; secrets as {@value #SECRET_SHOWN}. */
    static JsonElement toJson(AttributeDefinition ad, Object value) {
        if (value == null) {
            return JsonNull.INSTANCE;
        }
        if (ad.getType() == AttributeDefinition.PASSWORD) {
            return new JsonPrimitive(SECRET_SHOWN);
        }
        if (value.getClass().isArray()) {
            JsonArray a = new JsonArray();
            for (int i = 0; i < java.lang.reflect.Array.getLength(value); i++) {
                a.add(scalar(java.lang.reflect.Array.get(value, i)));
            }
            return a;
        }
        if (value instanceof java.util.Collection<?> c) {
            JsonArray a = new JsonArray();
            c.forEach(v -> a.add(scalar(v)));
            return a;
        }
        return scalar(value);
    }

    /** The default of {@code ad} as JSON (a list for multi-valued attributes); secrets never shown. */
    static JsonElement defaultJson(AttributeDefinition ad) {
        String[] d = ad.getDefaultValue();
        if (d == null || ad.getType() == AttributeDefinition.PASSWORD) {
            return JsonNull.INSTANCE;
        }
        if (ad.getCardinality() == 0) {
            return d.length == 0 ? JsonNull.INSTANCE : typed(ad, d[0]);
        }
        JsonArray a = new JsonArray();
        for (String s : d) {
            a.add(typed(ad, s));
        }
        return a;
    }

    private static JsonElement typed(AttributeDefinition ad, String text) {
        try {
            return scalar(one(ad, new JsonPrimitive(text)));
        } catch (IllegalArgumentException e) {
            return new JsonPrimitive(text);
        }
    }

    private static JsonPrimitive scalar(Object v) {
        if (v instanceof Number n) {
            return new JsonPrimitive(n);
        }
        if (v instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        return new JsonPrimitive(String.valueOf(v));
    }
}
