package io.doppel.cli.internal;

import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.ManagementClient;
import io.doppel.management.ManagementException;

/** {@code doppel commands}: what the connected agent can do (its installed plugins add commands). */
final class CommandsCommand implements CliCommand {

    @Override
    public String name() {
        return "commands";
    }

    @Override
    public String summary() {
        return "List the management commands the agent knows (plugins add their own).";
    }

    @Override
    public String usage() {
        return """
                Usage: doppel [--agent HOST:PORT --token-file FILE | --home DIR] commands [--json]

                Lists the commands of the agent's management API with a line of help each.
                """;
    }

    @Override
    public void run(Options options, Output out) throws CliException {
        try (ManagementClient client = Connector.connect(options)) {
            JsonElement result = client.call("help", new JsonObject());
            if (out.json()) {
                out.json(result);
                return;
            }
            for (Map.Entry<String, JsonElement> e : result.getAsJsonObject().entrySet()) {
                out.line(String.format("%-20s %s", e.getKey(), e.getValue().getAsString()));
            }
        } catch (ManagementException e) {
            throw new CliException(Exit.of(e.reason()), e.code(), e.getMessage());
        }
    }
}
