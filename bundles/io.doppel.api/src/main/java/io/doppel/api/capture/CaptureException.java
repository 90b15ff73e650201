package io.doppel.api.capture;

/** Capturing cannot start or go on, with a reason an admin can act on. */
public class CaptureException extends Exception {

    private static final long serialVersionUID = 1L;

    public CaptureException(String message) {
        super(message);
    }

    public CaptureException(String message, Throwable cause) {
        super(message, cause);
    }
}
