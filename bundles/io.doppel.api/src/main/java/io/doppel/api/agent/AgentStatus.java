package io.doppel.api.agent;

import java.time.Instant;
import java.util.List;

import io.doppel.api.job.JobSummary;

/**
 * An agent's answer to "status".
 *
 * @param identity      who it is
 * @param version       the agent's version
 * @param host          the host it runs on
 * @param startedAt     when it started
 * @param uptimeSeconds seconds since then
 * @param features      installed features
 * @param plugins       Doppel bundles and third-party plugin bundles
 * @param jobs          its jobs
 */
public record AgentStatus(AgentIdentity identity, String version, String host, Instant startedAt,
        long uptimeSeconds, List<ComponentInfo> features, List<ComponentInfo> plugins, List<JobSummary> jobs) {

    public AgentStatus {
        features = List.copyOf(features);
        plugins = List.copyOf(plugins);
        jobs = List.copyOf(jobs);
    }
}
