package io.doppel.console.internal.model;

import java.util.ArrayDeque;
import java.util.List;

import io.doppel.api.event.Event;

/** The latest events of one agent, as many as the console keeps. Thread-safe. */
public final class EventBuffer {

    /** Most events kept per server. */
    public static final int CAPACITY = 2_000;

    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private long lastId;

    /** Appends the events newer than those held; returns those. */
    synchronized List<Event> append(List<Event> arrived) {
        List<Event> added = arrived.stream().filter(e -> e.id() > lastId).toList();
        for (Event e : added) {
            events.addLast(e);
            lastId = Math.max(lastId, e.id());
            if (events.size() > CAPACITY) {
                events.removeFirst();
            }
        }
        return added;
    }

    /** The id of the newest event held, 0 if none: the next refresh asks for later ones. */
    public synchronized long lastId() {
        return lastId;
    }

    /** The events, oldest first. */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Forgets everything, for an agent whose log started over (restarted with a new home). */
    synchronized void clear() {
        events.clear();
        lastId = 0;
    }
}
