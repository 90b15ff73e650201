package io.doppel.cli.internal;

import io.doppel.management.ManagementException;

/** The CLI's exit codes: each is a kind of failure a script can act on. */
public enum Exit {
    OK(0),
    INTERNAL(1),
    USAGE(2),
    UNREACHABLE(3),
    AUTH_FAILED(4),
    CREDENTIALS(5),
    PROTOCOL(6),
    AGENT_ERROR(7),
    /** A verification waited for found differences. */
    DIFFERENCES(8);

    public final int code;

    Exit(int code) {
        this.code = code;
    }

    static Exit of(ManagementException.Reason reason) {
        return switch (reason) {
            case UNREACHABLE, TIMEOUT -> UNREACHABLE;
            case AUTH_FAILED -> AUTH_FAILED;
            case PROTOCOL -> PROTOCOL;
            case REMOTE -> AGENT_ERROR;
        };
    }
}
