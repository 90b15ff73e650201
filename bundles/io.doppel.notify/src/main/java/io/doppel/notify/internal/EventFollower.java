package io.doppel.notify.internal;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.event.Event;
import io.doppel.api.event.EventLog;
import io.doppel.api.event.EventQuery;
import io.doppel.api.event.Severity;

/**
 * Follows the event log on one named thread, from the newest event at {@link #start()}: it asks the
 * log for the events after the last one it saw (waiting for the next ones), hands those that count to
 * its {@link Outbox}, and sends. The log is only read, never held, so a slow or dead server cannot
 * slow the agent. The outbox retries a failed send with a doubling delay ({@link Backoff}); the first
 * failure of a run of them is posted to the log once (code {@code PREFIX.failed}), and so is the
 * recovery ({@code PREFIX.recovered}). Events with the follower's own codes are never notified by it, so a failure
 * to notify cannot feed itself.
 */
final class EventFollower {

    /** How long one query waits for the next event when nothing is due. */
    static final Duration POLL = Duration.ofSeconds(30);
    /** Most events read from the log at once. */
    static final int BATCH = 500;
    /** Shortest wait between two sends while something waits (so a busy outbox never spins). */
    static final Duration MIN_WAIT = Duration.ofMillis(10);
    private static final Logger LOG = LoggerFactory.getLogger(EventFollower.class);

    private final EventLog log;
    private final Predicate<Event> wanted;
    private final Outbox outbox;
    private final String codePrefix;
    private final Thread thread;
    private volatile boolean stopping;
    private long afterId;
    private boolean reported; // the follower thread's own: a failure was posted, its recovery not yet

    /**
     * @param name       the thread's name
     * @param wanted     which events to notify (the follower's own codes never are)
     * @param codePrefix the follower's event codes: {@code PREFIX.failed}, {@code PREFIX.recovered}
     */
    EventFollower(String name, EventLog log, Predicate<Event> wanted, Outbox outbox, String codePrefix) {
        this.log = log;
        this.wanted = wanted;
        this.outbox = outbox;
        this.codePrefix = codePrefix + ".";
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /** Notes the newest event of the log (what happened before is not notified) and starts following it. */
    void start() {
        try {
            afterId = newestId(log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the event log", e);
        }
        thread.start();
    }

    /** Stops the thread and waits up to {@code timeout} for it (a send in progress has its own timeouts). */
    void stop(Duration timeout) {
        stopping = true;
        thread.interrupt();
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("{} did not stop within {} s; it ends after its current send", thread.getName(),
                    timeout.toSeconds());
        }
    }

    static long newestId(EventLog log) throws InterruptedException {
        long newest = 0;
        while (true) {
            List<Event> events = log.query(new EventQuery(newest, 0, null, null, EventQuery.MAX_LIMIT), Duration.ZERO);
            if (events.isEmpty()) {
                return newest;
            }
            newest = events.getLast().id();
            if (events.size() < EventQuery.MAX_LIMIT) {
                return newest;
            }
        }
    }

    private void run() {
        LOG.info("{} follows the event log after event {}", thread.getName(), afterId);
        while (!stopping) {
            try {
                follow();
            } catch (InterruptedException e) {
                break; // stopping
            } catch (RuntimeException e) {
                // the log itself failed: say so, wait a little, go on
                LOG.error("{}: reading the event log failed; trying again", thread.getName(), e);
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException stop) {
                    break;
                }
            }
        }
        LOG.info("{} stopped", thread.getName());
    }

    private void follow() throws InterruptedException {
        long wait = outbox.isEmpty() ? POLL.toNanos() : Math.max(MIN_WAIT.toNanos(), outbox.nextAttempt().toNanos());
        List<Event> events = log.query(new EventQuery(afterId, 0, null, null, BATCH),
                Duration.ofNanos(Math.min(wait, POLL.toNanos())));
        for (Event e : events) {
            afterId = e.id();
            if (!e.code().startsWith(codePrefix) && wanted.test(e)) {
                outbox.add(e);
            }
        }
        if (!outbox.isEmpty()) {
            send();
        }
    }

    private void send() throws InterruptedException {
        try {
            outbox.send();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            if (stopping) {
                return; // a send cut short by deactivation is no failure to report
            }
            String message = outbox.failedMessage(e);
            LOG.warn("{} (next attempt in {} ms)", message, outbox.nextAttempt().toMillis());
            LOG.debug("the failure to send", e);
            if (!reported) {
                reported = true;
                log.post(Severity.ERROR, null, codePrefix + "failed", message
                        + "; retrying, what waits goes out once it works");
            }
            return;
        }
        if (reported && !outbox.failing()) {
            reported = false;
            String message = outbox.recoveredMessage();
            LOG.info("{}", message);
            log.post(Severity.INFO, null, codePrefix + "recovered", message);
        }
    }
}
