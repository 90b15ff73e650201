package io.doppel.failover.app.windows;

import static io.doppel.failover.app.windows.testing.ScriptedRunner.has;
import static io.doppel.failover.app.windows.testing.ScriptedRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.failover.app.windows.testing.FakeContext;
import io.doppel.failover.app.windows.testing.ScriptedRunner;

class DeadlineTest {

    private final ScriptedRunner runner = new ScriptedRunner().on("tool", has("tool"), ok("done"));

    private FakeContext context(Instant deadline) {
        return new FakeContext("f", "s", Path.of("image"), Map.of(), Path.of("work"), deadline, runner,
                new ArrayList<>());
    }

    @Test
    void aCommandRunsForItsCapOrUntilTheDeadlineWhicheverComesFirst() throws ApplicationException {
        Deadline.run(context(Instant.now().plus(Duration.ofHours(1))), Duration.ofSeconds(5), "run", List.of("tool"));
        Deadline.run(context(Instant.now().plus(Duration.ofSeconds(20))), Duration.ofHours(1), "run", List.of("tool"));
        assertEquals(Duration.ofSeconds(5), runner.runs().get(0).timeout());
        Duration second = runner.runs().get(1).timeout();
        assertTrue(second.compareTo(Duration.ofSeconds(20)) <= 0 && second.compareTo(Duration.ofSeconds(10)) > 0,
                second.toString());
        assertEquals(Map.of(), runner.runs().get(1).environment());
    }

    @Test
    void noCommandStartsOnceTheDeadlineHasPassed() {
        Deadline.OutOfTime e = assertThrows(Deadline.OutOfTime.class,
                () -> Deadline.run(context(Instant.now().minusMillis(1)), Duration.ofSeconds(5), "stop service X",
                        List.of("tool")));
        assertEquals("no time left in the step to stop service X: raise the failover's step timeout (--step-timeout)",
                e.getMessage());
        assertEquals(List.of(), runner.runs());
    }

    @Test
    void aPauseEndsAtTheDeadlineAndSaysWhetherTimeIsLeft() throws ApplicationException {
        Instant later = Instant.now().plus(Duration.ofMinutes(1));
        assertTrue(Deadline.pause(context(later), Duration.ofMillis(10), "waiting"));
        long start = System.nanoTime();
        Deadline.pause(context(Instant.now().plusMillis(50)), Duration.ofHours(1), "waiting");
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "the pause ended with the deadline");
        assertFalse(Deadline.pause(context(Instant.now().minusMillis(1)), Duration.ofHours(1), "waiting"));
    }

    @Test
    void anInterruptedPauseSaysWhatWasInterrupted() {
        Thread.currentThread().interrupt();
        try {
            ApplicationException e = assertThrows(ApplicationException.class, () -> Deadline.pause(
                    context(Instant.now().plus(Duration.ofMinutes(1))), Duration.ofSeconds(10), "mounting X"));
            assertEquals("interrupted while mounting X", e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
        } finally {
            Thread.interrupted();
        }
    }
}
