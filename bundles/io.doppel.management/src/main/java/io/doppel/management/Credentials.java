package io.doppel.management;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * The secret that grants management access to one agent: its management token, which the agent
 * writes at first start to {@code <home>/management.token} (readable by its owner only). Admins copy
 * it to the machines they manage from, or point the CLI and console at it.
 */
public final class Credentials {

    /** File name of the token inside an agent's home. */
    public static final String TOKEN_FILE = "management.token";

    private final byte[] token;
    private final String source;

    private Credentials(byte[] token, String source) {
        this.token = token;
        this.source = source;
    }

    /** Parses a token given as hex text (as stored in the token file). */
    public static Credentials ofHex(String hex, String source) {
        String t = hex == null ? "" : hex.strip();
        if (t.length() < 32 || t.length() % 2 != 0 || !t.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException(source + " does not hold a management token (expected at least 32 hex digits)");
        }
        return new Credentials(HexFormat.of().parseHex(t), source);
    }

    /** Reads a token file, with a message that says how to fix each way it can fail. */
    public static Credentials fromFile(Path file) throws IOException {
        try {
            return ofHex(Files.readString(file, StandardCharsets.US_ASCII), "token file " + file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no token file there; an agent writes it to <home>/"
                    + TOKEN_FILE + " at first start");
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(file.toString(), null,
                    "cannot read the token file; run as its owner or copy it somewhere you can read");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException("token file " + file + " does not hold a management token", e);
        }
    }

    byte[] token() {
        return token.clone();
    }

    /** What a client sends to prove it holds this token, for the given pair of nonces. */
    public String clientProof(String agentNonce, String clientNonce) {
        return io.doppel.management.protocol.Messages.clientProof(token, agentNonce, clientNonce);
    }

    /** What an agent sends to prove it holds this token, for the given pair of nonces. */
    public String agentProof(String agentNonce, String clientNonce) {
        return io.doppel.management.protocol.Messages.agentProof(token, agentNonce, clientNonce);
    }

    /** Where the token came from, for messages (never the token itself). */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "Credentials[" + source + "]";
    }
}
