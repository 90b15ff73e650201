package io.doppel.console.internal.events;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.doppel.api.event.Event;
import io.doppel.console.internal.model.Server;

/**
 * The events the Events view holds, of every server, at most {@link #CAPACITY}: when more arrive the
 * oldest arrivals go. Not thread-safe: the view uses it on the display thread only.
 */
public final class EventRows {

    /** Most rows held, so that a busy set of agents cannot slow the table down. */
    public static final int CAPACITY = 5_000;

    private final int capacity;
    /** Newest arrival first. */
    private final ArrayDeque<EventRow> rows = new ArrayDeque<>();
    /** Per server, the id of the newest event taken, so that a re-read adds nothing twice. */
    private final Map<Server, Long> lastIds = new HashMap<>();

    public EventRows() {
        this(CAPACITY);
    }

    EventRows(int capacity) {
        this.capacity = capacity;
    }

    /** Adds the events of {@code server} newer than those held (given oldest first); returns how many. */
    public int add(Server server, List<Event> events) {
        long last = lastIds.getOrDefault(server, 0L);
        int added = 0;
        for (Event e : events) {
            if (e.id() > last) {
                rows.addFirst(new EventRow(server, e));
                last = e.id();
                added++;
                if (rows.size() > capacity) {
                    rows.removeLast();
                }
            }
        }
        lastIds.put(server, last);
        return added;
    }

    /** The id of the newest event held for {@code server}, 0 if none. */
    public long lastId(Server server) {
        return lastIds.getOrDefault(server, 0L);
    }

    /** Forgets the events of {@code server} (removed, or another agent answers at its address). */
    public void remove(Server server) {
        rows.removeIf(r -> r.server() == server);
        lastIds.remove(server);
    }

    public int size() {
        return rows.size();
    }

    /** The rows that pass {@code filter}, in {@code order}. */
    public List<EventRow> shown(EventFilter filter, Comparator<EventRow> order) {
        List<EventRow> shown = new ArrayList<>(rows.size());
        for (EventRow row : rows) {
            if (filter.matches(row)) {
                shown.add(row);
            }
        }
        shown.sort(order);
        return shown;
    }
}
