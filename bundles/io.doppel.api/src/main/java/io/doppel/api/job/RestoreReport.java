package io.doppel.api.job;

/**
 * A restore of a job's source directory from its target image (the reverse direction): the running
 * one, or the last one finished. The image is the authority: what differs on the source is made
 * equal to it, by differences only; when it is done the journal continues from the image's last
 * applied op and the normal direction resumes.
 *
 * @param job               the job's name
 * @param phase             {@code connecting}, {@code restoring}, {@code resuming}, {@code done} or {@code failed}
 * @param checksumAll       whether files of equal size and time were compared by content too
 * @param keepExtra         whether entries only the source has were kept (otherwise they are removed)
 * @param startedAtMillis   when it started (epoch ms)
 * @param finishedAtMillis  when it finished, or 0 while it runs
 * @param imageApplied      the image's last applied op when the restore began, or -1 before it connected
 * @param entriesDone       image entries looked at so far
 * @param bytesCompared     bytes of file content compared (by block checksum or by size and time)
 * @param bytesFetched      bytes of file content fetched from the image (the rest was equal already)
 * @param created           entries the source lacked and that were created
 * @param updated           entries whose content, type, link target or metadata were put right
 * @param removed           entries only the source had, removed (0 when {@code keepExtra})
 * @param kept              entries only the source had, kept because of {@code keepExtra}
 * @param droppedOps        captured ops the target never applied, dropped because the image is the authority
 * @param error             why it failed, or {@code null}
 */
public record RestoreReport(String job, String phase, boolean checksumAll, boolean keepExtra, long startedAtMillis,
        long finishedAtMillis, long imageApplied, long entriesDone, long bytesCompared, long bytesFetched,
        long created, long updated, long removed, long kept, long droppedOps, String error) {

    /** Whether it is still under way. */
    public boolean running() {
        return finishedAtMillis == 0;
    }

    /** One line for people. */
    public String summaryLine() {
        String counts = entriesDone + " entries, " + created + " created, " + updated + " put right, " + removed
                + " removed" + (kept > 0 ? ", " + kept + " kept" : "") + ", " + bytesFetched + " of " + bytesCompared
                + " bytes fetched";
        return switch (phase) {
            case "done" -> "restored from op " + imageApplied + ": " + counts
                    + (droppedOps > 0 ? "; " + droppedOps + " ops the target never applied were dropped" : "");
            case "failed" -> "restore failed: " + error + " (" + counts + ")";
            default -> "restore " + phase + ": " + counts;
        };
    }
}
