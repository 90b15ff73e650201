package io.doppel.engine.internal.apply;

import java.io.IOException;

/**
 * The image is held by someone else for now (another connection still closing it, or another
 * process): the caller may try again later, unlike other failures to open it.
 */
public final class ImageBusyException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageBusyException(String message, Throwable cause) {
        super(message, cause);
    }
}
