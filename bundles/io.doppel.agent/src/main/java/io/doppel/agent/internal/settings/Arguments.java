package io.doppel.agent.internal.settings;

import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.protocol.Messages;
import io.doppel.management.spi.CommandException;

/** The arguments the settings commands share. */
final class Arguments {

    private Arguments() {
    }

    static String pid(JsonObject args) throws CommandException {
        JsonElement e = args.get("pid");
        if (e == null || !e.isJsonPrimitive() || e.getAsString().isBlank()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "argument 'pid' (the setting group) is required; "
                    + "settings.list shows them");
        }
        return e.getAsString().strip();
    }

    static JsonObject values(JsonObject args) throws CommandException {
        JsonElement e = args.get("values");
        if (e == null || !e.isJsonObject()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "argument 'values' must be an object {key: value, …}");
        }
        return e.getAsJsonObject();
    }

    static List<String> keys(JsonObject args) throws CommandException {
        JsonElement e = args.get("keys");
        List<String> keys = new ArrayList<>();
        if (e == null || e.isJsonNull()) {
            return keys;
        }
        if (!e.isJsonArray()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "argument 'keys' must be a list of setting names");
        }
        for (JsonElement k : e.getAsJsonArray()) {
            if (!k.isJsonPrimitive()) {
                throw new CommandException(Messages.E_BAD_ARGUMENT, "argument 'keys' must be a list of setting names");
            }
            keys.add(k.getAsString().strip());
        }
        return keys;
    }
}
