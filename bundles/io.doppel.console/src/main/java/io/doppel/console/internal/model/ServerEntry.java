package io.doppel.console.internal.model;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import io.doppel.management.AgentAddress;

/**
 * What the admin entered for one server, and all that is persisted of it: where its management
 * endpoint listens, which token file grants access, and the certificate fingerprint of the agent it
 * must be.
 *
 * @param address     the agent's management address
 * @param tokenFile   the agent's management token, as a file readable by the console user
 * @param fingerprint the SHA-256 fingerprint the agent must introduce itself with (upper-case hex pairs
 *                    joined by ':'), given by the admin or pinned at the first connection; {@code null}
 *                    until then
 */
public record ServerEntry(AgentAddress address, Path tokenFile, String fingerprint) {

    private static final Pattern FINGERPRINT = Pattern.compile("([0-9A-F]{2}:){31}[0-9A-F]{2}");

    public ServerEntry {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tokenFile, "tokenFile");
        fingerprint = fingerprint == null || fingerprint.isBlank() ? null : normalise(fingerprint);
    }

    /** An entry whose agent is pinned at the first connection. */
    public ServerEntry(AgentAddress address, Path tokenFile) {
        this(address, tokenFile, null);
    }

    /** This entry with the agent's fingerprint pinned. */
    public ServerEntry pinned(String agentFingerprint) {
        return new ServerEntry(address, tokenFile, agentFingerprint);
    }

    /**
     * A fingerprint as {@code doppel identity} prints it: 32 hex pairs, any case, joined by ':' (or
     * written without separators).
     *
     * @throws IllegalArgumentException with what is wrong, for the admin
     */
    public static String normalise(String fingerprint) {
        String hex = fingerprint.strip().replace(":", "").replace(" ", "").toUpperCase(Locale.ROOT);
        if (!hex.matches("[0-9A-F]{64}")) {
            throw new IllegalArgumentException("a certificate fingerprint is 32 hexadecimal pairs joined by ':' "
                    + "(SHA-256, as 'doppel identity' prints it on the agent's host)");
        }
        String joined = hex.replaceAll("(..)(?!$)", "$1:");
        if (!FINGERPRINT.matcher(joined).matches()) {
            throw new IllegalStateException("fingerprint normalisation failed for " + fingerprint);
        }
        return joined;
    }
}
