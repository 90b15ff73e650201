package io.doppel.console.internal.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.api.job.MirrorStatus;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.LagLevel;
import io.doppel.console.internal.ui.Formats;

class LagColourTest {

    private static final Duration ALARM = Duration.ofSeconds(60);

    static JobStatus job(int rpoSeconds, long lagMillis) {
        JobDefinition definition = new JobDefinition("web", "/srv/web", "replica:7421", null, null, false, null, null,
                null, 0, List.of(), 0, null, null, 0, rpoSeconds);
        return new JobStatus(definition, JobState.REPLICATING, 10, 10, 10, 0, 0, 0, lagMillis, null, "watch", 0, 0);
    }

    private static Colours colour(int rpoSeconds, long lagMillis) {
        return Colours.of(LagLevel.of(job(rpoSeconds, lagMillis), ALARM));
    }

    @Test
    void aJobWithItsOwnRpoIsGreenBelowHalfAmberBelowItRedAtOrAboveIt() {
        assertEquals(Colours.GOOD, colour(10, 0));
        assertEquals(Colours.GOOD, colour(10, 4_999));
        assertEquals(Colours.WATCH, colour(10, 5_000));
        assertEquals(Colours.WATCH, colour(10, 9_999));
        assertEquals(Colours.ALARM, colour(10, 10_000));
        assertEquals(Colours.ALARM, colour(10, 600_000));
    }

    @Test
    void aJobWithoutRpoIsMeasuredAgainstTheLagAlarmPreference() {
        assertEquals(Colours.GOOD, colour(0, 29_999));
        assertEquals(Colours.WATCH, colour(0, 30_000));
        assertEquals(Colours.ALARM, colour(0, 60_000));
    }

    @Test
    void noLagYetHasNoColour() {
        assertEquals(Colours.PLAIN, colour(10, -1));
    }

    @Test
    void connectionStatesAreGreenWhenConnectedAmberWhileTryingAndRedWhenFailed() {
        assertEquals(Colours.GOOD, Colours.of(ConnectionState.CONNECTED));
        assertEquals(Colours.WATCH, Colours.of(ConnectionState.CONNECTING));
        assertEquals(Colours.ALARM, Colours.of(ConnectionState.UNREACHABLE));
        assertEquals(Colours.ALARM, Colours.of(ConnectionState.TIMED_OUT));
        assertEquals(Colours.WATCH, Colours.of((JobState) null), "a job whose server is unreachable");
        assertEquals(Colours.ALARM, Colours.of(JobState.ERROR));
    }

    @Test
    void figuresReadAsPeopleWriteThem() {
        assertEquals("512 B", Formats.bytes(512));
        assertEquals("1.5 KiB", Formats.bytes(1536));
        assertEquals("3.0 MiB/s", Formats.rate(3L << 20));
        assertEquals("250 ms", Formats.lag(250));
        assertEquals("4.2 s", Formats.lag(4_200));
        assertEquals("2 min 5 s", Formats.lag(125_000));
        assertEquals(Figures.NONE, Formats.lag(-1));
        assertEquals("Replicating", Formats.state(JobState.REPLICATING));
        assertEquals("12 changes (3.4 MiB)", Figures.queue(12, (long) (3.4 * (1 << 20))));
    }

    @Test
    void mirrorProgressCountsBytesAndIsCompleteOnceDone() {
        MirrorStatus running = new MirrorStatus("diff", false, "initial copy", "copying", 30, 120, 1 << 20, 4 << 20,
                1 << 20, 0, -1, 1, 0, 0, null);
        assertEquals(25, Figures.mirrorPercent(running));
        assertEquals("copying 25 % \u00b7 30 of 120 files \u00b7 1.0 MiB of 4.0 MiB", Figures.mirror(running));
        MirrorStatus done = new MirrorStatus("diff", false, "initial copy", "done", 120, 120, 4 << 20, 4 << 20,
                1 << 20, 0, -1, 1, 2, 0, null);
        assertEquals(100, Figures.mirrorPercent(done));
        assertEquals("never mirrored", Figures.mirror(null));
    }
}
