package io.doppel.console.internal.events;

import java.util.Locale;

import io.doppel.api.event.Event;
import io.doppel.api.event.Severity;
import io.doppel.console.internal.model.Server;

/**
 * What the admin narrowed the Events view to.
 *
 * @param atLeast the lowest severity shown, or {@code null} for all
 * @param server  the only server shown, or {@code null} for all
 * @param text    shown are events whose code, job or message contains it (any case); blank for all
 */
public record EventFilter(Severity atLeast, Server server, String text) {

    /** Everything. */
    public static final EventFilter NONE = new EventFilter(null, null, "");

    public EventFilter {
        text = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    }

    public boolean matches(EventRow row) {
        Event e = row.event();
        if (atLeast != null && (e.severity() == null || e.severity().compareTo(atLeast) < 0)) {
            return false;
        }
        if (server != null && row.server() != server) {
            return false;
        }
        return text.isEmpty() || contains(e.code()) || contains(e.job()) || contains(e.message());
    }

    private boolean contains(String field) {
        return field != null && field.toLowerCase(Locale.ROOT).contains(text);
    }
}
