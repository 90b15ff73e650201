package io.doppel.engine.internal.source;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

import io.doppel.api.job.VerifySchedule;

/** When a scheduled verification is due (see {@link VerifySchedule#when()}). */
final class VerifyTimer {

    private VerifyTimer() {
    }

    /**
     * Whether a verification is due at {@code now}, given when the last one started ({@code null}
     * if never): the latest scheduled moment up to now came after it.
     */
    static boolean due(String when, ZonedDateTime now, Instant lastStart) {
        String[] w = when.trim().split("\\s+");
        switch (w[0]) {
            case "every" -> {
                String n = w.length == 3 ? w[1] + w[2] : w[1];
                long amount = Long.parseLong(n.substring(0, n.length() - 1));
                Duration every = n.endsWith("h") ? Duration.ofHours(amount) : Duration.ofMinutes(amount);
                return lastStart == null || !now.toInstant().isBefore(lastStart.plus(every));
            }
            case "daily" -> {
                LocalTime at = LocalTime.parse(w[1]);
                ZonedDateTime latest = now.with(at);
                if (latest.isAfter(now)) {
                    latest = latest.minusDays(1);
                }
                return lastStart == null || lastStart.isBefore(latest.toInstant());
            }
            case "weekly" -> {
                DayOfWeek day = day(w[1]);
                LocalTime at = LocalTime.parse(w[2]);
                ZonedDateTime latest = now.with(TemporalAdjusters.previousOrSame(day)).with(at);
                if (latest.isAfter(now)) {
                    latest = latest.minusWeeks(1);
                }
                return lastStart == null || lastStart.isBefore(latest.toInstant());
            }
            default -> throw new IllegalArgumentException("unknown verification schedule '" + when + "'");
        }
    }

    private static DayOfWeek day(String abbreviation) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.name().substring(0, 3).equals(abbreviation.toUpperCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown day '" + abbreviation + "'");
    }
}
