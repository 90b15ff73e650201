package io.doppel.engine.internal.source;

import java.util.concurrent.TimeUnit;

/** The threads of a job's walks (mirror, verification, restore). */
final class WalkThreads {

    /** Longest a stopping job waits for one of its walks to notice. */
    static final long JOIN_SECONDS = 30;

    private WalkThreads() {
    }

    /**
     * Wakes a walk that was asked to stop wherever it waits: on the job's monitor (the window, the
     * target's progress) or for an answer from the target.
     */
    static void wake(Job job, TargetQuestions target) {
        synchronized (job) {
            job.notifyAll();
        }
        target.cancel();
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
