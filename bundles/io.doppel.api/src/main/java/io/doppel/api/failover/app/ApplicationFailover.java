package io.doppel.api.failover.app;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * An application that can take over on a replica: registered as an OSGi service by a plugin; the
 * failover plan calls it with a {@link TakeoverContext} that names the image and the plugin's
 * settings from the failover definition.
 *
 * <p>Calls come one at a time per failover, each within the plan's step timeout (the
 * context's {@link TakeoverContext#deadline() deadline}); a call that cannot do its part throws
 * {@link ApplicationException} with a reason a person can act on. {@link #release} must be safe to
 * call after a failed or partial {@link #takeOver}: the plan rolls back with it.
 */
@ConsumerType
public interface ApplicationFailover {

    /** A short, stable id used in failover definitions (e.g. {@code postgresql}). */
    String id();

    /** One line for people: what this plugin starts. */
    String description();

    /** The settings this plugin reads, each with its meaning and default, for help texts and forms. */
    Map<String, String> settings();

    /** Whether it can run on this machine, and if not, why (a missing program, say). */
    Availability availability();

    /**
     * The source paths the application needs protected (for the job's replication set), from its
     * settings; relative to the image's root.
     */
    List<String> protectedPaths(Map<String, String> settings);

    /** Checks that the target can take over (programs, data in the image, ports) without changing anything. */
    void prepare(TakeoverContext context) throws ApplicationException;

    /** Starts the application on the replica and returns once it answers (or throws). */
    void takeOver(TakeoverContext context) throws ApplicationException;

    /** Whether the application serves now. */
    Health health(TakeoverContext context);

    /** Stops the application on the replica (fail-back or rollback); quiet if it does not run. */
    void release(TakeoverContext context) throws ApplicationException;
}
