package io.doppel.api.capture;

import org.osgi.annotation.versioning.ConsumerType;

/** A running capture; closing it stops capturing and releases what it holds (mounts, watches). */
@ConsumerType
public interface Capture extends AutoCloseable {

    /** One line for status: what is being captured and how. */
    String describe();

    /** The last failure that stopped capturing, or {@code null} while it runs. */
    String failure();

    /**
     * Where the engine reads the protected tree (a mirror, a verification) without passing through
     * this capture, or {@code null} to read the protected directory itself. An interceptor mounted
     * in place over the directory gives the tree beneath its mount: a reader that holds a job's lock
     * must never wait for the mount, whose workers may be waiting for that lock to hand over a change.
     * Valid while the capture runs.
     *
     * @since 1.3
     */
    default java.nio.file.Path backing() {
        return null;
    }

    @Override
    void close();
}
