package io.doppel.engine;

/** A change that cannot be replicated, with the reason in words. */
public class ReplicationException extends Exception {

    private static final long serialVersionUID = 1L;

    public ReplicationException(String message) {
        super(message);
    }

    public ReplicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
