package io.doppel.engine.internal.apply;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/**
 * An op that could not be applied to the image, with a reason the engine can act on.
 *
 * <p>Throwing it never advances the applied sequence: after the admin (or a resync) fixes the
 * cause, the same op can be applied again.
 */
public class ApplyException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why an op was not applied. */
    public enum Reason {
        /** The op tries to reach outside the image (symlink in the way, link to a symlink, the root). */
        HOSTILE,
        /** The image is not in the state the op expects: source and image diverged, resync. */
        CONFLICT,
        /** The file system holding the image is full or over quota. */
        NO_SPACE,
        /** Any other I/O failure (permissions, read-only file system, hardware). */
        IO,
        /** The platform cannot set this attribute here (e.g. a system.* xattr). */
        UNSUPPORTED,
        /** The op stream skipped sequence numbers; see {@link GapException}. */
        GAP
    }

    private final Reason reason;

    public ApplyException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ApplyException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** A failure of {@code op} on {@code path}, described as "kind path: detail". */
    static ApplyException of(Reason reason, Op op, RelPath path, String detail) {
        return of(reason, op.kind(), path, detail, null);
    }

    static ApplyException of(Reason reason, Op op, RelPath path, String detail, Throwable cause) {
        return of(reason, op.kind(), path, detail, cause);
    }

    static ApplyException of(Reason reason, String kind, RelPath path, String detail, Throwable cause) {
        return new ApplyException(reason, describe(kind, path) + ": " + detail, cause);
    }

    public Reason reason() {
        return reason;
    }

    static String describe(String kind, RelPath path) {
        return kind + " '" + printable(path.toString()) + "'";
    }

    /** Shows untrusted text safely in a message: control characters escaped, length capped. */
    static String printable(String text) {
        if (text == null) {
            return "(none)";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            if (out.length() >= 300) {
                return out.append('…').toString();
            }
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
