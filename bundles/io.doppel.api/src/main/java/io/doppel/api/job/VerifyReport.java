package io.doppel.api.job;

import java.util.List;

/**
 * A verification of a job's target image against its source: the running one, or the last one
 * finished. Every difference was seen twice, the second time after the target had applied every
 * change captured until then, and the source had not changed in between, so a file being written
 * during the run is not reported (it is counted in {@code changing}).
 *
 * @param job               the job's name
 * @param phase             {@code comparing}, {@code re-checking}, {@code repairing}, {@code done} or {@code failed}
 * @param repair            whether what differs is sent again
 * @param orphans           what is done with entries only the target has: {@code report}, {@code aside}
 *                          (moved into the image's {@code .aside} directory on the target) or {@code delete}
 * @param orphanAgeDays     orphans younger than this many days (by their time on the target) are only reported
 * @param startedAtMillis   when it started (epoch ms)
 * @param finishedAtMillis  when it finished, or 0 while it runs
 * @param entriesCompared   entries (files, directories, symlinks) looked at on both sides
 * @param bytesCompared     bytes of file content compared by checksum
 * @param missing           entries the target lacks
 * @param extra             entries only the target has (orphans)
 * @param different         entries both have that differ (content, size, type, mode, owner, times,
 *                          extended attributes, symlink target or hard links)
 * @param changing          entries that kept changing on the source while they were compared
 * @param repaired          differences sent again, or orphans moved aside or deleted
 * @param differences       the differences, at most {@link #MAX_LISTED}
 * @param truncated         whether there were more differences than listed
 * @param error             why it failed, or {@code null}
 */
public record VerifyReport(String job, String phase, boolean repair, String orphans, int orphanAgeDays,
        long startedAtMillis, long finishedAtMillis, long entriesCompared, long bytesCompared, long missing, long extra,
        long different, long changing, long repaired, List<Difference> differences, boolean truncated, String error) {

    public VerifyReport {
        differences = differences == null ? List.of() : List.copyOf(differences);
    }

    /** Differences listed in a report, at most; the counts cover all. */
    public static final int MAX_LISTED = 10_000;

    /** What may happen to orphans. */
    public static final List<String> ORPHANS = List.of("report", "aside", "delete");

    /** Whether it is still under way. */
    public boolean running() {
        return finishedAtMillis == 0;
    }

    /** Whether source and target were found equal (so far, while it runs). */
    public boolean equal() {
        return missing == 0 && extra == 0 && different == 0;
    }

    /** This report without its list of differences (for job status). */
    public VerifyReport summary() {
        return new VerifyReport(job, phase, repair, orphans, orphanAgeDays, startedAtMillis, finishedAtMillis,
                entriesCompared, bytesCompared, missing, extra, different, changing, repaired, List.of(),
                truncated || !differences.isEmpty(), error);
    }

    /**
     * One difference.
     *
     * @param path    relative to the protected directory
     * @param kind    {@code missing} (only the source has it), {@code extra} (only the target) or {@code different}
     * @param details what differs, source first, e.g. {@code content (2 of 16 blocks)}, {@code mode 0644 != 0600},
     *                {@code type file != directory}, {@code hard links}
     * @param action  what was done: {@code none}, {@code repaired}, {@code moved aside}, {@code deleted},
     *                {@code kept (younger than N days)}, or why it could not be done
     */
    public record Difference(String path, String kind, List<String> details, String action) {
        public Difference {
            details = details == null ? List.of() : List.copyOf(details);
        }
    }
}
