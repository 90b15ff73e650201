package io.doppel.console.internal.wizards;

import java.util.Objects;

import com.google.gson.JsonObject;

import io.doppel.console.internal.model.Server;

/**
 * One step the wizard takes when the admin chooses Finish: a management command on one agent,
 * with the sentence the summary shows for it.
 *
 * @param server      the agent it runs on
 * @param description what it does, in words, e.g. "On alpha: start 'web'"
 * @param command     the management command
 * @param args        its arguments
 */
record PlannedAction(Server server, String description, String command, JsonObject args) {

    PlannedAction {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(args, "args");
    }
}
