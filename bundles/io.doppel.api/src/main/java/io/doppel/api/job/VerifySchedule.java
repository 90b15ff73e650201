package io.doppel.api.job;

import java.util.regex.Pattern;

/**
 * When a job verifies its target by itself, and what it does about differences.
 *
 * @param when          {@code daily HH:MM}, {@code weekly DAY HH:MM} (DAY: Mon..Sun) or {@code every N h}
 *                      / {@code every N m}; local time of the source agent
 * @param repair        whether differences are sent again
 * @param orphans       {@code report} (the default), {@code aside} or {@code delete}; see {@link VerifyReport}
 * @param orphanAgeDays orphans younger than this are only reported
 */
public record VerifySchedule(String when, boolean repair, String orphans, int orphanAgeDays) {

    private static final Pattern WHEN = Pattern.compile(
            "daily ([01]\\d|2[0-3]):[0-5]\\d|weekly (Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([01]\\d|2[0-3]):[0-5]\\d|every [1-9]\\d{0,3} ?[hm]");

    /** Says what is wrong, naming the field, or {@code null}. */
    public String problem() {
        if (when == null || !WHEN.matcher(when.trim()).matches()) {
            return "verify.when: '" + when + "' must be 'daily HH:MM', 'weekly DAY HH:MM' (Mon..Sun) or 'every N h|m'";
        }
        if (orphans != null && !VerifyReport.ORPHANS.contains(orphans)) {
            return "verify.orphans: '" + orphans + "' must be one of " + VerifyReport.ORPHANS;
        }
        if (orphanAgeDays < 0 || orphanAgeDays > 36_500) {
            return "verify.orphanAgeDays: " + orphanAgeDays + " must be 0 to 36500";
        }
        return null;
    }

    /** The orphan policy, defaulted. */
    public String orphanPolicy() {
        return orphans == null ? "report" : orphans;
    }
}
