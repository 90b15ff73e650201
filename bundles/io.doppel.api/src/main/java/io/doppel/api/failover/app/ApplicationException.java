package io.doppel.api.failover.app;

/** An application plugin cannot do its part; the message says why and what to do. */
public class ApplicationException extends Exception {

    private static final long serialVersionUID = 1L;

    public ApplicationException(String message) {
        super(message);
    }

    public ApplicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
