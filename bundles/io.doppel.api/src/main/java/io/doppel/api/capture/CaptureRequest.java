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
 */
public record CaptureRequest(String job, Path root, Predicate<RelPath> included, OpSink sink, Path stateDir) {

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
