package io.doppel.cli.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.ManagementClient;
import io.doppel.management.ManagementException;

/** Runs one management command on the agent the options name. */
final class Remote {

    private Remote() {
    }

    static JsonElement call(Options options, String command, JsonObject args) throws CliException {
        try (ManagementClient client = Connector.connect(options)) {
            return client.call(command, args);
        } catch (ManagementException e) {
            throw new CliException(Exit.of(e.reason()), e.code(), e.getMessage());
        }
    }
}
