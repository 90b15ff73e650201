package io.doppel.cli.internal;

/** A failure to report to the user in one line, with its exit code. */
public final class CliException extends Exception {

    private static final long serialVersionUID = 1L;

    private final Exit exit;
    private final String code;

    public CliException(Exit exit, String message) {
        this(exit, null, message);
    }

    public CliException(Exit exit, String code, String message) {
        super(message);
        this.exit = exit;
        this.code = code;
    }

    public Exit exit() {
        return exit;
    }

    /** The agent's error code when the agent reported the failure, else the exit's name. */
    public String code() {
        return code != null ? code : exit.name();
    }
}
