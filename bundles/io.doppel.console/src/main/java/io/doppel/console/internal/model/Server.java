package io.doppel.console.internal.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.doppel.api.event.Event;
import io.doppel.api.failover.FailoverStatus;
import io.doppel.api.job.JobStatus;

/**
 * One agent in the console's list: what the admin entered plus what the console last learned: its
 * state, its jobs and failovers (stable handles, kept while the agent is unreachable so the admin
 * still sees what was there) and its latest events. The state is replaced by background jobs and
 * read by the UI thread; only {@link ServerModel} changes it, so listeners hear of every change.
 */
public final class Server {

    private volatile ServerEntry entry;
    private final EventBuffer events = new EventBuffer();
    private volatile ServerState state = ServerState.initial();
    private volatile List<JobRef> jobs = List.of();
    private volatile List<FailoverRef> failovers = List.of();

    Server(ServerEntry entry) {
        this.entry = Objects.requireNonNull(entry, "entry");
    }

    public ServerEntry entry() {
        return entry;
    }

    /** Replaces the entry by one for the same address (the agent's fingerprint pinned). */
    void entry(ServerEntry pinned) {
        if (!pinned.address().equals(entry.address())) {
            throw new IllegalArgumentException("an entry for " + pinned.address() + " cannot replace " + entry.address());
        }
        this.entry = pinned;
    }

    public ServerState state() {
        return state;
    }

    /** The jobs as last read, in the agent's order. */
    public List<JobRef> jobs() {
        return jobs;
    }

    /** The failovers as last read, in the agent's order. */
    public List<FailoverRef> failovers() {
        return failovers;
    }

    /** The job of that name as last read, or {@code null}. */
    public JobRef job(String name) {
        return jobs.stream().filter(j -> j.name().equals(name)).findFirst().orElse(null);
    }

    public EventBuffer events() {
        return events;
    }

    /** The agent's display name: its own if known, else its address. */
    public String displayName() {
        var status = state.status();
        return status != null ? status.identity().name() : entry.address().toString();
    }

    /** Records a new state; with a snapshot, updates jobs, failovers and events and returns the new events. */
    synchronized List<Event> state(ServerState newState) {
        ServerState old = state;
        this.state = Objects.requireNonNull(newState, "newState");
        AgentSnapshot snapshot = newState.snapshot();
        if (snapshot == null || snapshot == old.snapshot()) {
            return List.of();
        }
        if (old.status() != null && !old.status().identity().fingerprint()
                .equals(snapshot.status().identity().fingerprint())) {
            events.clear(); // another agent answers at this address now
        }
        long at = newState.at().toEpochMilli();
        Map<String, JobRef> known = new LinkedHashMap<>();
        jobs.forEach(j -> known.put(j.name(), j));
        List<JobRef> nextJobs = new ArrayList<>();
        for (JobStatus job : snapshot.jobs()) {
            JobRef ref = known.get(job.definition().name());
            if (ref == null) {
                ref = new JobRef(this, job);
            }
            ref.update(job, at);
            nextJobs.add(ref);
        }
        jobs = List.copyOf(nextJobs);
        Map<String, FailoverRef> knownFailovers = new LinkedHashMap<>();
        failovers.forEach(f -> knownFailovers.put(f.name(), f));
        List<FailoverRef> nextFailovers = new ArrayList<>();
        for (FailoverStatus failover : snapshot.failovers()) {
            FailoverRef ref = knownFailovers.get(failover.name());
            if (ref == null) {
                ref = new FailoverRef(this, failover);
            }
            ref.update(failover);
            nextFailovers.add(ref);
        }
        failovers = List.copyOf(nextFailovers);
        return events.append(snapshot.events());
    }

    @Override
    public String toString() {
        return "Server[" + entry.address() + ", " + state.connection() + "]";
    }
}
