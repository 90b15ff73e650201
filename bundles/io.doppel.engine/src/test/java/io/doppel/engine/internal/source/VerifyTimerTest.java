package io.doppel.engine.internal.source;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;

import org.junit.jupiter.api.Test;

import io.doppel.api.job.VerifySchedule;

/** When scheduled verifications are due. */
class VerifyTimerTest {

    private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    /** A Sunday. */
    private static final ZonedDateTime SUNDAY_NOON = ZonedDateTime.of(2026, 11, 22, 12, 0, 0, 0, ZONE);

    @Test
    void dailyIsDueOncePerDayAfterItsTime() {
        assertTrue(VerifyTimer.due("daily 02:00", SUNDAY_NOON, null), "never run: due");
        assertFalse(VerifyTimer.due("daily 02:00", SUNDAY_NOON, SUNDAY_NOON.withHour(2).withMinute(1).toInstant()));
        assertTrue(VerifyTimer.due("daily 02:00", SUNDAY_NOON, SUNDAY_NOON.withHour(1).toInstant()),
                "the last run was before today's 02:00");
        assertFalse(VerifyTimer.due("daily 13:00", SUNDAY_NOON, SUNDAY_NOON.minusHours(20).toInstant()),
                "yesterday's 13:00 run is the latest due");
    }

    @Test
    void weeklyIsDueAfterItsDayAndTime() {
        assertTrue(VerifyTimer.due("weekly Sun 03:30", SUNDAY_NOON, SUNDAY_NOON.minusDays(3).toInstant()));
        assertFalse(VerifyTimer.due("weekly Sun 03:30", SUNDAY_NOON, SUNDAY_NOON.withHour(4).toInstant()));
        assertFalse(VerifyTimer.due("weekly Mon 03:30", SUNDAY_NOON, SUNDAY_NOON.minusDays(5).toInstant()),
                "Monday's run this week happened");
        assertTrue(VerifyTimer.due("weekly Mon 03:30", SUNDAY_NOON, SUNDAY_NOON.minusDays(7).toInstant()));
    }

    @Test
    void everyIsDueAfterItsInterval() {
        assertFalse(VerifyTimer.due("every 6h", SUNDAY_NOON, SUNDAY_NOON.minus(Duration.ofHours(5)).toInstant()));
        assertTrue(VerifyTimer.due("every 6 h", SUNDAY_NOON, SUNDAY_NOON.minus(Duration.ofHours(6)).toInstant()));
        assertTrue(VerifyTimer.due("every 30m", SUNDAY_NOON, SUNDAY_NOON.minus(Duration.ofMinutes(31)).toInstant()));
    }

    @Test
    void badSchedulesAreRefusedWithTheField() {
        assertTrue(new VerifySchedule("daily 25:00", false, null, 0).problem().startsWith("verify.when"));
        assertTrue(new VerifySchedule("weekly Funday 02:00", false, null, 0).problem().startsWith("verify.when"));
        assertTrue(new VerifySchedule("daily 02:00", false, "shred", 0).problem().startsWith("verify.orphans"));
        assertTrue(new VerifySchedule("daily 02:00", true, "aside", -1).problem().startsWith("verify.orphanAgeDays"));
        assertNull(new VerifySchedule("every 12h", true, "delete", 7).problem());
    }
}
