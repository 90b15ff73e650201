package io.doppel.agent.internal.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.event.Event;
import io.doppel.api.event.EventQuery;
import io.doppel.api.event.Severity;

class EventFilesTest {

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000);

    private EventFiles open(long fileBytes, int files) throws IOException {
        return new EventFiles(dir, "agent-a", fileBytes, files, now::get);
    }

    private static EventQuery all(int limit) {
        return new EventQuery(0, 0, null, null, limit);
    }

    @Test
    void eventsAreNumberedKeptAndFoundAgainAfterAReopen() throws Exception {
        try (EventFiles log = open(64 * 1024, 4)) {
            Event first = log.post(Severity.INFO, "web", "job.state", "REPLICATING: target at 0");
            now.addAndGet(1000);
            log.post(Severity.WARNING, "web", "job.state", "DISCONNECTED: the target closed the connection");
            now.addAndGet(1000);
            log.post(Severity.ERROR, "db", "mirror.failed", "full mirror failed: disk full");
            log.post(Severity.INFO, null, "agent.started", "agent 'agent-a' started");
            assertEquals(1, first.id());
            assertEquals("agent-a", first.agent());
        }
        try (EventFiles log = open(64 * 1024, 4)) {
            List<Event> all = log.query(all(100), Duration.ZERO);
            assertEquals(List.of(1L, 2L, 3L, 4L), all.stream().map(Event::id).toList());
            assertEquals(5, log.post(Severity.INFO, "web", "x", "after the reopen").id(), "ids go on");
            assertEquals(List.of(2L, 3L), ids(log.query(new EventQuery(0, 0, Severity.WARNING, null, 100), Duration.ZERO)));
            assertEquals(List.of(1L, 2L, 5L), ids(log.query(new EventQuery(0, 0, null, "web", 100), Duration.ZERO)));
            assertEquals(List.of(3L, 4L, 5L), ids(log.query(new EventQuery(0, 1_002_000, null, null, 100), Duration.ZERO)));
            assertEquals(List.of(4L, 5L), ids(log.query(new EventQuery(3, 0, null, null, 100), Duration.ZERO)));
            assertEquals(List.of(1L, 2L), ids(log.query(all(2), Duration.ZERO)), "the limit keeps the oldest");
        }
    }

    @Test
    void theNewestOfTheMatchesAreFoundInMemoryAndInTheFilesAlike() throws Exception {
        try (EventFiles log = open(2048, 6)) {
            for (int i = 0; i < 120; i++) {
                log.post(i % 3 == 0 ? Severity.WARNING : Severity.INFO, i % 2 == 0 ? "web" : "db", "job.state",
                        "event number " + i + " with some words to take room");
                now.addAndGet(1000);
            }
            checkNewest(log);
        }
        try (EventFiles log = open(2048, 6)) { // after a reopen memory holds the last file only: the rest is read from the files
            checkNewest(log);
        }
    }

    private static void checkNewest(EventFiles log) throws InterruptedException {
        List<Event> kept = log.query(all(10_000), Duration.ZERO);
        assertTrue(kept.get(0).id() > 1, "the test wants the oldest rotated away, so that the files are walked");
        for (EventQuery q : List.of(new EventQuery(0, 0, null, "web", 7, true),
                new EventQuery(0, 0, Severity.WARNING, "db", 4, true), new EventQuery(0, 0, null, null, 1, true),
                new EventQuery(110, 0, null, null, 50, true), new EventQuery(0, 1_000_000 + 100_000, null, "web", 50, true),
                new EventQuery(0, 0, null, "db", 10_000, true), new EventQuery(0, 0, null, "nobody", 5, true))) {
            List<Long> matching = kept.stream().filter(q::matches).map(Event::id).toList();
            List<Long> expected = matching.subList(Math.max(0, matching.size() - q.limit()), matching.size());
            assertEquals(expected, ids(log.query(q, Duration.ZERO)), q.toString());
        }
        assertEquals(List.of(119L, 120L), ids(log.query(new EventQuery(0, 0, null, null, 2, true), Duration.ZERO)),
                "the last two, oldest first");
    }

    @Test
    void theLogRotatesAndStaysWithinItsBound() throws Exception {
        try (EventFiles log = open(2048, 3)) {
            for (int i = 0; i < 200; i++) {
                log.post(Severity.INFO, "web", "job.state", "event number " + i + " with some words to take room");
            }
            long bytes;
            long count;
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> all = files.toList();
                count = all.size();
                bytes = all.stream().mapToLong(p -> p.toFile().length()).sum();
            }
            assertEquals(3, count, "at most the files it may keep");
            assertTrue(bytes <= 3 * 2048, bytes + " bytes");
            List<Event> kept = log.query(all(10_000), Duration.ZERO);
            assertEquals(200, kept.get(kept.size() - 1).id(), "the newest are kept");
            assertTrue(kept.get(0).id() > 1, "the oldest went");
        }
        try (EventFiles log = open(2048, 3)) {
            List<Event> kept = log.query(new EventQuery(0, 0, null, null, 10_000), Duration.ZERO);
            for (int i = 1; i < kept.size(); i++) {
                assertEquals(kept.get(i - 1).id() + 1, kept.get(i).id(), "read back in order, without holes");
            }
            assertEquals(201, log.post(Severity.INFO, null, "x", "y").id());
        }
    }

    @Test
    void aLineCutShortByACrashIsSkipped() throws Exception {
        try (EventFiles log = open(64 * 1024, 4)) {
            log.post(Severity.INFO, "web", "a", "whole");
        }
        Path file;
        try (Stream<Path> files = Files.list(dir)) {
            file = files.findFirst().orElseThrow();
        }
        Files.writeString(file, "{\"id\":2,\"timeMillis\":5,\"sever", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (EventFiles log = open(64 * 1024, 4)) {
            assertEquals(List.of(1L), ids(log.query(all(100), Duration.ZERO)));
            Event next = log.post(Severity.INFO, "web", "b", "after the crash");
            assertEquals(2, next.id());
        }
        try (EventFiles log = open(64 * 1024, 4)) {
            assertEquals(List.of(1L, 2L), ids(log.query(all(100), Duration.ZERO)), "the torn line does not hide the next");
        }
    }

    @Test
    void anEmptyNewestFileDoesNotHideTheOlderOnes() throws Exception {
        try (EventFiles log = open(1024, 4)) {
            for (int i = 0; i < 12; i++) {
                log.post(Severity.INFO, "web", "a", "event " + i + " long enough to fill a small file quickly");
            }
        }
        Path newest;
        try (Stream<Path> files = Files.list(dir)) {
            newest = files.sorted().reduce((a, b) -> b).orElseThrow();
        }
        Files.write(newest, new byte[0]); // its one line was lost in a crash
        try (EventFiles log = open(1024, 4)) {
            List<Event> kept = log.query(all(100), Duration.ZERO);
            assertTrue(!kept.isEmpty() && kept.get(0).id() >= 1, "the older files are still read: " + kept);
        }
    }

    @Test
    void aQueryWaitsForTheNextMatchingEvent() throws Exception {
        try (EventFiles log = open(64 * 1024, 4)) {
            log.post(Severity.INFO, "web", "a", "before");
            CompletableFuture<List<Event>> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return log.query(new EventQuery(1, 0, Severity.ERROR, null, 10), Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            log.post(Severity.INFO, "web", "b", "not serious enough: the query goes on waiting");
            assertFalse(next.isDone(), "nothing it waits for exists yet");
            log.post(Severity.ERROR, "web", "c", "this one");
            List<Event> got = next.get(30, TimeUnit.SECONDS);
            assertEquals(List.of(3L), ids(got));
            assertEquals(List.of(), log.query(new EventQuery(3, 0, null, null, 10), Duration.ofMillis(50)),
                    "nothing after the last: an empty answer when the wait ends");
        }
    }

    private static List<Long> ids(List<Event> events) {
        return events.stream().map(Event::id).toList();
    }
}
