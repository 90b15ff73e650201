package io.doppel.engine;

import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

import io.doppel.api.job.JobStatus;
import io.doppel.api.op.Op;

/**
 * The source side of replication, for interceptors: hand each change of a protected tree to its job,
 * in the order it happened.
 */
@ProviderType
public interface ReplicationEngine {

    /**
     * Captures an op: it is in the job's journal when this returns (it survives a crash of the agent)
     * and is sent as soon as the link allows.
     *
     * @return the op's sequence number in the job
     * @throws ReplicationException if the job does not exist, is stopped, or its journal cannot be written
     */
    long capture(String job, Op op) throws ReplicationException;

    /**
     * Captures an op and completes once the target has applied it (synchronous mode). Completes
     * exceptionally with a {@link ReplicationException} if the target refuses it or the job stops
     * or fails before that.
     */
    CompletionStage<Long> captureAndWait(String job, Op op);

    /** Every job's status. */
    List<JobStatus> jobs();
}
