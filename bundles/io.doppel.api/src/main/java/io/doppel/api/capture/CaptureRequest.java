package io.doppel.api.capture;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Predicate;

import io.doppel.api.op.RelPath;

/**
 * What to capture and where the ops go.
 *
 * @param job       the job's name (for messages and thread names)
 * @param root      the protected directory (absolute)
 * @param included  the replication set: whether a path under the root is protected; an excluded
 *                  directory's contents are excluded too
 * @param sink      where ops go, in order
 * @param stateDir  a directory the interceptor owns for this job, kept across restarts (snapshots,
 *                  cursors); empty at the job's first start
 * @param synchronous whether the job is synchronous: an interceptor that can hold a change
 *                  ({@link Guarantees#synchronous()}) answers the application only once
 *                  {@link OpSink#acceptAndWait} completed
 */
public record CaptureRequest(String job, Path root, Predicate<RelPath> included, OpSink sink, Path stateDir,
        boolean synchronous) {

    /** An asynchronous request. */
    public CaptureRequest(String job, Path root, Predicate<RelPath> included, OpSink sink, Path stateDir) {
        this(job, root, included, sink, stateDir, false);
    }

    public CaptureRequest {
        Objects.requireNonNull(job);
        Objects.requireNonNull(root);
        Objects.requireNonNull(included);
        Objects.requireNonNull(sink);
        Objects.requireNonNull(stateDir);
        if (!root.isAbsolute()) {
            throw new IllegalArgumentException("the protected root must be absolute: " + root);
        }
    }
}
