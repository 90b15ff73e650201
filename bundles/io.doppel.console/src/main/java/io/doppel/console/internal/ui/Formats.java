package io.doppel.console.internal.ui;

import java.util.Locale;

import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.api.job.MirrorStatus;

/** Figures of jobs as people read them in a cell. */
public final class Formats {

    /** Shown where a value is not known (yet). */
    public static final String UNKNOWN = "\u2014";

    private Formats() {
    }

    /** Binary units to one decimal: {@code 512 B}, {@code 1.5 KiB}, {@code 20.0 MiB}, … */
    public static String bytes(long bytes) {
        if (bytes < 0) {
            return UNKNOWN;
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    public static String rate(long bytesPerSecond) {
        return bytesPerSecond < 0 ? UNKNOWN : bytes(bytesPerSecond) + "/s";
    }

    /** A lag in milliseconds: {@code 120 ms}, {@code 34.5 s}, {@code 5 min 3 s}; unknown if negative. */
    public static String lag(long millis) {
        if (millis < 0) {
            return UNKNOWN;
        }
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        return Durations.brief(millis / 1000);
    }

    /** A state word as an admin reads it: {@code Replicating}. */
    public static String state(JobState state) {
        if (state == null) {
            return "Unknown (server unreachable)";
        }
        String name = state.name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    /** A failover state as an admin reads it: {@code Failed over}. */
    public static String failoverState(io.doppel.api.failover.FailoverState state) {
        if (state == null) {
            return UNKNOWN;
        }
        String name = state.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    /** The part of the mirror that is done, 0..1, or -1 if none runs or it cannot be told yet. */
    public static double mirrorFraction(MirrorStatus mirror) {
        if (mirror == null || mirror.finishedAtMillis() > 0 || mirror.error() != null) {
            return -1;
        }
        if (mirror.bytesTotal() > 0) {
            return Math.min(1.0, (double) mirror.bytesDone() / mirror.bytesTotal());
        }
        if (mirror.filesTotal() > 0) {
            return Math.min(1.0, (double) mirror.filesDone() / mirror.filesTotal());
        }
        return -1;
    }

    /** The mirror in words: {@code 42% · 1,204 of 3,000 files · ETA 3 min 2 s}, {@code done}, {@code failed: …}. */
    public static String mirror(MirrorStatus mirror) {
        if (mirror == null) {
            return "never mirrored";
        }
        if (mirror.error() != null) {
            return "failed: " + mirror.error();
        }
        if (mirror.finishedAtMillis() > 0) {
            return "done: " + String.format(Locale.ROOT, "%,d", mirror.filesDone()) + " files, "
                    + bytes(mirror.bytesSent()) + " sent";
        }
        double fraction = mirrorFraction(mirror);
        StringBuilder s = new StringBuilder();
        if (fraction >= 0) {
            s.append((int) Math.floor(fraction * 100)).append("% \u00b7 ");
        } else {
            s.append(mirror.phase()).append(" \u00b7 ");
        }
        s.append(String.format(Locale.ROOT, "%,d", mirror.filesDone()));
        if (mirror.filesTotal() > 0) {
            s.append(" of ").append(String.format(Locale.ROOT, "%,d", mirror.filesTotal()));
        }
        s.append(" files");
        if (mirror.etaSeconds() >= 0) {
            s.append(" \u00b7 ETA ").append(Durations.brief(mirror.etaSeconds()));
        }
        return s.toString();
    }

    /** The job's target as {@code host:port/image}. */
    public static String target(JobStatus status) {
        return status.definition().target() + "/" + status.definition().imageName();
    }
}
