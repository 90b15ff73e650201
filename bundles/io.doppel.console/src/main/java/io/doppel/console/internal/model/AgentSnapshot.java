package io.doppel.console.internal.model;

import java.util.List;
import java.util.Objects;

import io.doppel.api.agent.AgentStatus;
import io.doppel.api.event.Event;
import io.doppel.api.failover.FailoverStatus;
import io.doppel.api.job.JobStatus;

/**
 * Everything one refresh learned from an agent, read over one connection.
 *
 * @param status    the agent's status
 * @param jobs      its jobs' live figures (the source side of each)
 * @param failovers the failovers it runs as a target; empty if it has none or no failover feature
 * @param events    the events logged since the last refresh, oldest first
 */
public record AgentSnapshot(AgentStatus status, List<JobStatus> jobs, List<FailoverStatus> failovers,
        List<Event> events) {

    public AgentSnapshot {
        Objects.requireNonNull(status, "status");
        jobs = List.copyOf(jobs);
        failovers = List.copyOf(failovers);
        events = List.copyOf(events);
    }

    /** A snapshot of the status alone. */
    public static AgentSnapshot of(AgentStatus status) {
        return new AgentSnapshot(status, List.of(), List.of(), List.of());
    }
}
