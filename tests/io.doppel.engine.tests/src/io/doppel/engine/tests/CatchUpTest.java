package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.osgi.framework.FrameworkUtil;

import io.doppel.api.job.JobState;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.ReplicaImages;
import io.doppel.testing.Services;

/**
 * Before a takeover of a source that still answers, the target asks it for its head over the
 * replication connection and waits for the image to apply that far: the figure is the source's as it
 * is now, and a takeover that waits long enough loses nothing that was on its way.
 */
class CatchUpTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void theTargetAsksTheSourceForItsHeadAndWaitsForTheImageToApplyIt() throws Exception {
        SelfPair pair = SelfPair.open(CatchUpTest.class, "catch-up-work");
        ReplicaImages images = Services.await(FrameworkUtil.getBundle(CatchUpTest.class).getBundleContext(),
                ReplicaImages.class, WAIT);
        String name = "catch-up";
        pair.create(name, "4KB/s");
        pair.jobs.start(name);
        awaitCondition(WAIT, () -> pair.job(name).state() == JobState.REPLICATING
                && (pair.job(name).mirror() == null || !pair.job(name).mirror().running()), "the job to replicate");

        byte[] block = new byte[4096];
        new Random(3).nextBytes(block);
        pair.engine.capture(name, new Op.Create(RelPath.of("big.bin"), 0644, -1, -1));
        for (int i = 0; i < 64; i++) { // 256 KiB: a minute at 4 KB/s
            pair.engine.capture(name, new Op.Write(RelPath.of("big.bin"), (long) i * block.length, block));
        }
        long head = pair.job(name).lastSeq();

        long asked = images.catchUp("self", name, Duration.ofSeconds(5), Duration.ofMillis(500));
        assertEquals(head, asked, "the source's journal head, as it is now");
        long applied = images.applied("self", name);
        assertTrue(applied < head, "through 4 KB/s the image cannot have caught up in half a second: " + applied);

        pair.jobs.limit(name, null);
        assertEquals(head, images.catchUp("self", name, Duration.ofSeconds(5), WAIT), "asked again, the same head");
        assertTrue(images.applied("self", name) >= head, "the question returned once the image had applied it all");

        pair.jobs.stop(name);
        awaitCondition(WAIT, () -> images.silentMillis("self", name) < 0, "the source's connection to close");
        assertEquals(-1, images.catchUp("self", name, Duration.ofSeconds(5), WAIT), "no connection: nobody to ask");
    }
}
