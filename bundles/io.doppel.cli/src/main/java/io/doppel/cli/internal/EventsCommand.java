package io.doppel.cli.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** {@code doppel events}: the agent's event log, filtered, and followed live. */
final class EventsCommand implements CliCommand {

    private static final Pattern AGO = Pattern.compile("(\\d+)([smhd])");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @Override
    public String name() {
        return "events";
    }

    @Override
    public String summary() {
        return "Show the agent's events (state changes, mirrors, verifications, restores, errors, security), or follow them.";
    }

    @Override
    public String usage() {
        return """
                Usage: doppel [AGENT OPTIONS] events [--job NAME] [--severity info|warning|error|critical]
                                              [--since 30m|2h|7d|2026-11-22T08:00:00Z] [--limit N] [--follow]

                Every state change of a job, mirror, verification, restore, error and security refusal
                is an event with a time, severity, job, code and message, kept on the agent (rotating,
                bounded). Without --since, the last hour's. --severity shows that severity and worse.
                --limit N shows the newest N of them (oldest first, like the rest); with --follow, it
                stops after N. --follow goes on showing events as they happen (until interrupted, or until --limit
                events were shown). With --json, a JSON array; with --json --follow, one event per line.
                """;
    }

    @Override
    public void run(Options options, Output out) throws CliException {
        Args a = Args.parse(options.commandArgs(), Set.of("job", "severity", "since", "limit"), Set.of("follow"));
        a.noMorePositional(0);
        boolean follow = a.flags.containsKey("follow");
        int limit = 1000;
        if (a.flags.containsKey("limit")) {
            try {
                limit = Integer.parseInt(a.flags.get("limit"));
            } catch (NumberFormatException e) {
                throw new CliException(Exit.USAGE, "--limit takes a whole number, not '" + a.flags.get("limit") + "'");
            }
            if (limit < 1 || limit > 10_000) {
                throw new CliException(Exit.USAGE, "--limit must be 1..10000, not " + limit);
            }
        }
        JsonObject args = new JsonObject();
        args.addProperty("job", a.flags.get("job"));
        args.addProperty("severity", a.flags.get("severity"));
        args.addProperty("since", since(a.flags.getOrDefault("since", "1h")).toEpochMilli());
        args.addProperty("limit", limit);
        // the last N of the window; a follow starts at the window's beginning and reads on from there
        args.addProperty("newest", !follow);
        JsonArray events = Remote.call(options, "event.list", args).getAsJsonArray();
        if (!follow) {
            if (out.json()) {
                out.json(events);
            } else if (events.isEmpty()) {
                out.line("no events");
            } else {
                events.forEach(e -> out.line(line(e.getAsJsonObject())));
            }
            return;
        }
        int shown = 0;
        long lastId = 0;
        long timeout = options.timeout().toSeconds(); // 0: calls wait as long as they take
        args.addProperty("waitSeconds", timeout == 0 ? 60 : (int) Math.max(1, Math.min(60, timeout / 2)));
        while (true) {
            for (JsonElement e : events) {
                JsonObject event = e.getAsJsonObject();
                out.line(out.json() ? event.toString() : line(event));
                lastId = Math.max(lastId, event.get("id").getAsLong());
                if (a.flags.containsKey("limit") && ++shown >= limit) {
                    return;
                }
            }
            args.remove("newest");
            if (lastId > 0) {
                args.addProperty("afterId", lastId);
            }
            args.addProperty("limit", a.flags.containsKey("limit") ? limit - shown : 1000);
            events = Remote.call(options, "event.list", args).getAsJsonArray();
        }
    }

    static String line(JsonObject e) {
        String job = e.has("job") && !e.get("job").isJsonNull() ? e.get("job").getAsString() : "-";
        return String.format("%s  %-8s %-16s %-20s %s", TIME.format(Instant.ofEpochMilli(e.get("timeMillis").getAsLong())),
                e.get("severity").getAsString(), job, e.get("code").getAsString(), e.get("message").getAsString());
    }

    /** {@code 30m}, {@code 2h}, {@code 7d} ago, or an ISO instant. */
    static Instant since(String text) throws CliException {
        Matcher m = AGO.matcher(text.strip());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return Instant.now().minus(d);
        }
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw new CliException(Exit.USAGE, "--since takes an age (30m, 2h, 7d) or a time like 2026-11-22T08:00:00Z, not '"
                    + text + "'");
        }
    }
}
