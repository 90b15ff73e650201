package io.doppel.agent.internal.events;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonParseException;

import io.doppel.api.event.Event;
import io.doppel.api.event.EventQuery;
import io.doppel.api.event.Severity;
import io.doppel.management.protocol.Json;

/**
 * The event log on disk: JSON lines in files {@code events-<first id>.jsonl}, a new file when the
 * current one reaches {@code maxFileBytes}, the oldest deleted beyond {@code maxFiles} (so the log
 * is bounded). Each event is written when it is posted (a crash of the agent loses none the OS has);
 * a line cut short by a crash, or damaged, is skipped when read. The newest events are also kept in
 * memory, for the queries that follow the log live.
 */
final class EventFiles implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventFiles.class);
    private static final String PREFIX = "events-";
    private static final String SUFFIX = ".jsonl";
    /** Events kept in memory. */
    static final int MEMORY = 10_000;

    private final Path dir;
    private final String agent;
    private final long maxFileBytes;
    private final int maxFiles;
    private final LongSupplier clock;
    /** First id of each file → the file. */
    private final TreeMap<Long, Path> files = new TreeMap<>();
    private final ArrayDeque<Event> recent = new ArrayDeque<>();
    private FileChannel current;
    private long lastId;
    private boolean failing;

    EventFiles(Path dir, String agent, long maxFileBytes, int maxFiles, LongSupplier clock) throws IOException {
        if (maxFileBytes < 1024 || maxFiles < 2) {
            throw new IllegalArgumentException("an event log needs files of at least 1 KiB and at least 2 of them");
        }
        this.dir = dir;
        this.agent = agent;
        this.maxFileBytes = maxFileBytes;
        this.maxFiles = maxFiles;
        this.clock = clock;
        Files.createDirectories(dir);
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(PREFIX) && name.endsWith(SUFFIX)) {
                    try {
                        files.put(Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length())), p);
                    } catch (NumberFormatException e) {
                        LOG.warn("Event log: ignoring the stray file {}", p);
                    }
                }
            }
        }
        if (!files.isEmpty()) {
            lastId = files.lastKey() - 1;
            for (Event e : read(files.lastEntry().getValue())) {
                lastId = Math.max(lastId, e.id());
                remember(e);
            }
        }
    }

    synchronized long lastId() {
        return lastId;
    }

    /** Records an event; on a failing disk it is kept in memory only, and that is logged once. */
    synchronized Event post(Severity severity, String job, String code, String message) {
        Event e = new Event(++lastId, clock.getAsLong(), severity, agent, job, code, message);
        byte[] line = (Json.GSON.toJson(e) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (current == null || current.size() + line.length > maxFileBytes) {
                roll(e.id());
            }
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                current.write(b);
            }
            if (failing) {
                failing = false;
                LOG.info("Event log: writing to {} again", dir);
            }
        } catch (IOException ex) {
            if (!failing) {
                failing = true;
                LOG.error("Event log: cannot write to {} ({}); events are kept in memory only until it can",
                        dir, ex.getMessage());
            }
            closeQuietly();
        }
        remember(e);
        notifyAll();
        return e;
    }

    private void roll(long firstId) throws IOException {
        closeQuietly();
        Path file = dir.resolve(String.format("%s%020d%s", PREFIX, firstId, SUFFIX));
        current = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        files.put(firstId, file);
        while (files.size() > maxFiles) {
            Files.deleteIfExists(files.pollFirstEntry().getValue());
        }
        long firstKept = files.firstKey();
        while (!recent.isEmpty() && recent.peekFirst().id() < firstKept) {
            recent.removeFirst(); // what the log no longer keeps is not answered from memory either
        }
    }

    private void remember(Event e) {
        recent.addLast(e);
        if (recent.size() > MEMORY) {
            recent.removeFirst();
        }
    }

    /** The events that match, oldest first; waits up to {@code wait} for one if none does yet. */
    synchronized List<Event> query(EventQuery q, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<Event> found = find(q);
            long left = deadline - System.nanoTime();
            if (!found.isEmpty() || left <= 0) {
                return found;
            }
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    private List<Event> find(EventQuery q) {
        if (q.newest()) {
            return findNewest(q);
        }
        List<Event> out = new ArrayList<>();
        Event oldestInMemory = recent.peekFirst();
        boolean memoryCovers = oldestInMemory == null ? files.isEmpty()
                : q.afterId() >= oldestInMemory.id() - 1 || oldestInMemory.id() <= firstKeptId();
        if (memoryCovers) {
            for (Event e : recent) {
                if (q.matches(e)) {
                    out.add(e);
                    if (out.size() == q.limit()) {
                        break;
                    }
                }
            }
            return out;
        }
        List<Map.Entry<Long, Path>> all = new ArrayList<>(files.entrySet());
        for (int i = 0; i < all.size() && out.size() < q.limit(); i++) {
            if (i + 1 < all.size() && all.get(i + 1).getKey() <= q.afterId() + 1) {
                continue; // every id in this file is at or below afterId
            }
            for (Event e : read(all.get(i).getValue())) {
                if (q.matches(e)) {
                    out.add(e);
                    if (out.size() == q.limit()) {
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** The newest {@code limit} matching events, oldest first: from memory if it holds them, else file by file backwards. */
    private List<Event> findNewest(EventQuery q) {
        ArrayDeque<Event> out = new ArrayDeque<>();
        for (Iterator<Event> it = recent.descendingIterator(); it.hasNext() && out.size() < q.limit();) {
            Event e = it.next();
            if (q.matches(e)) {
                out.addFirst(e);
            }
        }
        Event oldestInMemory = recent.peekFirst();
        boolean memoryCovers = oldestInMemory == null ? files.isEmpty()
                : q.afterId() >= oldestInMemory.id() - 1 || oldestInMemory.id() <= firstKeptId();
        if (out.size() == q.limit() || memoryCovers) {
            return new ArrayList<>(out);
        }
        long below = oldestInMemory == null ? Long.MAX_VALUE : oldestInMemory.id();
        List<Map.Entry<Long, Path>> all = new ArrayList<>(files.entrySet());
        for (int i = all.size() - 1; i >= 0 && out.size() < q.limit(); i--) {
            if (all.get(i).getKey() >= below) {
                continue; // memory answered for every id in this file
            }
            if (i + 1 < all.size() && all.get(i + 1).getKey() <= q.afterId() + 1) {
                break; // every id in this file and the older ones is at or below afterId
            }
            List<Event> inFile = read(all.get(i).getValue());
            for (int j = inFile.size() - 1; j >= 0 && out.size() < q.limit(); j--) {
                Event e = inFile.get(j);
                if (e.id() < below && q.matches(e)) {
                    out.addFirst(e);
                }
            }
        }
        return new ArrayList<>(out);
    }

    private long firstKeptId() {
        return files.isEmpty() ? 1 : files.firstKey();
    }

    /** The events of one file; lines that are not events (cut short by a crash, damaged) are skipped. */
    private static List<Event> read(Path file) {
        List<Event> events = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                try {
                    Event e = Json.GSON.fromJson(line, Event.class);
                    if (e != null && e.id() > 0 && e.severity() != null && e.code() != null) {
                        events.add(e);
                    }
                } catch (JsonParseException | IllegalStateException ex) {
                    LOG.debug("Event log: skipping a damaged line in {}", file);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return events; // rotated away meanwhile
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("Event log: cannot read {}: {}", file, e.getMessage());
        }
        return events;
    }

    private void closeQuietly() {
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                LOG.debug("Event log: closing {}: {}", dir, e.getMessage());
            }
            current = null;
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
