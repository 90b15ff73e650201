package io.doppel.engine.internal.source;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QueueMemoryWarningTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void queuesWithinHalfTheHeapAreFine() {
        assertNull(JobManager.queueMemoryWarning(512 * MIB, 8, 1024 * MIB));
        assertNull(JobManager.queueMemoryWarning(0, 0, 1024 * MIB));
    }

    @Test
    void queuesBeyondHalfTheHeapAreSaidWithWhatToDo() {
        String w = JobManager.queueMemoryWarning(640 * MIB, 10, 1024 * MIB);
        assertTrue(w != null && w.contains("10 job(s)") && w.contains("640 MiB together") && w.contains("(1024 MiB)")
                && w.contains("DOPPEL_AGENT_HEAP") && w.contains("--queue-memory-mib"), w);
    }
}
