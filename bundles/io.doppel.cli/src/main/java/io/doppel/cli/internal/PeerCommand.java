package io.doppel.cli.internal;

import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** {@code doppel peer …} and {@code doppel identity}: pairing agents for replication. */
final class PeerCommand implements CliCommand {

    @Override
    public String name() {
        return "peer";
    }

    @Override
    public String summary() {
        return "List, trust and revoke the agents this one replicates with (pairing).";
    }

    @Override
    public String usage() {
        return """
                Usage: doppel [AGENT OPTIONS] peer list
                       doppel [AGENT OPTIONS] peer trust NAME FINGERPRINT
                       doppel [AGENT OPTIONS] peer revoke NAME

                Replication runs over mutual TLS between agents that trust each other's certificate
                fingerprint. Pair a source S and a target T by running, on each, 'peer trust' with the
                other's fingerprint ('doppel identity' on the other agent shows it). Revoking closes the
                peer's connections and refuses new ones.
                """;
    }

    @Override
    public void run(Options options, Output out) throws CliException {
        Args a = Args.parse(options.commandArgs(), Set.of(), Set.of());
        String verb = a.positional(0, "what to do: list, trust or revoke");
        JsonObject args = new JsonObject();
        String command = switch (verb) {
            case "list" -> {
                a.noMorePositional(1);
                yield "peer.list";
            }
            case "trust" -> {
                a.noMorePositional(3);
                args.addProperty("name", a.positional(1, "the peer's name"));
                args.addProperty("fingerprint", a.positional(2, "the peer's fingerprint"));
                yield "peer.trust";
            }
            case "revoke" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the peer's name"));
                yield "peer.revoke";
            }
            default -> throw new CliException(Exit.USAGE, "unknown peer action '" + verb
                    + "'; expected list, trust or revoke");
        };
        JsonElement result = Remote.call(options, command, args);
        if (out.json()) {
            out.json(result);
            return;
        }
        if (result.isJsonArray()) {
            if (result.getAsJsonArray().isEmpty()) {
                out.line("no trusted peers");
            }
            for (JsonElement e : result.getAsJsonArray()) {
                out.line(line(e.getAsJsonObject()));
            }
        } else {
            out.line((verb.equals("trust") ? "trusted  " : "revoked  ") + line(result.getAsJsonObject()));
        }
    }

    private static String line(JsonObject p) {
        return String.format("%-20s %s", p.get("name").getAsString(), p.get("fingerprint").getAsString());
    }
}
