package io.doppel.agent.internal.commands;

import java.time.Duration;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.api.event.Event;
import io.doppel.api.event.EventLog;
import io.doppel.api.event.EventQuery;
import io.doppel.api.event.Severity;
import io.doppel.management.protocol.Json;
import io.doppel.management.protocol.Messages;
import io.doppel.management.spi.CommandException;
import io.doppel.management.spi.CommandHandler;

/** {@code event.list}: the agent's events, filtered, and waiting for the next ones (a live stream by long polling). */
@Component(service = CommandHandler.class, property = CommandHandler.COMMAND + "=event.list")
public final class EventsCommand implements CommandHandler {

    /** Longest a call waits for the next event. */
    static final int MAX_WAIT_SECONDS = 60;

    private final EventLog log;

    @Activate
    public EventsCommand(@Reference EventLog log) {
        this.log = log;
    }

    @Override
    public String name() {
        return "event.list";
    }

    @Override
    public String description() {
        return "The agent's events, oldest first: afterId (only later ones), since (epoch ms), severity (at least: "
                + "info|warning|error|critical), job, limit (1-" + EventQuery.MAX_LIMIT + ", default 100), newest (true: "
                + "the limit keeps the newest matching events, not the oldest), waitSeconds "
                + "(0-" + MAX_WAIT_SECONDS + ": if none matches yet, wait this long for one).";
    }

    @Override
    public JsonElement handle(JsonObject args) throws CommandException {
        EventQuery query;
        int wait = number(args, "waitSeconds", 0);
        if (wait < 0 || wait > MAX_WAIT_SECONDS) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "waitSeconds must be 0.." + MAX_WAIT_SECONDS + ", not " + wait);
        }
        try {
            String severity = text(args, "severity");
            query = new EventQuery(along(args, "afterId"), along(args, "since"),
                    severity == null ? null : Severity.parse(severity), text(args, "job"), number(args, "limit", 100),
                    io.doppel.management.spi.CommandRegistrations.flag(args, "newest"));
        } catch (IllegalArgumentException e) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, e.getMessage());
        }
        try {
            List<Event> events = log.query(query, Duration.ofSeconds(wait));
            return Json.GSON.toJsonTree(events);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException(Messages.E_INTERNAL, "the agent is stopping");
        }
    }

    private static String text(JsonObject args, String field) throws CommandException {
        JsonElement e = args.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "argument '" + field + "' must be text");
        }
        String s = e.getAsString().strip();
        return s.isEmpty() ? null : s;
    }

    private static long along(JsonObject args, String field) throws CommandException {
        JsonElement e = args.get(field);
        if (e == null || e.isJsonNull()) {
            return 0;
        }
        try {
            return e.getAsLong();
        } catch (RuntimeException ex) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "argument '" + field + "' must be a whole number");
        }
    }

    private static int number(JsonObject args, String field, int otherwise) throws CommandException {
        JsonElement e = args.get(field);
        if (e == null || e.isJsonNull()) {
            return otherwise;
        }
        try {
            return e.getAsInt();
        } catch (RuntimeException ex) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "argument '" + field + "' must be a whole number");
        }
    }
}
