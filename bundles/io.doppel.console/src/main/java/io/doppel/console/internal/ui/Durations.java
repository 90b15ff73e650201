package io.doppel.console.internal.ui;

/** Durations as people read them in a table cell. */
public final class Durations {

    private Durations() {
    }

    /** The two largest units: {@code 42 s}, {@code 5 min 3 s}, {@code 3 h 12 min}, {@code 4 d 7 h}. */
    public static String brief(long seconds) {
        if (seconds < 0) {
            return "\u2014";
        }
        long days = seconds / 86_400;
        long hours = seconds / 3_600 % 24;
        long minutes = seconds / 60 % 60;
        long secs = seconds % 60;
        if (days > 0) {
            return days + " d " + hours + " h";
        }
        if (hours > 0) {
            return hours + " h " + minutes + " min";
        }
        if (minutes > 0) {
            return minutes + " min " + secs + " s";
        }
        return secs + " s";
    }
}
