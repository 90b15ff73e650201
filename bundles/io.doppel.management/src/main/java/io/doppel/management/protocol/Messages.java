package io.doppel.management.protocol;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The management conversation, message by message (see docs/PROTOCOL.md):
 *
 * <pre>
 * agent  → client  hello    {protocol, agent, fingerprint, nonce}
 * client → agent   auth     {protocol, nonce, proof = HMAC(token, "client"|agentNonce|clientNonce)}
 * agent  → client  welcome  {proof = HMAC(token, "agent"|agentNonce|clientNonce)}   or error, then close
 * client → agent   request  {id, command, args}
 * agent  → client  response {id, ok, result | error{code, message}}
 * </pre>
 *
 * Both sides prove they hold the agent's management token without sending it; a client that
 * reaches an impostor finds out before sending any request.
 */
public final class Messages {

    /** Protocol version spoken by this build. */
    public static final int PROTOCOL = 1;

    public static final String HELLO = "hello";
    public static final String AUTH = "auth";
    public static final String WELCOME = "welcome";
    public static final String REQUEST = "request";
    public static final String RESPONSE = "response";
    public static final String ERROR = "error";

    /** Error codes a person or a script can act on. */
    public static final String E_AUTH = "AUTH_FAILED";
    public static final String E_PROTOCOL = "PROTOCOL";
    public static final String E_VERSION = "PROTOCOL_VERSION";
    public static final String E_UNKNOWN_COMMAND = "UNKNOWN_COMMAND";
    public static final String E_BAD_ARGUMENT = "BAD_ARGUMENT";
    public static final String E_NOT_FOUND = "NOT_FOUND";
    public static final String E_INTERNAL = "INTERNAL";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private Messages() {
    }

    public static String newNonce() {
        byte[] nonce = new byte[24];
        RANDOM.nextBytes(nonce);
        return HEX.formatHex(nonce);
    }

    public static JsonObject hello(String agentName, String fingerprint, String nonce) {
        JsonObject m = typed(HELLO);
        m.addProperty("protocol", PROTOCOL);
        m.addProperty("agent", agentName);
        m.addProperty("fingerprint", fingerprint);
        m.addProperty("nonce", nonce);
        return m;
    }

    public static JsonObject auth(String clientNonce, String proof) {
        JsonObject m = typed(AUTH);
        m.addProperty("protocol", PROTOCOL);
        m.addProperty("nonce", clientNonce);
        m.addProperty("proof", proof);
        return m;
    }

    public static JsonObject welcome(String proof) {
        JsonObject m = typed(WELCOME);
        m.addProperty("proof", proof);
        return m;
    }

    public static JsonObject error(String code, String message) {
        JsonObject m = typed(ERROR);
        m.addProperty("code", code);
        m.addProperty("message", message);
        return m;
    }

    public static JsonObject request(long id, String command, JsonObject args) {
        JsonObject m = typed(REQUEST);
        m.addProperty("id", id);
        m.addProperty("command", command);
        m.add("args", args == null ? new JsonObject() : args);
        return m;
    }

    public static JsonObject success(long id, JsonElement result) {
        JsonObject m = typed(RESPONSE);
        m.addProperty("id", id);
        m.addProperty("ok", true);
        m.add("result", result);
        return m;
    }

    public static JsonObject failure(long id, String code, String message) {
        JsonObject m = typed(RESPONSE);
        m.addProperty("id", id);
        m.addProperty("ok", false);
        JsonObject error = new JsonObject();
        error.addProperty("code", code);
        error.addProperty("message", message);
        m.add("error", error);
        return m;
    }

    /** The proof a client sends: it knows the token. */
    public static String clientProof(byte[] token, String agentNonce, String clientNonce) {
        return hmac(token, "doppel-management-client|" + agentNonce + "|" + clientNonce);
    }

    /** The proof an agent sends back: it knows the token too. */
    public static String agentProof(byte[] token, String agentNonce, String clientNonce) {
        return hmac(token, "doppel-management-agent|" + agentNonce + "|" + clientNonce);
    }

    /** Compares proofs in constant time. */
    public static boolean proofMatches(String expected, String actual) {
        if (actual == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                actual.getBytes(StandardCharsets.US_ASCII));
    }

    /** The message's type, or throws if it has none. */
    public static String type(JsonObject message) throws ProtocolException {
        return string(message, "type");
    }

    /** A required string field, or a protocol error naming it. */
    public static String string(JsonObject message, String field) throws ProtocolException {
        JsonElement e = message.get(field);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new ProtocolException("message lacks the text field '" + field + "'");
        }
        return e.getAsString();
    }

    /** A required integer field, or a protocol error naming it. */
    public static long number(JsonObject message, String field) throws ProtocolException {
        JsonElement e = message.get(field);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new ProtocolException("message lacks the number field '" + field + "'");
        }
        try {
            return e.getAsBigDecimal().longValueExact();
        } catch (ArithmeticException ex) {
            throw new ProtocolException("field '" + field + "' is not a whole number");
        }
    }

    private static JsonObject typed(String type) {
        JsonObject m = new JsonObject();
        m.addProperty("type", type);
        return m;
    }

    private static String hmac(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HEX.formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }
}
