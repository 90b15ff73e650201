package io.doppel.notify.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.doppel.api.event.Event;
import io.doppel.api.event.EventLog;
import io.doppel.api.event.EventQuery;
import io.doppel.api.event.Severity;

/** An event log in memory with the service's query semantics (oldest first, waiting for the next). */
final class MemoryEventLog implements EventLog {

    private final String agent;
    private final List<Event> events = new ArrayList<>();

    MemoryEventLog(String agent) {
        this.agent = agent;
    }

    @Override
    public synchronized Event post(Severity severity, String job, String code, String message) {
        Event e = new Event(events.size() + 1, System.currentTimeMillis(), severity, agent, job, code, message);
        events.add(e);
        notifyAll();
        return e;
    }

    @Override
    public synchronized List<Event> query(EventQuery query, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<Event> found = events.stream().filter(query::matches).limit(query.limit()).toList();
            long left = deadline - System.nanoTime();
            if (!found.isEmpty() || left <= 0) {
                return found;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    synchronized List<Event> withCode(String code) {
        return events.stream().filter(e -> e.code().equals(code)).toList();
    }
}
