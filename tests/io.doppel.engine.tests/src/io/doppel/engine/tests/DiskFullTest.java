package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.doppel.api.event.Event;
import io.doppel.api.event.EventQuery;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.testing.Cli;

/**
 * The disk that holds a target's image fills up while changes stream to it (a 4 MiB tmpfs mounted
 * over the image): the job says why it waits, keeps capturing, loses nothing, and catches up by
 * itself once space returns (the tmpfs grows to 64 MiB). Needs root for the mount.
 */
class DiskFullTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void aFullImageDiskHoldsTheChangesUntilSpaceReturnsAndNothingIsLost() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a small file system needs root");
        SelfPair pair = SelfPair.open(DiskFullTest.class, "diskfull-work");
        String name = "full";
        Path source = pair.create(name, null);
        Path image = pair.image(name);
        Files.createDirectories(image);
        mount("mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "doppel-test-full", image.toString());
        try {
            pair.jobs.start(name);
            awaitCondition(WAIT, () -> pair.job(name).state() == JobState.REPLICATING, "the job to replicate");
            Random random = new Random(9);
            int files = 12; // 12 MiB for a 4 MiB disk
            for (int i = 0; i < files; i++) {
                write(pair, name, source, "file-" + i + ".bin", random, 1024 * 1024);
            }
            awaitCondition(WAIT, () -> {
                JobStatus s = pair.job(name);
                assertTrue(s.state() != JobState.ERROR, "a full disk is no error of the job: " + s);
                return s.lastError() != null && s.lastError().contains("No space left on device")
                        && s.lastError().contains("free space there");
            }, "the job to say that the target's disk is full");
            JobStatus waiting = pair.job(name);
            assertTrue(waiting.ackedSeq() < waiting.lastSeq(), "the changes wait in the journal: " + waiting);

            // the application goes on working meanwhile; its changes are kept too
            write(pair, name, source, "while-full.bin", random, 64 * 1024);
            Files.writeString(source.resolve("file-0.bin"), "rewritten while the target was full\n");
            pair.engine.capture(name, new Op.Truncate(RelPath.of("file-0.bin"), 0));
            byte[] text = Files.readAllBytes(source.resolve("file-0.bin"));
            pair.engine.capture(name, new Op.Write(RelPath.of("file-0.bin"), 0, text));
            times(pair, name, source, "file-0.bin");

            mount("mount", "-o", "remount,size=64m", image.toString());
            long last = pair.job(name).lastSeq();
            awaitCondition(WAIT, () -> pair.job(name).ackedSeq() >= last && pair.job(name).state() == JobState.REPLICATING,
                    "the job to catch up once space returned");
            assertEquals("", MirrorTest.Generated.rsyncDifferences(source, image, false),
                    "the image equals the source: nothing was lost while the disk was full");
            List<String> codes = pair.events.query(new EventQuery(0, 0, null, name, 1000), Duration.ZERO).stream()
                    .map(Event::code).toList();
            assertEquals(1, codes.stream().filter("target.full"::equals).count(), "one alarm, not one per retry: " + codes);
            assertTrue(codes.indexOf("target.space") > codes.indexOf("target.full"), codes.toString());
            assertTrue(codes.stream().noneMatch(c -> c.equals("mirror.resync")), "no resynchronisation needed: " + codes);
            pair.jobs.stop(name);
        } finally {
            mount("umount", "-l", image.toString());
        }
    }

    private static void write(SelfPair pair, String job, Path source, String name, Random random, int size)
            throws Exception {
        byte[] data = new byte[size];
        random.nextBytes(data);
        RelPath rel = RelPath.of(name);
        Files.write(source.resolve(name), data);
        pair.engine.capture(job, new Op.Create(rel, 0644, -1, -1));
        pair.engine.capture(job, new Op.Write(rel, 0, data));
        times(pair, job, source, name);
    }

    private static void times(SelfPair pair, String job, Path source, String name) throws Exception {
        var a = Files.readAttributes(source.resolve(name), java.nio.file.attribute.BasicFileAttributes.class);
        pair.engine.capture(job, new Op.SetTimes(RelPath.of(name),
                a.lastAccessTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS)));
    }

    private static void mount(String... command) {
        Cli.Result r = Cli.exec(List.of(command), 30);
        assertEquals(0, r.exitCode(), String.join(" ", command) + ": " + r);
    }
}
