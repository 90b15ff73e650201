package io.doppel.cli.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** {@code doppel settings …}: the agent's configuration, described and checked by MetaType. */
final class SettingsCommand implements CliCommand {

    @Override
    public String name() {
        return "settings";
    }

    @Override
    public String summary() {
        return "Show, change and reset the agent's settings (each group checked against its definition).";
    }

    @Override
    public String usage() {
        return """
                Usage: doppel [AGENT OPTIONS] settings [list]
                       doppel [AGENT OPTIONS] settings show PID
                       doppel [AGENT OPTIONS] settings set PID KEY=VALUE [KEY=VALUE…]
                       doppel [AGENT OPTIONS] settings reset PID [KEY…]

                The agent's settings come in groups, one per configuration PID (e.g.
                io.doppel.replication.receiver); 'settings' lists every group with its values, 'show'
                one group with each setting's type, default, allowed values and description.
                'set' checks every value (type, range, allowed values, known keys) before changing
                anything: if one is wrong nothing changes and the error names it. All values of one
                'set' take effect together, at once, and persist across restarts. A list value is
                comma-separated (KEY=a,b,c) or given by repeating the key (KEY=a KEY=b).
                'reset' removes the given keys, or the whole group, so that the defaults apply again.
                Secrets (passwords) are never shown: they show as (set).
                """;
    }

    @Override
    public void run(Options options, Output out) throws CliException {
        Args a = Args.parse(options.commandArgs(), Set.of(), Set.of());
        String verb = a.positional.isEmpty() ? "list" : a.positional.get(0);
        JsonObject args = new JsonObject();
        switch (verb) {
            case "list" -> {
                a.noMorePositional(1);
                JsonElement result = Remote.call(options, "settings.list", args);
                if (out.json()) {
                    out.json(result);
                } else {
                    table(result.getAsJsonArray(), out);
                }
            }
            case "show", "set", "reset" -> {
                String pid = a.positional(1, "the setting group (PID); 'doppel settings' lists them");
                args.addProperty("pid", pid);
                String command = "settings.get";
                if (verb.equals("show")) {
                    a.noMorePositional(2);
                } else if (verb.equals("set")) {
                    args.add("values", values(a.positional.subList(2, a.positional.size())));
                    command = "settings.set";
                } else {
                    JsonArray keys = new JsonArray();
                    a.positional.subList(2, a.positional.size()).forEach(keys::add);
                    if (!keys.isEmpty()) {
                        args.add("keys", keys);
                    }
                    command = "settings.reset";
                }
                JsonObject group = Remote.call(options, command, args).getAsJsonObject();
                if (out.json()) {
                    out.json(group);
                } else {
                    show(group, out);
                }
            }
            default -> throw new CliException(Exit.USAGE, "unknown settings action '" + verb
                    + "'; expected list, show, set or reset");
        }
    }

    /** KEY=VALUE words as a JSON object; a repeated key becomes a list. */
    static JsonObject values(List<String> words) throws CliException {
        if (words.isEmpty()) {
            throw new CliException(Exit.USAGE, "missing KEY=VALUE: what to set");
        }
        Map<String, JsonArray> byKey = new LinkedHashMap<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new CliException(Exit.USAGE, "'" + w + "' is not KEY=VALUE");
            }
            byKey.computeIfAbsent(w.substring(0, eq), k -> new JsonArray()).add(w.substring(eq + 1));
        }
        JsonObject values = new JsonObject();
        byKey.forEach((k, v) -> values.add(k, v.size() == 1 ? v.get(0) : v));
        return values;
    }

    private static void table(JsonArray groups, Output out) {
        out.line(String.format("%-38s %-22s %-24s %s", "GROUP (PID)", "SETTING", "VALUE", "DEFAULT"));
        for (JsonElement e : groups) {
            JsonObject g = e.getAsJsonObject();
            String pid = g.get("pid").getAsString() + (g.get("factory").getAsBoolean() ? " (factory)" : "");
            boolean first = true;
            for (JsonElement ae : g.getAsJsonArray("attributes")) {
                JsonObject at = ae.getAsJsonObject();
                boolean set = at.get("set").getAsBoolean();
                out.line(String.format("%-38s %-22s %-24s %s", first ? pid : "", at.get("id").getAsString(),
                        text(at.get("value")) + (set ? " *" : ""), text(at.get("default"))));
                first = false;
            }
            if (first) {
                out.line(String.format("%-38s %s", pid, "(no settings)"));
            }
        }
        out.line("* set on this agent; the others are defaults");
    }

    private static void show(JsonObject g, Output out) {
        out.line(g.get("pid").getAsString() + "  " + text(g.get("name")));
        out.line("  " + text(g.get("description")));
        for (JsonElement ae : g.getAsJsonArray("attributes")) {
            JsonObject at = ae.getAsJsonObject();
            boolean set = at.get("set").getAsBoolean();
            out.line("");
            out.line(String.format("  %-22s = %s%s", at.get("id").getAsString(), text(at.get("value")),
                    set ? "   (set; default " + text(at.get("default")) + ")" : "   (default)"));
            out.line("    " + text(at.get("name")) + ", " + at.get("type").getAsString()
                    + (at.get("cardinality").getAsInt() != 0 ? " list" : "") + ": " + text(at.get("description")));
            if (at.has("options")) {
                StringBuilder b = new StringBuilder("    one of:");
                at.getAsJsonArray("options").forEach(o -> b.append(' ').append(o.getAsJsonObject().get("value")
                        .getAsString()));
                out.line(b.toString());
            }
        }
    }

    private static String text(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return "-";
        }
        if (e.isJsonArray()) {
            if (e.getAsJsonArray().isEmpty()) {
                return "(none)";
            }
            StringBuilder b = new StringBuilder();
            e.getAsJsonArray().forEach(x -> b.append(b.isEmpty() ? "" : ",").append(x.getAsString()));
            return b.toString();
        }
        String s = e.getAsString();
        return s.isEmpty() ? "\"\"" : s;
    }
}
