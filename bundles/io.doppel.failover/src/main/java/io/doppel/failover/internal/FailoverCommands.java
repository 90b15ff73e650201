package io.doppel.failover.internal;

import java.util.Set;
import java.util.stream.Collectors;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import io.doppel.api.failover.FailoverDefinition;
import io.doppel.management.protocol.Json;
import io.doppel.management.protocol.Messages;
import io.doppel.management.spi.CommandException;
import io.doppel.management.spi.CommandRegistrations;

/** The failover's management commands ({@code failover.*}). */
@Component(immediate = true)
public final class FailoverCommands {

    private static final Set<String> FIELDS = java.util.Arrays.stream(FailoverDefinition.class.getRecordComponents())
            .map(java.lang.reflect.RecordComponent::getName).collect(Collectors.toUnmodifiableSet());

    private final CommandRegistrations commands;

    @Activate
    public FailoverCommands(BundleContext context, @Reference FailoverManager failovers) {
        commands = new CommandRegistrations(context);
        commands.register("failover.create", "Define how this target takes over from a source: name, source (the "
                + "source agent's peer name), image, addresses (list), agentPort, hostPorts (list), icmp, "
                + "intervalMillis (default 1000), misses (default 3), trigger (ANY|ALL), mode (MANUAL|AUTOMATIC), "
                + "identity {mode ADD|REPLACE, addresses ['ADDRESS/PREFIX@INTERFACE'], hostAlias, takeHostName}, preScripts, "
                + "postScripts, applications [{plugin, settings}], stepTimeoutSeconds (default 60), exposeAt, witness (ask the agent's witness before a takeover), maxBehindOps (the most changes a replica known to be behind may lack for a takeover without the admin's word: 0, the default, or more; -1 for no bound).",
                args -> failovers.create(definition(args)));
        commands.register("failover.list", "Every failover with its state.", args -> failovers.list());
        commands.register("failover.status", "A failover's state, probes and step: name, waitSeconds (0-60: answer at "
                + "its next change of state or step, or after this long).",
                args -> failovers.status(CommandRegistrations.text(args, "name"),
                        CommandRegistrations.integer(args, "waitSeconds")));
        commands.register("failover.definition", "A failover's definition, as failover.create takes it: name.",
                args -> failovers.definition(CommandRegistrations.text(args, "name")));
        commands.register("failover.start", "Start monitoring the source: name.",
                args -> failovers.start(CommandRegistrations.text(args, "name")));
        commands.register("failover.stop", "Stop monitoring the source (no takeover happens): name.",
                args -> failovers.stop(CommandRegistrations.text(args, "name")));
        commands.register("failover.now", "Take over now: name, force (also while the source still answers), "
                + "acceptLoss (also with a replica known to be further behind than maxBehindOps). Refused while the "
                + "source is not known to be lost, unless forced.",
                args -> failovers.now(CommandRegistrations.text(args, "name"), CommandRegistrations.flag(args, "force"),
                        CommandRegistrations.flag(args, "acceptLoss")));
        commands.register("failover.failback", "Give the source's identity back: applications stop, addresses go, "
                + "and the image waits for the source to restore itself from it (doppel job restore): name.",
                args -> failovers.failBack(CommandRegistrations.text(args, "name")));
        commands.register("failover.delete", "Delete a failover that does not serve: name.",
                args -> failovers.delete(CommandRegistrations.text(args, "name")));
        commands.register("failover.plugins", "The application plugins installed here, their availability and "
                + "settings.", args -> failovers.plugins());
    }

    @Deactivate
    void deactivate() {
        commands.close();
    }

    /** An enum field in any case; anything else is refused (Gson alone would read it as absent). */
    private static <E extends Enum<E>> void choice(JsonObject args, String field, Class<E> type) throws CommandException {
        String value = CommandRegistrations.optional(args, field);
        if (value == null) {
            return;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.strip())) {
                args.addProperty(field, e.name());
                return;
            }
        }
        throw new CommandException(Messages.E_BAD_ARGUMENT, "failover definition: " + field + " must be one of "
                + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase() + ", not '" + value + "'");
    }

    private static FailoverDefinition definition(JsonObject args) throws CommandException {
        for (String key : args.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new CommandException(Messages.E_BAD_ARGUMENT, "failover definition: unknown field '" + key
                        + "' (known: " + String.join(", ", new java.util.TreeSet<>(FIELDS)) + ")");
            }
        }
        args = args.deepCopy();
        choice(args, "trigger", FailoverDefinition.Trigger.class);
        choice(args, "mode", FailoverDefinition.Mode.class);
        if (args.has("identity") && args.get("identity").isJsonObject()) {
            choice(args.getAsJsonObject("identity"), "mode", FailoverDefinition.IdentityMode.class);
        }
        try {
            FailoverDefinition d = Json.GSON.fromJson(args, FailoverDefinition.class);
            if (d == null) {
                throw new CommandException(Messages.E_BAD_ARGUMENT, "failover definition: empty");
            }
            return d;
        } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "failover definition: " + e.getMessage());
        }
    }
}
