package io.doppel.engine.internal.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import org.junit.jupiter.api.Test;

class BandwidthTest {

    private static final ZonedDateTime TUESDAY_NOON = ZonedDateTime.of(2026, 11, 24, 12, 0, 0, 0, ZoneOffset.UTC);
    private static final ZonedDateTime TUESDAY_NIGHT = TUESDAY_NOON.withHour(23);
    private static final ZonedDateTime SATURDAY_NOON = TUESDAY_NOON.plusDays(4);

    @Test
    void officeHoursLimitAndUnlimitedOtherwise() {
        BandwidthSchedule s = BandwidthSchedule.parse("25GB/h Mon-Fri 08:00-18:00; unlimited");
        assertEquals(25_000_000_000L / 3600, s.bytesPerSecondAt(TUESDAY_NOON));
        assertEquals(BandwidthSchedule.UNLIMITED, s.bytesPerSecondAt(TUESDAY_NIGHT));
        assertEquals(BandwidthSchedule.UNLIMITED, s.bytesPerSecondAt(SATURDAY_NOON));
    }

    @Test
    void nightWindowsDayListsAndBinaryUnits() {
        BandwidthSchedule s = BandwidthSchedule.parse("1MiB/s Sat,Sun; 100KB/s 22:00-06:00; 10KB/s");
        assertEquals(1024 * 1024, s.bytesPerSecondAt(SATURDAY_NOON));
        assertEquals(100_000, s.bytesPerSecondAt(TUESDAY_NIGHT));
        assertEquals(100_000, s.bytesPerSecondAt(TUESDAY_NIGHT.plusHours(3)));
        assertEquals(10_000, s.bytesPerSecondAt(TUESDAY_NOON));
        assertEquals(BandwidthSchedule.UNLIMITED, BandwidthSchedule.parse("").bytesPerSecondAt(TUESDAY_NOON));
    }

    @Test
    void mistakesAreNamed() {
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class,
                () -> BandwidthSchedule.parse("25GB Mon-Fri"));
        assertTrue(rate.getMessage().contains("'25GB' is not a rate"), rate.getMessage());
        IllegalArgumentException day = assertThrows(IllegalArgumentException.class,
                () -> BandwidthSchedule.parse("1MB/s Funday"));
        assertTrue(day.getMessage().contains("Funday"), day.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BandwidthSchedule.parse("1MB/s 25:00-26:00"));
    }

    /** A sender pushing 256 KiB frames as fast as the bucket lets it, on a simulated clock. */
    @Test
    void theBucketHoldsTheRateWithinFivePercentOverTwentySeconds() {
        long[] now = {0};
        TokenBucket bucket = new TokenBucket(() -> now[0]);
        long rate = 3_000_000;
        bucket.rate(rate);
        long sent = 0;
        long end = 20_000_000_000L;
        while (now[0] < end) {
            long wait = bucket.take(256 * 1024);
            if (wait == 0) {
                sent += 256 * 1024;
            } else {
                now[0] += wait;
            }
        }
        double measured = sent / 20.0;
        assertTrue(Math.abs(measured - rate) / rate < 0.05, "measured " + measured + " B/s for a limit of " + rate);
    }

    @Test
    void aRateChangeTakesEffectAtOnce() {
        long[] now = {0};
        TokenBucket bucket = new TokenBucket(() -> now[0]);
        bucket.rate(1000);
        now[0] += 1_000_000_000L;
        assertEquals(0, bucket.take(1000));
        assertTrue(bucket.take(1000) > 0, "empty after a second's worth");
        bucket.rate(BandwidthSchedule.UNLIMITED);
        assertEquals(0, bucket.take(1_000_000_000));
    }
}
