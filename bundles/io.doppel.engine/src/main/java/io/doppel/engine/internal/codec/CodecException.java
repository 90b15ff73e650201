package io.doppel.engine.internal.codec;

/** Bytes that are not a valid encoded op, with what is wrong in words. */
public final class CodecException extends Exception {

    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }
}
