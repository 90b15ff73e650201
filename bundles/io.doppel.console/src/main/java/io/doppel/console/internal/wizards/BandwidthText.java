package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A job's bandwidth schedule as the wizard builds it from rows: "RATE [DAYS] [HH:MM-HH:MM]" rules
 * joined by "; ", the first matching rule wins, and a last rule without days and hours for the rest
 * of the week. The checks follow the agent's schedule grammar (documented with {@code job.limit});
 * the agent checks again when the job is created, and its word is final.
 */
final class BandwidthText {

    /** One row of the schedule: a rate on some days, maybe within some hours. */
    record Row(String rate, String days, String from, String to) {

        String text() {
            StringBuilder b = new StringBuilder(rate.strip());
            if (!days.isBlank() && !days.strip().equalsIgnoreCase(EVERY_DAY)) {
                b.append(' ').append(days.strip().replace(" ", ""));
            }
            if (!from.isBlank() || !to.isBlank()) {
                b.append(' ').append(from.strip()).append('-').append(to.strip());
            }
            return b.toString();
        }
    }

    static final String EVERY_DAY = "Every day";
    static final String UNLIMITED = "unlimited";

    private static final Pattern RATE = Pattern.compile("(?i)(\\d+(?:\\.\\d+)?)(B|KB|MB|GB|KIB|MIB|GIB)/(S|MIN|H)");
    private static final Pattern TIME = Pattern.compile("(\\d{1,2}):(\\d{2})");
    private static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    private BandwidthText() {
    }

    /** The schedule text, e.g. "25GB/h Mon-Fri 08:00-18:00; unlimited"; empty rows and "otherwise unlimited" alone give "". */
    static String of(List<Row> rows, String otherwise) {
        List<String> parts = new ArrayList<>();
        rows.forEach(r -> parts.add(r.text()));
        String rest = otherwise == null || otherwise.isBlank() ? UNLIMITED : otherwise.strip();
        if (parts.isEmpty() && rest.equalsIgnoreCase(UNLIMITED)) {
            return "";
        }
        parts.add(rest);
        return String.join("; ", parts);
    }

    /** What is wrong with a rate as typed, or {@code null}. */
    static String rateProblem(String rate, boolean unlimitedAllowed) {
        String r = rate == null ? "" : rate.strip();
        if (unlimitedAllowed && r.equalsIgnoreCase(UNLIMITED)) {
            return null;
        }
        Matcher m = RATE.matcher(r);
        if (!m.matches()) {
            return "'" + r + "' is not a rate: write a number with B, KB, MB, GB (or KiB, MiB, GiB) per s, min or h, "
                    + "e.g. 10MB/s or 25GB/h" + (unlimitedAllowed ? ", or unlimited" : "");
        }
        if (Double.parseDouble(m.group(1)) <= 0) {
            return "'" + r + "' must be more than nothing";
        }
        return null;
    }

    /** What is wrong with a row, or {@code null}. */
    static String rowProblem(Row row) {
        String rate = rateProblem(row.rate(), false);
        if (rate != null) {
            return rate;
        }
        String days = row.days().strip();
        if (!days.isEmpty() && !days.equalsIgnoreCase(EVERY_DAY)) {
            for (String item : days.replace(" ", "").split(",")) {
                String[] range = item.split("-");
                if (range.length > 2 || java.util.Arrays.stream(range).anyMatch(
                        d -> !DAYS.contains(d.toLowerCase(Locale.ROOT)))) {
                    return "days '" + days + "': write days as Mon … Sun, ranges with '-' and lists with ',', "
                            + "e.g. Mon-Fri or Sat,Sun";
                }
            }
        }
        boolean hasFrom = !row.from().isBlank();
        boolean hasTo = !row.to().isBlank();
        if (hasFrom != hasTo) {
            return "give both times (from and to) or neither (all day)";
        }
        if (hasFrom) {
            for (String t : List.of(row.from().strip(), row.to().strip())) {
                Matcher m = TIME.matcher(t);
                if (!m.matches() || Integer.parseInt(m.group(1)) > 24 || Integer.parseInt(m.group(2)) > 59
                        || Integer.parseInt(m.group(1)) == 24 && Integer.parseInt(m.group(2)) != 0) {
                    return "time '" + t + "' must be HH:MM, e.g. 08:00 (24:00 for the end of the day)";
                }
            }
            if (row.from().strip().equals(row.to().strip())) {
                return "from and to are the same time: the row would never apply";
            }
        }
        return null;
    }
}
