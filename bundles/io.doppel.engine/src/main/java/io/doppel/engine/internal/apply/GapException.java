package io.doppel.engine.internal.apply;

/**
 * An op arrived with a sequence number beyond the next one expected: ops in between are missing,
 * so the receiver must ask the sender to resume from {@link #expected()}.
 */
public final class GapException extends ApplyException {

    private static final long serialVersionUID = 1L;

    private final long expected;
    private final long received;

    public GapException(long expected, long received) {
        super(Reason.GAP, "op " + received + " arrived but op " + expected + " is the next to apply; ops "
                + expected + ".." + (received - 1) + " are missing");
        this.expected = expected;
        this.received = received;
    }

    /** The sequence number the applier needs next. */
    public long expected() {
        return expected;
    }

    public long received() {
        return received;
    }
}
