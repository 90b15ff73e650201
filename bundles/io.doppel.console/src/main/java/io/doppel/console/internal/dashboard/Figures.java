package io.doppel.console.internal.dashboard;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.doppel.api.failover.FailoverStatus;
import io.doppel.api.job.JobState;
import io.doppel.api.job.MirrorStatus;
import io.doppel.console.internal.model.FailoverRef;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.ui.Formats;

/** The dashboard's figures as people read them. Plain functions, no widgets. */
public final class Figures {

    public static final String NONE = Formats.UNKNOWN;

    private Figures() {
    }

    /** "no jobs", "3 jobs: 2 replicating, 1 paused"; states unknown while the server is unreachable. */
    public static String jobsByState(List<JobRef> jobs) {
        if (jobs.isEmpty()) {
            return "no jobs";
        }
        String count = jobs.size() == 1 ? "1 job" : jobs.size() + " jobs";
        Map<JobState, Long> byState = new EnumMap<>(JobState.class);
        long unknown = 0;
        for (JobRef job : jobs) {
            JobState state = job.state();
            if (state == null) {
                unknown++;
            } else {
                byState.merge(state, 1L, Long::sum);
            }
        }
        String states = byState.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey().name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        if (unknown > 0) {
            states = (states.isEmpty() ? "" : states + ", ") + unknown + " state unknown";
        }
        return count + ": " + states;
    }

    /** "no failovers", "failovers: web HEALTHY, db FAILED_OVER (…)". */
    public static String failovers(List<FailoverRef> failovers) {
        if (failovers.isEmpty()) {
            return "no failovers";
        }
        return (failovers.size() == 1 ? "failover: " : "failovers: ") + failovers.stream().map(f -> {
            FailoverStatus s = f.status();
            String state = f.current() && s != null ? Formats.failoverState(s.state()).toLowerCase(Locale.ROOT) : "state unknown";
            return f.name() + " " + state;
        }).collect(Collectors.joining(", "));
    }

    /** Percent of the mirror done, by bytes if it counted any, else by entries; 100 once done. */
    public static int mirrorPercent(MirrorStatus mirror) {
        if (mirror == null) {
            return 0;
        }
        if (!mirror.running() && mirror.error() == null) {
            return 100;
        }
        long done = mirror.bytesTotal() > 0 ? mirror.bytesDone() : mirror.filesDone();
        long total = mirror.bytesTotal() > 0 ? mirror.bytesTotal() : mirror.filesTotal();
        if (total <= 0) {
            return 0;
        }
        return (int) Math.max(0, Math.min(100, done * 100 / total));
    }

    /** "copying 42 % · 120 of 300 files · 1.2 MiB of 3.0 MiB", "never mirrored". */
    public static String mirror(MirrorStatus mirror) {
        if (mirror == null) {
            return "never mirrored";
        }
        String files = mirror.filesTotal() > 0 ? mirror.filesDone() + " of " + mirror.filesTotal() + " files"
                : mirror.filesDone() + " files";
        String text = mirror.phase() + " " + mirrorPercent(mirror) + " % \u00b7 " + files + " \u00b7 "
                + Formats.bytes(mirror.bytesDone()) + " of " + Formats.bytes(mirror.bytesTotal());
        return mirror.error() == null ? text : text + " \u00b7 " + mirror.error();
    }

    /** "12 changes (3.4 MiB)". */
    public static String queue(long ops, long bytes) {
        return (ops == 1 ? "1 change" : ops + " changes") + " (" + Formats.bytes(bytes) + ")";
    }
}
