package io.doppel.api.capture;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Turns the changes under a protected directory into ops, as they happen. Implemented by
 * interceptor plugins (FUSE passthrough, fanotify, a portable watcher) and registered as OSGi
 * services; a job's configuration picks one by {@link #id()}.
 */
@ConsumerType
public interface Interceptor {

    /** Stable identifier used in job definitions, e.g. {@code watch} or {@code linux.fuse}. */
    String id();

    /** What this interceptor promises; shown to admins when they choose. */
    Guarantees guarantees();

    /** Whether it can run on this machine now, and if not, why (never throws for that). */
    Availability availability();

    /**
     * Starts capturing changes under {@code request.root()}. Changes made before this returns may be
     * missed; a job runs a mirror to cover them.
     *
     * @throws CaptureException if capturing cannot start, with a reason an admin can act on
     */
    Capture start(CaptureRequest request) throws CaptureException;

    /**
     * Clears what a capture of {@code root} left when its agent was killed (a dead mount, say), so
     * that the directory can be used without capturing: the engine calls it before it restores a
     * stopped job's directory. Quiet when nothing is left.
     *
     * @throws CaptureException if something is left and cannot be cleared
     * @since 1.2
     */
    default void recover(java.nio.file.Path root) throws CaptureException {
    }
}
