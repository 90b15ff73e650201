package io.doppel.api.job;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JobStateTest {

    @Test
    void aStoppedJobOnlyStartsByConnecting() {
        assertTrue(JobState.STOPPED.canMoveTo(JobState.CONNECTING));
        assertFalse(JobState.STOPPED.canMoveTo(JobState.REPLICATING));
    }

    @Test
    void everyStateCanBeStoppedOrIsStopped() {
        for (JobState s : JobState.values()) {
            assertTrue(s == JobState.STOPPED || s.canMoveTo(JobState.STOPPED), s + " cannot be stopped");
            assertFalse(s.canMoveTo(s), s + " moves to itself");
        }
    }
}
