package io.doppel.console.internal.events;

import java.util.Objects;

import io.doppel.api.event.Event;
import io.doppel.console.internal.model.Server;

/**
 * One line of the Events view: an event and the server whose log it came from. Rows are compared by
 * identity, so a viewer keeps the selection on the very row the admin picked.
 */
public final class EventRow {

    private final Server server;
    private final Event event;

    public EventRow(Server server, Event event) {
        this.server = Objects.requireNonNull(server, "server");
        this.event = Objects.requireNonNull(event, "event");
    }

    public Server server() {
        return server;
    }

    public Event event() {
        return event;
    }

    @Override
    public String toString() {
        return "EventRow[" + event.id() + " " + event.code() + " on " + server.entry().address() + "]";
    }
}
