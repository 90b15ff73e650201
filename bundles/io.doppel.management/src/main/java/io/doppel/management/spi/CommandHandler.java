package io.doppel.management.spi;

import org.osgi.annotation.versioning.ConsumerType;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * One management command, contributed as an OSGi service. The agent's endpoint dispatches each
 * authenticated request to the handler whose {@link #name()} matches its {@code command}.
 *
 * <p>Handlers run on the endpoint's bounded worker pool; a slow handler delays only its caller.
 */
@ConsumerType
public interface CommandHandler {

    /** Service property naming the command, so the endpoint can index handlers without calling them. */
    String COMMAND = "doppel.command";

    /** The command name, e.g. {@code status} or {@code job.create}. */
    String name();

    /** One line of help for {@code doppel help}. */
    String description();

    /**
     * Runs the command.
     *
     * @param args the request's arguments (never {@code null})
     * @return the result, serialised as JSON
     * @throws CommandException for anything the caller did wrong or should know, with a code
     */
    JsonElement handle(JsonObject args) throws CommandException;
}
