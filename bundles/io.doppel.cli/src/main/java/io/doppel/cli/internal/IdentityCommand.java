package io.doppel.cli.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** {@code doppel identity}: the agent's name and fingerprint, for pairing. */
final class IdentityCommand implements CliCommand {

    @Override
    public String name() {
        return "identity";
    }

    @Override
    public String summary() {
        return "Print the agent's name and certificate fingerprint (to pair it with another agent).";
    }

    @Override
    public String usage() {
        return """
                Usage: doppel [AGENT OPTIONS] identity [--json]

                Prints NAME FINGERPRINT, ready for 'doppel peer trust NAME FINGERPRINT' on another agent.
                """;
    }

    @Override
    public void run(Options options, Output out) throws CliException {
        if (!options.commandArgs().isEmpty()) {
            throw new CliException(Exit.USAGE, "identity takes no arguments");
        }
        JsonElement id = Remote.call(options, "identity", new JsonObject());
        if (out.json()) {
            out.json(id);
        } else {
            out.line(id.getAsJsonObject().get("name").getAsString() + " "
                    + id.getAsJsonObject().get("fingerprint").getAsString());
        }
    }
}
