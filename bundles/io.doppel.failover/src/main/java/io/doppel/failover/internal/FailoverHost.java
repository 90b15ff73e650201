package io.doppel.failover.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

import io.doppel.api.event.Severity;
import io.doppel.api.failover.app.ApplicationFailover;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.engine.ReplicaImages;
import io.doppel.failover.internal.plan.Network;

/** What a failover uses of the agent: its images, plugins, event log, tools and threads. */
interface FailoverHost {

    ReplicaImages images();

    /** The plugin of that id, or {@code null} if none is installed. */
    ApplicationFailover application(String id);

    /** Posts an event under the failover's name. */
    void event(Severity severity, String code, String message);

    CommandRunner commands();

    Network network();

    /** This agent's name (the target). */
    String agentName();

    /** The agent's witness, or {@code null} if the witness plugin is not installed. */
    io.doppel.api.failover.witness.Witness witness();

    /** The plugin's own directory for this failover (created), outside the image. */
    java.nio.file.Path workDirectory(String plugin);

    /** Saves the failover's state durably. */
    void save(Failover failover);

    /** Runs probes (bounded). */
    ExecutorService probes();

    /** Starts probe rounds. */
    ScheduledExecutorService ticks();
}
