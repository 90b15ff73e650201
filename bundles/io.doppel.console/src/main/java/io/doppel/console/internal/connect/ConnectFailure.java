package io.doppel.console.internal.connect;

import io.doppel.console.internal.model.ConnectionState;

/** An attempt to reach an agent failed in an expected way; the message is meant for the admin. */
public final class ConnectFailure extends Exception {

    private static final long serialVersionUID = 1L;

    private final ConnectionState state;

    public ConnectFailure(ConnectionState state, String message, Throwable cause) {
        super(message, cause);
        if (!state.isFailure()) {
            throw new IllegalArgumentException(state + " is not a failure");
        }
        this.state = state;
    }

    /** The state the server is in after this failure. */
    public ConnectionState state() {
        return state;
    }
}
