package io.doppel.cli.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.doppel.management.protocol.Json;

/** {@code doppel failover …}: how a target takes over from a source, and the takeover itself. */
final class FailoverCommand implements CliCommand {

    @Override
    public String name() {
        return "failover";
    }

    @Override
    public String summary() {
        return "Monitor a source from its target; take over its identity and applications; fail back.";
    }

    @Override
    public String usage() {
        return """
                Usage: doppel [AGENT OPTIONS] failover create NAME --source PEER --address ADDR [--address ADDR …]
                                              [--image IMAGE] [--agent-port PORT] [--host-port PORT …] [--icmp]
                                              [--interval MS] [--misses N] [--trigger any|all] [--automatic]
                                              [--ip ADDRESS/PREFIX@INTERFACE …] [--replace] [--host-alias NAME]
                                              [--host-name]
                                              [--pre 'COMMAND ARGS' …] [--post 'COMMAND ARGS' …]
                                              [--app PLUGIN …] [--set PLUGIN.KEY=VALUE …]
                                              [--step-timeout SECONDS] [--expose-at DIR] [--witness]
                                              [--max-behind CHANGES|any] [--start]
                       doppel [AGENT OPTIONS] failover create --file FILE [--start]
                       doppel [AGENT OPTIONS] failover list
                       doppel [AGENT OPTIONS] failover status NAME
                       doppel [AGENT OPTIONS] failover start|stop|delete NAME
                       doppel [AGENT OPTIONS] failover now NAME [--force] [--accept-loss] [--wait]
                       doppel [AGENT OPTIONS] failover failback NAME [--wait]
                       doppel [AGENT OPTIONS] failover export NAME [--output FILE]
                       doppel [AGENT OPTIONS] failover plugins

                Run on the TARGET agent. A failover watches the source agent PEER (its name in 'doppel
                peer list') at each ADDR every --interval ms (default 1000): --agent-port is the source
                agent's management port (an answer shows the agent alive, a refusal shows the host alive
                without it), --host-port ports and --icmp show the host alive. An address is lost after
                --misses rounds without any answer (default 3); the source is lost when all addresses
                are (--trigger all, the default) or any one is. A source agent that is down on a host
                that still answers is only DEGRADED: no takeover happens then.
                When the source is lost, a manual failover (the default) raises a critical event and
                waits for 'failover now'; --automatic takes over by itself. The takeover runs, each step
                logged, bounded by --step-timeout (default 60) and tried twice, everything rolled back if
                one fails: pre-scripts, promote the image (replication into it stops, the source is
                refused from then on), expose it at --expose-at (a bind mount, for applications that
                expect the source's paths), identity (--ip addresses brought up, gratuitous ARP sent;
                --replace takes this target's other addresses on those interfaces down; --host-alias
                answered in /etc/hosts; --host-name also makes it this target's own host name while
                it serves), application plugins (--app, settings by --set; 'failover
                plugins' lists them), post-scripts. Scripts get DOPPEL_PHASE (failover|failback),
                DOPPEL_FAILOVER, DOPPEL_SOURCE, DOPPEL_TARGET, DOPPEL_IMAGE, DOPPEL_DATA,
                DOPPEL_ADDRESSES, DOPPEL_SOURCE_ADDRESSES and DOPPEL_APPLIED_SEQ.
                'failover now' is refused while the source is not known to be lost, and while it still
                replicates into the image, unless --force. 'failover failback' gives everything back in
                reverse; the image then admits only the source's restore: on the source run 'doppel job
                restore JOB --checksum-all --wait', after which replication and monitoring resume.
                --witness makes the takeover ask the agents' witness (doppel-agent --witness) first:
                it goes ahead only when the witness has lost the source too, and a target that cannot
                reach the witness (cut off itself) never takes over, not even in automatic mode.
                A replica known to be behind (the source's journal, as last heard, holds changes the
                image lacks) is never promoted by itself: the takeover stops at the promote step and
                waits for 'failover now NAME --accept-loss'. --max-behind allows that many missing
                changes (or any) for a takeover without the admin's word.
                --wait follows the takeover or fail-back to its end (exit 7 if it failed).
                """;
    }

    @Override
    public void run(Options options, Output out) throws CliException {
        Args a = Args.parse(options.commandArgs(), Set.of("source", "image", "address", "agent-port", "host-port",
                "interval", "misses", "trigger", "ip", "host-alias", "pre", "post", "app", "set", "step-timeout",
                "expose-at", "file", "output", "max-behind"), Set.of("icmp", "automatic", "replace", "start", "force",
                "wait", "witness", "accept-loss", "host-name"));
        String verb = a.positional(0, "what to do: create, list, status, start, stop, now, failback, delete, export "
                + "or plugins");
        JsonObject args = new JsonObject();
        switch (verb) {
            case "create" -> create(options, out, a);
            case "list" -> {
                a.noMorePositional(1);
                JsonArray list = Remote.call(options, "failover.list", args).getAsJsonArray();
                if (out.json()) {
                    out.json(list);
                } else if (list.isEmpty()) {
                    out.line("no failovers");
                } else {
                    out.line(String.format("%-16s %-13s %-20s %s", "NAME", "STATE", "SOURCE/IMAGE", "REASON"));
                    for (JsonElement e : list) {
                        JsonObject s = e.getAsJsonObject();
                        out.line(String.format("%-16s %-13s %-20s %s", s.get("name").getAsString(),
                                s.get("state").getAsString(), s.get("source").getAsString() + "/"
                                + s.get("image").getAsString(), text(s, "reason")));
                    }
                }
            }
            case "status", "start", "stop", "delete" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the failover's name"));
                show(out, Remote.call(options, "failover." + verb, args).getAsJsonObject());
            }
            case "now", "failback" -> {
                a.noMorePositional(2);
                String name = a.positional(1, "the failover's name");
                args.addProperty("name", name);
                if (verb.equals("now")) {
                    args.addProperty("force", a.flags.containsKey("force"));
                    args.addProperty("acceptLoss", a.flags.containsKey("accept-loss"));
                }
                long eventsBefore = a.flags.containsKey("wait") ? lastEventId(options) : 0;
                JsonObject started = Remote.call(options, "failover." + verb, args).getAsJsonObject();
                if (!a.flags.containsKey("wait")) {
                    show(out, started);
                    return;
                }
                JsonObject end = follow(options, out, name, verb.equals("now"));
                show(out, end);
                String state = end.get("state").getAsString();
                if (verb.equals("now") ? !state.equals("FAILED_OVER") : state.equals("FAILED_OVER")) {
                    // the state may have moved on already (a living source: back to HEALTHY); the event stays
                    String why = verb.equals("now") ? rolledBack(options, name, eventsBefore) : null;
                    throw new CliException(Exit.AGENT_ERROR, "the " + (verb.equals("now") ? "takeover" : "fail-back")
                            + " failed: " + (why != null ? why : text(end, "reason")));
                }
            }
            case "export" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the failover's name"));
                JsonElement definition = Remote.call(options, "failover.definition", args);
                String text = Json.PRETTY.toJson(definition) + "\n";
                String output = a.flags.get("output");
                if (output == null) {
                    out.line(text.stripTrailing());
                } else {
                    try {
                        Files.writeString(Path.of(output), text, StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new CliException(Exit.USAGE, "cannot write " + output + ": " + e.getMessage());
                    }
                    out.line("wrote " + output);
                }
            }
            case "plugins" -> {
                a.noMorePositional(1);
                JsonArray list = Remote.call(options, "failover.plugins", args).getAsJsonArray();
                if (out.json()) {
                    out.json(list);
                    return;
                }
                for (JsonElement e : list) {
                    JsonObject p = e.getAsJsonObject();
                    out.line(String.format("%-12s %s%s", p.get("id").getAsString(), p.get("description").getAsString(),
                            p.get("available").getAsBoolean() ? "" : " (not available: " + text(p, "reason") + ")"));
                    p.getAsJsonObject("settings").entrySet().forEach(s -> out.line(String.format("    %-14s %s",
                            s.getKey(), s.getValue().getAsString())));
                }
            }
            default -> throw new CliException(Exit.USAGE, "unknown failover action '" + verb + "'");
        }
    }

    private static void create(Options options, Output out, Args a) throws CliException {
        JsonObject d;
        if (a.flags.containsKey("file")) {
            a.noMorePositional(1);
            try {
                d = JsonParser.parseString(Files.readString(Path.of(a.flags.get("file")), StandardCharsets.UTF_8))
                        .getAsJsonObject();
            } catch (IOException | JsonParseException | IllegalStateException e) {
                throw new CliException(Exit.USAGE, "cannot read the failover definition " + a.flags.get("file") + ": "
                        + e.getMessage());
            }
        } else {
            a.noMorePositional(2);
            d = new JsonObject();
            String name = a.positional(1, "the failover's name");
            d.addProperty("name", name);
            d.addProperty("source", need(a, "source"));
            d.addProperty("image", a.flags.getOrDefault("image", name));
            d.add("addresses", strings(a.all.getOrDefault("address", List.of())));
            number(d, "agentPort", a.flags.get("agent-port"));
            JsonArray ports = new JsonArray();
            for (String p : a.all.getOrDefault("host-port", List.of())) {
                ports.add(parse(p, "--host-port"));
            }
            d.add("hostPorts", ports);
            d.addProperty("icmp", a.flags.containsKey("icmp"));
            number(d, "intervalMillis", a.flags.get("interval"));
            number(d, "misses", a.flags.get("misses"));
            if (a.flags.containsKey("trigger")) {
                d.addProperty("trigger", a.flags.get("trigger"));
            }
            d.addProperty("mode", a.flags.containsKey("automatic") ? "AUTOMATIC" : "MANUAL");
            if (a.all.containsKey("ip") || a.flags.containsKey("host-alias")) {
                JsonObject identity = new JsonObject();
                identity.addProperty("mode", a.flags.containsKey("replace") ? "REPLACE" : "ADD");
                identity.add("addresses", strings(a.all.getOrDefault("ip", List.of())));
                if (a.flags.containsKey("host-alias")) {
                    identity.addProperty("hostAlias", a.flags.get("host-alias"));
                }
                identity.addProperty("takeHostName", a.flags.containsKey("host-name"));
                d.add("identity", identity);
            }
            d.add("preScripts", strings(a.all.getOrDefault("pre", List.of())));
            d.add("postScripts", strings(a.all.getOrDefault("post", List.of())));
            d.add("applications", applications(a));
            number(d, "stepTimeoutSeconds", a.flags.get("step-timeout"));
            if (a.flags.containsKey("expose-at")) {
                d.addProperty("exposeAt", a.flags.get("expose-at"));
            }
            d.addProperty("witness", a.flags.containsKey("witness"));
            String behind = a.flags.get("max-behind");
            if ("any".equals(behind)) {
                d.addProperty("maxBehindOps", -1);
            } else if (behind != null) {
                long n = parse(behind, "--max-behind");
                if (n < 0) {
                    throw new CliException(Exit.USAGE, "--max-behind takes a number of changes (0 or more) or 'any', "
                            + "not '" + behind + "'");
                }
                d.addProperty("maxBehindOps", n);
            }
        }
        JsonObject created = Remote.call(options, "failover.create", d).getAsJsonObject();
        if (a.flags.containsKey("start")) {
            JsonObject name = new JsonObject();
            name.addProperty("name", created.get("name").getAsString());
            created = Remote.call(options, "failover.start", name).getAsJsonObject();
        }
        show(out, created);
    }

    private static JsonArray applications(Args a) throws CliException {
        Map<String, JsonObject> settings = new LinkedHashMap<>();
        for (String app : a.all.getOrDefault("app", List.of())) {
            settings.put(app, new JsonObject());
        }
        for (String set : a.all.getOrDefault("set", List.of())) {
            int dot = set.indexOf('.');
            int eq = set.indexOf('=');
            if (dot <= 0 || eq < dot) {
                throw new CliException(Exit.USAGE, "--set needs PLUGIN.KEY=VALUE, not '" + set + "'");
            }
            JsonObject s = settings.get(set.substring(0, dot));
            if (s == null) {
                throw new CliException(Exit.USAGE, "--set " + set + ": no --app " + set.substring(0, dot) + " given");
            }
            s.addProperty(set.substring(dot + 1, eq), set.substring(eq + 1));
        }
        JsonArray apps = new JsonArray();
        settings.forEach((plugin, s) -> {
            JsonObject app = new JsonObject();
            app.addProperty("plugin", plugin);
            app.add("settings", s);
            apps.add(app);
        });
        return apps;
    }

    /** Follows a takeover or fail-back by long polls until it ends. */
    /** The id of the agent's newest event, 0 if it has none. */
    private static long lastEventId(Options options) throws CliException {
        JsonObject args = new JsonObject();
        args.addProperty("limit", 1);
        args.addProperty("newest", true);
        JsonArray events = Remote.call(options, "event.list", args).getAsJsonArray();
        return events.isEmpty() ? 0 : events.get(events.size() - 1).getAsJsonObject().get("id").getAsLong();
    }

    /** Why the takeover this command asked for was rolled back, from the failover's events after {@code afterId}; null if none says. */
    private static String rolledBack(Options options, String name, long afterId) throws CliException {
        JsonObject args = new JsonObject();
        args.addProperty("afterId", afterId);
        args.addProperty("job", name);
        args.addProperty("limit", 1000);
        String why = null;
        for (JsonElement e : Remote.call(options, "event.list", args).getAsJsonArray()) {
            JsonObject event = e.getAsJsonObject();
            if ("failover.rolled-back".equals(text(event, "code"))) {
                why = text(event, "message");
            }
        }
        return why;
    }

    private static JsonObject follow(Options options, Output out, String name, boolean takeover) throws CliException {
        JsonObject args = new JsonObject();
        args.addProperty("name", name);
        long timeout = options.timeout().toSeconds();
        args.addProperty("waitSeconds", timeout == 0 ? 60 : (int) Math.max(1, Math.min(60, timeout / 2)));
        String lastStep = null;
        while (true) {
            JsonObject s = Remote.call(options, "failover.status", args).getAsJsonObject();
            String state = s.get("state").getAsString();
            String step = text(s, "step");
            if (!out.json() && !step.isEmpty() && !step.equals(lastStep)) {
                out.progress("  " + step + " …");
            }
            lastStep = step;
            boolean running = takeover ? state.equals("FAILING_OVER")
                    : state.equals("FAILING_BACK") && !text(s, "reason").startsWith("identity released");
            if (!running) {
                return s;
            }
        }
    }

    private static void show(Output out, JsonObject s) {
        if (out.json()) {
            out.json(s);
            return;
        }
        out.line(String.format("%s: %s (%s/%s, %s) since %s", s.get("name").getAsString(), s.get("state").getAsString(),
                s.get("source").getAsString(), s.get("image").getAsString(), text(s, "mode").toLowerCase(),
                text(s, "since")));
        out.line("  " + text(s, "reason"));
        if (s.has("step") && !s.get("step").isJsonNull()) {
            out.line("  step: " + s.get("step").getAsString());
        }
        if (s.has("appliedSeq") && s.get("appliedSeq").getAsLong() >= 0) {
            out.line("  serves the image as of op " + s.get("appliedSeq").getAsLong()
                    + (s.has("behindOps") && s.get("behindOps").getAsLong() > 0 ? "; the source had journaled "
                            + s.get("behindOps").getAsLong() + " changes more when last heard (not on the replica)" : ""));
        }
        if (s.has("probes")) {
            for (JsonElement e : s.getAsJsonArray("probes")) {
                JsonObject p = e.getAsJsonObject();
                out.line(String.format("  %-24s %-7s misses %d%s  %s", p.get("address").getAsString(),
                        p.get("reach").getAsString(), p.get("misses").getAsInt(), p.get("lost").getAsBoolean()
                        ? " LOST" : "", text(p, "detail")));
            }
        }
    }

    private static String text(JsonObject o, String field) {
        return o.has(field) && !o.get(field).isJsonNull() ? o.get(field).getAsString() : "";
    }

    private static JsonArray strings(List<String> values) {
        JsonArray array = new JsonArray();
        values.forEach(array::add);
        return array;
    }

    private static void number(JsonObject d, String field, String value) throws CliException {
        if (value != null) {
            d.addProperty(field, parse(value, field));
        }
    }

    private static int parse(String value, String what) throws CliException {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new CliException(Exit.USAGE, what + " must be a whole number, not '" + value + "'");
        }
    }

    private static String need(Args a, String flag) throws CliException {
        String v = a.flags.get(flag);
        if (v == null) {
            throw new CliException(Exit.USAGE, "failover create needs --" + flag);
        }
        return v;
    }
}
