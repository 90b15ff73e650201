package io.doppel.agent.internal.management;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.protocol.Messages;
import io.doppel.management.spi.CommandException;
import io.doppel.management.spi.CommandHandler;

/**
 * The whiteboard of management commands: every {@link CommandHandler} service is reachable by its
 * name as soon as it is registered and gone when it goes. {@code help} is built in.
 */
@Component(service = CommandRegistry.class)
public final class CommandRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(CommandRegistry.class);
    static final String HELP = "help";

    private final Map<String, CommandHandler> handlers = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addHandler(CommandHandler handler) {
        CommandHandler previous = handlers.putIfAbsent(handler.name(), handler);
        if (previous != null && previous != handler) {
            LOG.warn("Two handlers for management command '{}': {} and {}; keeping the first", handler.name(),
                    previous.getClass().getName(), handler.getClass().getName());
        }
    }

    void removeHandler(CommandHandler handler) {
        handlers.remove(handler.name(), handler);
    }

    /** Runs a command, turning every failure into a {@link CommandException} with a code. */
    public JsonElement dispatch(String command, JsonObject args) throws CommandException {
        if (HELP.equals(command)) {
            return help();
        }
        CommandHandler handler = handlers.get(command);
        if (handler == null) {
            throw new CommandException(Messages.E_UNKNOWN_COMMAND, "unknown command '" + command
                    + "'; 'help' lists the commands this agent knows");
        }
        try {
            return handler.handle(args);
        } catch (CommandException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("Management command '{}' failed", command, e);
            throw new CommandException(Messages.E_INTERNAL, "command '" + command + "' failed inside the agent ("
                    + e.getClass().getSimpleName() + "); the agent log has the details");
        }
    }

    private JsonElement help() {
        Map<String, String> sorted = new TreeMap<>();
        sorted.put(HELP, "List the commands this agent knows.");
        handlers.values().forEach(h -> sorted.put(h.name(), h.description()));
        JsonObject result = new JsonObject();
        sorted.forEach(result::addProperty);
        return result;
    }
}
