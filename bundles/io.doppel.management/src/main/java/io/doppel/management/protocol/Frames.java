package io.doppel.management.protocol;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * Management frames: a 4-byte big-endian length, then that many bytes of UTF-8 JSON holding one
 * object. A length above {@link #MAX_FRAME_BYTES} is refused before anything is allocated, so a
 * hostile length field cannot exhaust memory.
 */
public final class Frames {

    /** Largest frame accepted in either direction. */
    public static final int MAX_FRAME_BYTES = 4 * 1024 * 1024;
    /** Bytes of the length prefix. */
    public static final int HEADER_BYTES = 4;

    private Frames() {
    }

    /** Encodes one message into a frame, length prefix included. */
    public static byte[] encode(JsonObject message) {
        byte[] body = Json.GSON.toJson(message).getBytes(StandardCharsets.UTF_8);
        if (body.length > MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("message of " + body.length + " bytes exceeds the frame limit of "
                    + MAX_FRAME_BYTES);
        }
        return ByteBuffer.allocate(HEADER_BYTES + body.length).putInt(body.length).put(body).array();
    }

    /** Checks a length prefix read from the wire; throws if it cannot be a valid frame. */
    public static int checkLength(int length) throws ProtocolException {
        if (length < 2 || length > MAX_FRAME_BYTES) {
            throw new ProtocolException("frame length " + Integer.toUnsignedString(length)
                    + " is outside 2.." + MAX_FRAME_BYTES + " bytes; the peer does not speak the management protocol");
        }
        return length;
    }

    /** Parses the body of a frame (without its length prefix) into a JSON object. */
    public static JsonObject decodeBody(byte[] body) throws ProtocolException {
        try {
            var element = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
            if (!element.isJsonObject()) {
                throw new ProtocolException("frame does not hold a JSON object");
            }
            return element.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new ProtocolException("frame is not valid JSON: " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new ProtocolException("frame nests JSON too deeply");
        }
    }

    /** Reads one frame from a blocking stream. */
    public static JsonObject read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int length;
        try {
            length = data.readInt();
        } catch (EOFException e) {
            throw new EOFException("the agent closed the connection");
        }
        byte[] body = new byte[checkLength(length)];
        data.readFully(body);
        return decodeBody(body);
    }

    /** Writes one frame to a blocking stream and flushes it. */
    public static void write(OutputStream out, JsonObject message) throws IOException {
        out.write(encode(message));
        out.flush();
    }
}
