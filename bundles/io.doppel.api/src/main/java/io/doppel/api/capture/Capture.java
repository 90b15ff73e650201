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

    /**
     * Runs {@code action} at a moment when no change is under way: every change made to the tree
     * before it has been handed over, and none is made while it runs. An interceptor that makes a
     * change first and hands it over after (one at a time, under a lock of its own) runs the action
     * under that lock; the engine calls this when a mirror ends, so that no change made before the
     * end is judged as made after it. The action must not wait for this capture. By default it
     * just runs, for interceptors that see changes only after they are made.
     *
     * @since 1.4
     */
    default void betweenChanges(Runnable action) {
        action.run();
    }

    @Override
    void close();
}
