package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.doppel.api.event.Event;
import io.doppel.api.event.EventQuery;
import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobState;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/** The recovery point objective: an event when unapplied changes go back beyond it, another when they no longer do. */
class RpoTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void changesHeldBackBeyondTheRpoTargetAreAnEventAndSoIsTheRecovery() throws Exception {
        SelfPair pair = SelfPair.open(RpoTest.class, "rpo-work");
        String name = "rpo";
        Path source = Files.createDirectories(pair.work.resolve(name));
        pair.jobs.create(new JobDefinition(name, source.toString(), pair.target, pair.home.identity().fingerprint(), null,
                false, "none", "fast", null, 0, null, 0, "none", null, 0, 1));
        pair.jobs.start(name);
        awaitCondition(WAIT, () -> pair.job(name).state() == JobState.REPLICATING, "the job to replicate");
        pair.jobs.pause(name); // captured, not sent: the change waits and grows older than the RPO
        byte[] data = "held back".getBytes(StandardCharsets.UTF_8);
        pair.engine.capture(name, new Op.Create(RelPath.of("a.txt"), 0644, -1, -1));
        pair.engine.capture(name, new Op.Write(RelPath.of("a.txt"), 0, data));
        awaitCondition(WAIT, () -> events(pair, name).stream().anyMatch(e -> e.code().equals("rpo.exceeded")),
                "an event for the RPO exceeded");
        pair.jobs.start(name);
        awaitCondition(WAIT, () -> events(pair, name).stream().anyMatch(e -> e.code().equals("rpo.recovered")),
                "an event for the RPO met again");
        List<String> codes = events(pair, name).stream().map(Event::code).filter(c -> c.startsWith("rpo.")).toList();
        assertTrue(codes.equals(List.of("rpo.exceeded", "rpo.recovered")), "told once each way, in order: " + codes);
        Event exceeded = events(pair, name).stream().filter(e -> e.code().equals("rpo.exceeded")).findFirst().orElseThrow();
        assertTrue(exceeded.message().contains("RPO target of 1 s"), exceeded.message());
        pair.jobs.stop(name);
    }

    private static List<Event> events(SelfPair pair, String job) {
        try {
            return pair.events.query(new EventQuery(0, 0, null, job, 1000), Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
