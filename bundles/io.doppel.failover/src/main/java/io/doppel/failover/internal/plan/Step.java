package io.doppel.failover.internal.plan;

/** One step of a takeover or fail-back plan: named, logged, bounded in time, undone on a rollback. */
public interface Step {

    String name();

    /** Does the step; throws with a reason a person can act on. */
    void run() throws Exception;

    /** Gives back what {@link #run} took (also after it failed half-way); quiet if nothing was taken. */
    default void undo() throws Exception {
    }

    /** Whether a failure is worth a second try (scripts and plugins: yes; a refused guard: no). */
    default boolean retry() {
        return true;
    }
}
