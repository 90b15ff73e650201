package io.doppel.console.internal.model;

import io.doppel.management.ManagementException.Reason;

/** Where the console stands with one agent, as shown in the State column. */
public enum ConnectionState {

    /** Added or restored, not tried yet. */
    NEW("Not connected"),
    CONNECTING("Connecting"),
    CONNECTED("Connected"),
    /** The token file could not be read, so no connection was tried. */
    TOKEN_UNREADABLE("Token unreadable"),
    UNREACHABLE("Unreachable"),
    TIMED_OUT("Timed out"),
    AUTH_FAILED("Auth failed"),
    /** The agent introduced itself with another certificate fingerprint than the one pinned for it. */
    WRONG_AGENT("Wrong agent"),
    PROTOCOL_MISMATCH("Protocol mismatch"),
    AGENT_ERROR("Agent error"),
    /** The console itself failed (a bug); the error log has the details. */
    CONSOLE_ERROR("Console error");

    private final String label;

    ConnectionState(String label) {
        this.label = label;
    }

    /** How the state reads in the console. */
    public String label() {
        return label;
    }

    /** For failed states, what the admin can do about it; {@code null} otherwise. */
    public String nextStep() {
        return switch (this) {
            case NEW, CONNECTING, CONNECTED -> null;
            case TOKEN_UNREADABLE -> "Point the console at the token file the agent wrote to "
                    + "<agent home>/management.token (copy it here if the agent runs elsewhere), then add the server again.";
            case UNREACHABLE -> "Check that the agent is running and that the address and port are the ones it listens on, "
                    + "then choose Refresh.";
            case TIMED_OUT -> "The agent or the network is slow or a firewall drops the traffic; check both, then choose Refresh.";
            case AUTH_FAILED -> "Use the token file of this very agent (<agent home>/management.token), then add the server again.";
            case WRONG_AGENT -> "Compare the fingerprint with what 'doppel identity' prints on the server. If the agent "
                    + "was re-installed on purpose, remove the server and add it again, checking its new fingerprint.";
            case PROTOCOL_MISMATCH -> "Check that the address is a Doppel agent's management port and that console and agent "
                    + "versions match.";
            case AGENT_ERROR -> "See the agent's log for details, then choose Refresh.";
            case CONSOLE_ERROR -> "This is a bug in the console; its error log (<console data>/.metadata/.log) has "
                    + "the details for a bug report. Choose Refresh to try again.";
        };
    }

    /** Whether this state is the result of a failed attempt. */
    public boolean isFailure() {
        return switch (this) {
            case NEW, CONNECTING, CONNECTED -> false;
            default -> true;
        };
    }

    /** The state a failed management call leads to. */
    public static ConnectionState of(Reason reason) {
        return switch (reason) {
            case UNREACHABLE -> UNREACHABLE;
            case TIMEOUT -> TIMED_OUT;
            case AUTH_FAILED -> AUTH_FAILED;
            case PROTOCOL -> PROTOCOL_MISMATCH;
            case REMOTE -> AGENT_ERROR;
        };
    }
}
