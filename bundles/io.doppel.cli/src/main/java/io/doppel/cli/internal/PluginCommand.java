package io.doppel.cli.internal;

import java.time.Duration;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** {@code doppel plugin …}: the feature plugins of the agent's installation, from an update site. */
final class PluginCommand implements CliCommand {

    /** Installing downloads and unpacks; the usual answer time of a command is not enough. */
    private static final Duration CHANGE_TIMEOUT = Duration.ofMinutes(5);

    @Override
    public String name() {
        return "plugin";
    }

    @Override
    public String summary() {
        return "List, install and remove the agent's feature plugins (update site).";
    }

    @Override
    public String usage() {
        return """
                Usage: doppel [AGENT OPTIONS] plugin list
                       doppel [AGENT OPTIONS] plugin available REPOSITORY
                       doppel [AGENT OPTIONS] plugin install REPOSITORY FEATURE...
                       doppel [AGENT OPTIONS] plugin remove FEATURE...

                Feature plugins (interceptors, application failover plugins, witnesses) come from a
                Doppel update site: REPOSITORY is its URL (file:, http:, https:) or absolute path,
                on the agent's machine. 'available' lists what the site offers and what the agent has.
                'install' puts the features into the agent's installation and starts them in the
                running agent; every agent of the same installation has them from its next start.
                The agent's user must be able to write its installation folder ('list' says).
                FEATURE is a feature id such as io.doppel.failover.app.windows.sqlserver.feature.
                Installing waits up to 5 minutes unless --timeout says otherwise.
                """;
    }

    @Override
    public void run(Options options, Output out) throws CliException {
        Args a = Args.parse(options.commandArgs(), Set.of(), Set.of());
        String verb = a.positional(0, "what to do: list, available, install or remove");
        JsonObject args = new JsonObject();
        String command;
        switch (verb) {
            case "list" -> {
                a.noMorePositional(1);
                command = "plugins.list";
            }
            case "available" -> {
                a.noMorePositional(2);
                args.addProperty("repository", a.positional(1, "the update site (URL or absolute path)"));
                command = "plugins.available";
            }
            case "install" -> {
                args.addProperty("repository", a.positional(1, "the update site (URL or absolute path)"));
                a.positional(2, "the feature to install (doppel plugin available REPOSITORY lists them)");
                args.add("features", features(a, 2));
                command = "plugins.install";
            }
            case "remove" -> {
                a.positional(1, "the feature to remove (doppel plugin list shows them)");
                args.add("features", features(a, 1));
                command = "plugins.remove";
            }
            default -> throw new CliException(Exit.USAGE, "unknown plugin action '" + verb
                    + "'; expected list, available, install or remove");
        }
        Options o = options;
        if (command.equals("plugins.install") || command.equals("plugins.remove")) {
            if (options.timeout().equals(Options.DEFAULT_TIMEOUT)) {
                o = new Options(options.agent(), options.home(), options.tokenFile(), options.json(), CHANGE_TIMEOUT,
                        options.help(), options.version(), options.command(), options.commandArgs());
            }
        }
        JsonElement result = Remote.call(o, command, args);
        if (out.json()) {
            out.json(result);
            return;
        }
        JsonObject r = result.getAsJsonObject();
        switch (command) {
            case "plugins.list" -> {
                out.line("installation " + r.get("installFolder").getAsString()
                        + (r.get("writable").getAsBoolean() ? "" : " (not writable by the agent: no install or remove)"));
                for (JsonElement e : r.getAsJsonArray("features")) {
                    JsonObject f = e.getAsJsonObject();
                    out.line(String.format("  %-52s %-24s %s", f.get("id").getAsString(),
                            f.get("version").getAsString(), f.get("name").getAsString()));
                }
            }
            case "plugins.available" -> {
                out.line("update site " + r.get("repository").getAsString());
                for (JsonElement e : r.getAsJsonArray("features")) {
                    JsonObject f = e.getAsJsonObject();
                    String installed = f.has("installed") && !f.get("installed").isJsonNull()
                            ? "installed " + f.get("installed").getAsString() : "-";
                    out.line(String.format("  %-52s %-24s %-30s %s", f.get("id").getAsString(),
                            f.get("version").getAsString(), installed, f.get("name").getAsString()));
                }
            }
            default -> {
                for (JsonElement e : r.getAsJsonArray("features")) {
                    JsonObject f = e.getAsJsonObject();
                    out.line((command.equals("plugins.install") ? "installed " : "removed   ") + f.get("id").getAsString()
                            + " " + f.get("version").getAsString());
                }
                for (JsonElement b : r.getAsJsonArray("bundles")) {
                    out.line("  bundle " + b.getAsString());
                }
                out.line(r.get("message").getAsString());
            }
        }
    }

    private static JsonArray features(Args a, int from) {
        JsonArray ids = new JsonArray();
        for (int i = from; i < a.positional.size(); i++) {
            ids.add(a.positional.get(i));
        }
        return ids;
    }
}
