package io.doppel.api.op;

/** A path that cannot be accepted in an op, with the reason in words. */
public final class InvalidPathException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String path;
    private final String reason;

    public InvalidPathException(String path, String reason) {
        super("refused path '" + printable(path) + "': " + reason);
        this.path = path;
        this.reason = reason;
    }

    public String path() {
        return path;
    }

    public String reason() {
        return reason;
    }

    /** Shows a hostile path safely in a message: control characters escaped, length capped. */
    static String printable(String path) {
        if (path == null) {
            return "(none)";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < path.length() && out.length() < 200; i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (out.length() >= 200) {
            out.append("…");
        }
        return out.toString();
    }
}
