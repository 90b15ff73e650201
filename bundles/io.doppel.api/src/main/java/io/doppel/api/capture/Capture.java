package io.doppel.api.capture;

import org.osgi.annotation.versioning.ConsumerType;

/** A running capture; closing it stops capturing and releases what it holds (mounts, watches). */
@ConsumerType
public interface Capture extends AutoCloseable {

    /** One line for status: what is being captured and how. */
    String describe();

    /** The last failure that stopped capturing, or {@code null} while it runs. */
    String failure();

    @Override
    void close();
}
