package io.doppel.agent;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

import io.doppel.api.job.JobSummary;

/**
 * Implemented by the bundle that runs replication jobs, so the agent's status can list them. An
 * agent without it has no jobs.
 */
@ConsumerType
public interface JobCatalog {

    /** A snapshot of every job on this agent. */
    List<JobSummary> jobSummaries();
}
