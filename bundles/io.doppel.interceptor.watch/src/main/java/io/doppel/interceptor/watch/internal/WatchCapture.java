package io.doppel.interceptor.watch.internal;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.capture.Capture;
import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.CaptureRequest;

/**
 * A running watch capture: one named thread that waits for watch events, lets a burst settle,
 * scans the directories the events name, and rescans everything periodically (and after an
 * overflow, when events were lost).
 */
final class WatchCapture implements Capture {

    /** The capture's tunables (from {@link WatchConfig}). */
    record Settings(long rescanMillis, int blockSize, long settleMillis) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(WatchCapture.class);
    private static final long CLOSE_WAIT_MILLIS = 10_000;

    private final CaptureRequest request;
    private final Settings settings;
    private final Rounds rounds;
    private final WatchService watcher;
    private final Map<String, WatchKey> keys = new HashMap<>();
    private final Map<WatchKey, String> dirs = new HashMap<>();
    private final Set<String> unwatchable = new HashSet<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile String failure;
    private volatile boolean stopped;
    private volatile int scans;

    WatchCapture(CaptureRequest request, Settings settings, Emitter.Opener opener, Rounds.CrashPoint crash)
            throws CaptureException {
        this.request = request;
        this.settings = settings;
        this.rounds = new Rounds(request, settings.blockSize(), opener, this::watch, crash);
        try {
            rounds.load();
        } catch (IOException e) {
            throw new CaptureException("cannot read the watch snapshot in " + request.stateDir() + ": " + e.getMessage()
                    + "; remove it to replicate the whole tree again", e);
        }
        try {
            this.watcher = request.root().getFileSystem().newWatchService();
        } catch (IOException e) {
            throw new CaptureException("cannot watch " + request.root() + ": " + e.getMessage(), e);
        }
        this.thread = new Thread(this::run, "doppel-watch-" + request.job());
        thread.setDaemon(true);
    }

    WatchCapture start() {
        thread.start();
        return this;
    }

    @Override
    public String describe() {
        String how = "watching " + request.root() + " (NIO watcher, rescan every " + settings.rescanMillis() / 1000
                + " s)";
        String f = failure;
        return f != null ? how + ", stopped: " + f : stopped ? how + ", stopped" : how;
    }

    @Override
    public String failure() {
        return failure;
    }

    /** How many scans have completed (for status and tests). */
    int scans() {
        return scans;
    }

    /** Whether the capture thread has ended (closed, failed, or the job refused ops). */
    boolean ended() {
        return !thread.isAlive();
    }

    @Override
    public void close() {
        closed = true;
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.debug("closing the watch service of {}", request.job(), e);
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CLOSE_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.warn("{}: the watch thread is still finishing a scan; it stops after it", request.job());
            }
        }
    }

    private void run() {
        try {
            round(Set.of(""));
            long nextFull = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.rescanMillis());
            long settle = TimeUnit.MILLISECONDS.toNanos(settings.settleMillis());
            long lastEvent = 0;
            boolean full = false;
            Set<String> dirty = new TreeSet<>();
            while (!closed) {
                long now = System.nanoTime();
                boolean pending = full || !dirty.isEmpty();
                long deadline = pending ? Math.min(nextFull, lastEvent + settle) : nextFull;
                long waitMillis = TimeUnit.NANOSECONDS.toMillis(Math.max(0, deadline - now));
                WatchKey key = waitMillis == 0 ? watcher.poll() : watcher.poll(waitMillis, TimeUnit.MILLISECONDS);
                if (key != null) {
                    do {
                        full |= collect(key, dirty);
                    } while ((key = watcher.poll()) != null);
                    lastEvent = System.nanoTime();
                    continue;
                }
                now = System.nanoTime();
                if (now - nextFull >= 0) {
                    round(Set.of(""));
                    full = false;
                    dirty.clear();
                    nextFull = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.rescanMillis());
                } else if (pending && now - (lastEvent + settle) >= 0) {
                    round(full ? Set.of("") : outermost(dirty));
                    full = false;
                    dirty.clear();
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed
        } catch (CaptureException e) {
            LOG.info("{}: the job takes no more ops ({}); watching stops", request.job(), e.getMessage());
        } catch (Walker.RootFailure e) {
            fail(e.getMessage(), e);
        } catch (IOException e) {
            fail("cannot write the watch state in " + request.stateDir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            fail("internal error: " + e, e);
        } finally {
            stopped = true;
            try {
                watcher.close();
            } catch (IOException e) {
                LOG.debug("closing the watch service of {}", request.job(), e);
            }
        }
    }

    private void round(Set<String> scope) throws CaptureException, IOException {
        if (closed) {
            return;
        }
        rounds.run(scope);
        forgetRemovedDirectories();
        scans++; // only this thread writes it
    }

    private void fail(String reason, Exception e) {
        if (closed) {
            return;
        }
        failure = reason;
        if (e instanceof RuntimeException) {
            LOG.error("{}: watching {} stopped: {}", request.job(), request.root(), reason, e);
        } else { // an expected failure: the reason says it all
            LOG.error("{}: watching {} stopped: {}", request.job(), request.root(), reason);
        }
    }

    /** Adds the paths an event key names to {@code dirty}; returns whether events were lost. */
    private boolean collect(WatchKey key, Set<String> dirty) {
        String dir = dirs.get(key);
        boolean overflow = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == OVERFLOW) {
                overflow = true;
            } else if (dir != null && event.context() instanceof Path name) {
                dirty.add(dir.isEmpty() ? name.toString() : dir + "/" + name);
            }
        }
        if (!key.reset() && dir != null) {
            dirs.remove(key);
            keys.remove(dir, key);
            dirty.add(dir); // gone: its parent's event says so too, but scanning it is cheap
        }
        return overflow;
    }

    /** Registers a directory the walk is about to list (once; again if its old watch ended). */
    private void watch(String rel, Path dir) {
        WatchKey known = keys.get(rel);
        if (known != null && known.isValid()) {
            return;
        }
        try {
            WatchKey key = dir.register(watcher, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
            keys.put(rel, key);
            dirs.put(key, rel);
            unwatchable.remove(rel);
        } catch (ClosedWatchServiceException e) {
            // closing
        } catch (IOException e) {
            if (unwatchable.add(rel)) {
                LOG.warn("{}: cannot watch {} ({}); changes there are found by the rescan every {} s", request.job(),
                        dir, e.getMessage(), settings.rescanMillis() / 1000);
            }
        }
    }

    private void forgetRemovedDirectories() {
        Snapshot target = rounds.target();
        for (Iterator<Map.Entry<String, WatchKey>> it = keys.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, WatchKey> e = it.next();
            Entry entry = e.getKey().isEmpty() ? null : target.get(e.getKey());
            if (!e.getKey().isEmpty() && (entry == null || !entry.isDir() || !e.getValue().isValid())) {
                e.getValue().cancel();
                dirs.remove(e.getValue());
                it.remove();
            }
        }
    }

    /** The paths of {@code dirty} that do not lie beneath another of them. */
    static Set<String> outermost(Set<String> dirty) {
        Set<String> result = new TreeSet<>();
        for (String p : dirty) {
            boolean covered = false;
            for (int slash = p.indexOf('/'); slash >= 0 && !covered; slash = p.indexOf('/', slash + 1)) {
                covered = dirty.contains(p.substring(0, slash));
            }
            if (!covered) {
                result.add(p);
            }
        }
        return result;
    }
}
