package io.doppel.api.job;

/**
 * A job's mirror (the copy that makes the target equal to the source while live changes flow), as
 * the source agent sees it: the running one, or the last one finished.
 *
 * @param mode          {@code full}, {@code diff} or {@code newer}
 * @param checksumAll   whether files of equal size and time were compared by content too
 * @param reason        why it runs, e.g. {@code initial copy}, {@code requested by the admin},
 *                      {@code the journal was damaged}
 * @param phase         {@code counting}, {@code copying}, {@code waiting for the target}, {@code done}
 *                      or {@code failed}
 * @param filesDone     entries compared or copied so far
 * @param filesTotal    entries counted in the source tree (0 while counting)
 * @param bytesDone     bytes of file content compared or copied so far
 * @param bytesTotal    bytes of file content counted in the source tree
 * @param bytesSent     bytes of file content that had to travel (the rest was equal on the target)
 * @param bytesPerSecond content bytes done per second since the mirror (re)started
 * @param etaSeconds    estimated seconds left, or -1 if unknown
 * @param startedAtMillis when this mirror started (epoch ms)
 * @param finishedAtMillis when it finished, or 0 while it runs
 * @param resumed       how many times it resumed after an interruption (agent restart)
 * @param error         why it failed, or {@code null}
 */
public record MirrorStatus(String mode, boolean checksumAll, String reason, String phase, long filesDone,
        long filesTotal, long bytesDone, long bytesTotal, long bytesSent, long bytesPerSecond, long etaSeconds,
        long startedAtMillis, long finishedAtMillis, int resumed, String error) {

    /** Whether the mirror is still under way. */
    public boolean running() {
        return finishedAtMillis == 0;
    }

    /** Mirror modes: every byte; only blocks whose checksums differ; files newer on the source. */
    public static final java.util.List<String> MODES = java.util.List.of("full", "diff", "newer");
}
