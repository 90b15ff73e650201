package io.doppel.management;

/** A management call that did not succeed, with the kind of failure a caller acts on. */
public class ManagementException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, coarsely: each reason has its own CLI exit code and console message. */
    public enum Reason {
        /** Nothing answers at the address (refused, no route, unknown host). */
        UNREACHABLE,
        /** Something answered but not in time. */
        TIMEOUT,
        /** The credentials were refused, or the agent could not prove it holds them. */
        AUTH_FAILED,
        /** The peer does not speak this protocol or version. */
        PROTOCOL,
        /** The agent understood the request and answered with an error. */
        REMOTE
    }

    private final Reason reason;
    private final String code;

    public ManagementException(Reason reason, String message) {
        this(reason, null, message, null);
    }

    public ManagementException(Reason reason, String code, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.code = code;
    }

    public Reason reason() {
        return reason;
    }

    /** For {@link Reason#REMOTE}: the agent's error code; otherwise {@code null}. */
    public String code() {
        return code;
    }
}
