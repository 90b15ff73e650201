package io.doppel.engine.internal.source;

import java.util.concurrent.TimeUnit;

/** The threads of a job's walks (mirror, verification, restore). */
final class WalkThreads {

    /** Longest a stopping job waits for one of its walks to notice. */
    static final long JOIN_SECONDS = 30;

    private WalkThreads() {
    }

    /** Waits for a walk that was asked to stop to end (not when the walk itself asks). */
    static void join(Thread t) {
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(JOIN_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
