package io.doppel.engine.internal.transport;

import java.util.regex.Pattern;

/**
 * What a target checks in a source's {@link Frame.Hello} before it opens anything for it: the
 * protocol version, and job and image names that can only ever name one directory below the
 * source's images (no separators, no dot-dot, bounded length).
 */
public final class Handshake {

    /** Job and image names: 1-64 letters, digits, '.', '_' or '-', not starting with a dot or dash. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** Why a hello is refused: a {@link Frame.Refused} code and a message for the source's admin. */
    public record Refusal(String code, String message) { }

    private Handshake() {
    }

    /** The refusal of a hello, or {@code null} if the target may go on to open the image. */
    public static Refusal check(Frame.Hello h) {
        if (h.protocol() != Frame.PROTOCOL) {
            return new Refusal("PROTOCOL_VERSION", "this target speaks replication protocol " + Frame.PROTOCOL
                    + ", not " + h.protocol());
        }
        if (!NAME.matcher(h.image()).matches() || !NAME.matcher(h.job()).matches()) {
            return new Refusal("BAD_ARGUMENT", "job and image names must be 1-64 letters, digits, '.', '_' or '-'");
        }
        return null;
    }
}
