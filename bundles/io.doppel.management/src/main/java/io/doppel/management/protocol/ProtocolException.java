package io.doppel.management.protocol;

import java.io.IOException;

/** The peer sent something that is not this protocol (bad frame, bad JSON, unexpected message). */
public class ProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
