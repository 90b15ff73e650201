package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

import io.doppel.agent.AgentHome;
import io.doppel.api.event.EventLog;
import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.engine.ReplicationEngine;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.source.JobManager;
import io.doppel.testing.Services;

/**
 * This agent paired with itself over real sockets: it is the source of jobs and, through its own
 * replication endpoint, their target. Jobs have no interceptor; changes enter through the engine.
 */
final class SelfPair {

    final AgentHome home;
    final JobManager jobs;
    final ReplicationEngine engine;
    /** The replication endpoint, HOST:PORT. */
    final String target;
    /** Where the tests' source trees live. */
    final Path work;
    final EventLog events;

    private SelfPair(AgentHome home, JobManager jobs, ReplicationEngine engine, String target, Path work, EventLog events) {
        this.home = home;
        this.jobs = jobs;
        this.engine = engine;
        this.target = target;
        this.work = work;
        this.events = events;
    }

    static SelfPair open(Class<?> testClass, String workName) throws Exception {
        BundleContext context = FrameworkUtil.getBundle(testClass).getBundleContext();
        AgentHome home = Services.await(context, AgentHome.class, Duration.ofSeconds(30));
        JobManager jobs = Services.await(context, JobManager.class, Duration.ofSeconds(30));
        ReplicationEngine engine = Services.await(context, ReplicationEngine.class, Duration.ofSeconds(30));
        PeerStore peers = Services.await(context, PeerStore.class, Duration.ofSeconds(30));
        peers.trust("self", home.identity().fingerprint());
        Path endpoint = home.runDir().resolve("replication.endpoint");
        awaitCondition(Duration.ofSeconds(30), () -> Files.exists(endpoint), "the replication receiver to listen");
        Path work = home.root().resolveSibling(workName);
        Files.createDirectories(work);
        return new SelfPair(home, jobs, engine, Files.readString(endpoint).strip(), work,
                Services.await(context, EventLog.class, Duration.ofSeconds(30)));
    }

    Path image(String name) {
        return home.root().resolve("images/self").resolve(name);
    }

    JobStatus job(String name) {
        return engine.jobs().stream().filter(j -> j.definition().name().equals(name)).findFirst().orElseThrow();
    }

    /** Creates a job for the source tree {@code work/name} (which it creates). */
    Path create(String name, String bandwidth) throws Exception {
        Path source = work.resolve(name);
        Files.createDirectories(source);
        jobs.create(new JobDefinition(name, source.toString(), target, home.identity().fingerprint(), null, false,
                "none", "fast", bandwidth, 0, null, 0, "diff"));
        return source;
    }

    /** A generated tree of about {@code files} entries, mirrored in full into a started job's image. */
    Path mirrored(String name, int files, long seed, Duration wait) throws Exception {
        Path source = create(name, null);
        MirrorTest.Generated.tree(source, new Random(seed), files);
        jobs.start(name);
        jobs.mirror(name, "full", false);
        awaitCondition(wait, () -> {
            JobStatus s = job(name);
            if (s.state() == JobState.ERROR) {
                throw new AssertionError("job failed: " + s.lastError());
            }
            return s.mirror() != null && !s.mirror().running() && s.state() == JobState.REPLICATING;
        }, name + " to finish mirroring");
        assertEquals("", MirrorTest.Generated.rsyncDifferences(source, image(name), false));
        return source;
    }

    /** The codes of a job's events, oldest first. */
    java.util.List<String> eventCodes(String job) throws InterruptedException {
        return events.query(new io.doppel.api.event.EventQuery(0, 0, null, job, 10_000), Duration.ZERO).stream()
                .map(e -> e.code() + (e.code().equals("job.state") ? " " + e.message().split(":")[0] : "")).toList();
    }

    /** Waits until the target acknowledged every op the job captured so far. */
    void awaitApplied(String name, Duration wait) {
        long last = job(name).lastSeq();
        awaitCondition(wait, () -> job(name).ackedSeq() >= last, name + " to apply op " + last);
    }
}
