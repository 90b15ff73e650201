package io.doppel.management.spi;

/** An expected failure of a management command, returned to the caller with its code. */
public class CommandException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String code;

    public CommandException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** One of the {@code E_*} codes of {@link io.doppel.management.protocol.Messages}. */
    public String code() {
        return code;
    }
}
