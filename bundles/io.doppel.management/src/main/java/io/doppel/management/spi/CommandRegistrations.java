package io.doppel.management.spi;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.NoSuchElementException;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.protocol.Json;
import io.doppel.management.protocol.Messages;

/**
 * Registers a component's commands as {@link CommandHandler} services and maps the usual
 * exceptions of its operations to command errors: {@link IllegalArgumentException} → bad argument,
 * {@link NoSuchElementException} → not found, {@link IllegalStateException} → conflict,
 * {@link UncheckedIOException} → IO. Close it when the component deactivates.
 */
public final class CommandRegistrations implements AutoCloseable {

    /** A command's body: its arguments in, a result (serialised with Gson) out. */
    @FunctionalInterface
    public interface Body {
        Object run(JsonObject args) throws CommandException;
    }

    private final BundleContext context;
    private final List<ServiceRegistration<CommandHandler>> registrations = new ArrayList<>();

    public CommandRegistrations(BundleContext context) {
        this.context = context;
    }

    public void register(String name, String description, Body body) {
        CommandHandler handler = new CommandHandler() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public JsonElement handle(JsonObject args) throws CommandException {
                try {
                    return Json.GSON.toJsonTree(body.run(args));
                } catch (IllegalArgumentException e) {
                    throw new CommandException(Messages.E_BAD_ARGUMENT, e.getMessage());
                } catch (NoSuchElementException e) {
                    throw new CommandException(Messages.E_NOT_FOUND, e.getMessage());
                } catch (IllegalStateException e) {
                    throw new CommandException("CONFLICT", e.getMessage());
                } catch (UncheckedIOException e) {
                    throw new CommandException("IO", e.getMessage());
                }
            }
        };
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(CommandHandler.COMMAND, name);
        registrations.add(context.registerService(CommandHandler.class, handler, props));
    }

    @Override
    public void close() {
        registrations.forEach(ServiceRegistration::unregister);
        registrations.clear();
    }

    // --- reading arguments

    /** A text argument that must be there. */
    public static String text(JsonObject args, String field) throws CommandException {
        String value = optional(args, field);
        if (value == null) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "missing argument '" + field + "'");
        }
        return value;
    }

    /** A text argument, or {@code null}. */
    public static String optional(JsonObject args, String field) throws CommandException {
        JsonElement e = args.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "argument '" + field + "' must be text");
        }
        return e.getAsString();
    }

    /** A whole number argument, 0 when absent. */
    public static int integer(JsonObject args, String field) throws CommandException {
        JsonElement e = args.get(field);
        if (e == null || e.isJsonNull()) {
            return 0;
        }
        try {
            return e.getAsInt();
        } catch (RuntimeException ex) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "argument '" + field + "' must be a whole number");
        }
    }

    /** A yes/no argument, false when absent. */
    public static boolean flag(JsonObject args, String field) throws CommandException {
        JsonElement e = args.get(field);
        if (e == null || e.isJsonNull()) {
            return false;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "argument '" + field + "' must be true or false");
        }
        return e.getAsBoolean();
    }
}
