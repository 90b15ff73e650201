package io.doppel.engine.internal.source;

import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A job's bandwidth limit over the week, as admins write it: rules separated by {@code ;}, the first
 * that matches the current time wins, a rule without days and hours applies at any time.
 *
 * <pre>
 * 25GB/h Mon-Fri 08:00-18:00; unlimited
 * 10MB/s Sat,Sun; 2MB/s
 * </pre>
 *
 * Rates: {@code unlimited} or a number with B, KB, MB, GB (powers of 1000; KiB, MiB, GiB for 1024)
 * per s, min or h. Days: Mon … Sun, ranges with {@code -}, lists with {@code ,}. Hours: HH:MM-HH:MM
 * (the end may be before the start, for a night window). An empty schedule is unlimited.
 */
public final class BandwidthSchedule {

    /** Bytes per second meaning no limit. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private record Rule(long bytesPerSecond, Set<DayOfWeek> days, LocalTime from, LocalTime to) {
        boolean matches(ZonedDateTime t) {
            if (!days.contains(t.getDayOfWeek())) {
                return false;
            }
            if (from == null) {
                return true;
            }
            LocalTime now = t.toLocalTime();
            return from.isBefore(to) ? !now.isBefore(from) && now.isBefore(to) : !now.isBefore(from) || now.isBefore(to);
        }
    }

    private static final Pattern RATE = Pattern.compile("(?i)(\\d+(?:\\.\\d+)?)\\s*(B|KB|MB|GB|KIB|MIB|GIB)/(S|MIN|H)");
    private static final Pattern HOURS = Pattern.compile("(\\d{1,2}):(\\d{2})-(\\d{1,2}):(\\d{2})");

    private final String text;
    private final List<Rule> rules;

    private BandwidthSchedule(String text, List<Rule> rules) {
        this.text = text;
        this.rules = rules;
    }

    public static final BandwidthSchedule NONE = new BandwidthSchedule("", List.of());

    /** Parses a schedule; the exception's message says which part is wrong and what is expected. */
    public static BandwidthSchedule parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        List<Rule> rules = new ArrayList<>();
        for (String part : text.split(";")) {
            String rule = part.strip();
            if (rule.isEmpty()) {
                continue;
            }
            String[] words = rule.split("\\s+");
            long rate = rate(words[0]);
            Set<DayOfWeek> days = EnumSet.allOf(DayOfWeek.class);
            LocalTime from = null;
            LocalTime to = null;
            for (int i = 1; i < words.length; i++) {
                Matcher h = HOURS.matcher(words[i]);
                if (h.matches()) {
                    from = time(h.group(1), h.group(2), rule);
                    to = time(h.group(3), h.group(4), rule);
                } else {
                    days = days(words[i], rule);
                }
            }
            rules.add(new Rule(rate, days, from, to));
        }
        return new BandwidthSchedule(text.strip(), List.copyOf(rules));
    }

    /** The limit in force at {@code time}, in bytes per second ({@link #UNLIMITED} for none). */
    public long bytesPerSecondAt(ZonedDateTime time) {
        for (Rule r : rules) {
            if (r.matches(time)) {
                return r.bytesPerSecond();
            }
        }
        return UNLIMITED;
    }

    @Override
    public String toString() {
        return text.isEmpty() ? "unlimited" : text;
    }

    private static long rate(String word) {
        if (word.equalsIgnoreCase("unlimited")) {
            return UNLIMITED;
        }
        Matcher m = RATE.matcher(word);
        if (!m.matches()) {
            throw new IllegalArgumentException("bandwidth: '" + word + "' is not a rate; write e.g. 10MB/s, 25GB/h or "
                    + "unlimited");
        }
        double amount = Double.parseDouble(m.group(1));
        double unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "B" -> 1;
            case "KB" -> 1e3;
            case "MB" -> 1e6;
            case "GB" -> 1e9;
            case "KIB" -> 1024;
            case "MIB" -> 1024.0 * 1024;
            default -> 1024.0 * 1024 * 1024;
        };
        double seconds = switch (m.group(3).toUpperCase(Locale.ROOT)) {
            case "S" -> 1;
            case "MIN" -> 60;
            default -> 3600;
        };
        long bps = (long) (amount * unit / seconds);
        if (bps < 1) {
            throw new IllegalArgumentException("bandwidth: '" + word + "' is less than one byte per second");
        }
        return bps;
    }

    private static LocalTime time(String h, String m, String rule) {
        int hour = Integer.parseInt(h);
        int minute = Integer.parseInt(m);
        if (hour == 24 && minute == 0) {
            return LocalTime.MAX;
        }
        if (hour > 23 || minute > 59) {
            throw new IllegalArgumentException("bandwidth: '" + rule + "' has an impossible time " + h + ":" + m);
        }
        return LocalTime.of(hour, minute);
    }

    private static Set<DayOfWeek> days(String word, String rule) {
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String item : word.split(",")) {
            String[] range = item.split("-");
            if (range.length > 2) {
                throw new IllegalArgumentException("bandwidth: '" + item + "' in '" + rule + "' is not a day range");
            }
            DayOfWeek first = day(range[0], rule);
            DayOfWeek last = range.length == 2 ? day(range[1], rule) : first;
            for (DayOfWeek d = first;; d = d.plus(1)) {
                days.add(d);
                if (d == last) {
                    break;
                }
            }
        }
        return days;
    }

    private static DayOfWeek day(String word, String rule) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.name().substring(0, 3).equalsIgnoreCase(word)) {
                return d;
            }
        }
        throw new IllegalArgumentException("bandwidth: '" + word + "' in '" + rule
                + "' is neither a day (Mon … Sun), a time range (08:00-18:00) nor a rate");
    }
}
