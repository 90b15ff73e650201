package io.doppel.plugins.internal;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import org.eclipse.equinox.p2.core.IProvisioningAgentProvider;
import org.eclipse.equinox.p2.core.spi.IAgentServiceFactory;

import io.doppel.management.spi.CommandException;
import io.doppel.management.spi.CommandRegistrations;

/**
 * The agent's plugin commands: which feature plugins this installation has, which an update site
 * offers, installing and removing them (see docs/PLUGINS.md).
 */
@Component(immediate = true)
public final class PluginCommands {

    private final CommandRegistrations commands;

    /**
     * The commands register once p2's profile registry, planner and engine can be had: until then
     * (p2's bundles start lazily with the agent) they would refuse for the wrong reason.
     */
    @Activate
    public PluginCommands(BundleContext context, @Reference IProvisioningAgentProvider provider,
            @Reference(target = "(p2.agent.servicename=org.eclipse.equinox.p2.engine.IProfileRegistry)")
            IAgentServiceFactory profiles,
            @Reference(target = "(p2.agent.servicename=org.eclipse.equinox.p2.planner.IPlanner)")
            IAgentServiceFactory planner,
            @Reference(target = "(p2.agent.servicename=org.eclipse.equinox.p2.engine.IEngine)")
            IAgentServiceFactory engine) {
        Installation installation = new Installation(context, provider);
        commands = new CommandRegistrations(context);
        commands.register("plugins.list", "The feature plugins of this agent's installation: id, name, version, "
                + "whether it is a Doppel plugin; the installation folder and whether the agent can change it.",
                args -> installation.list());
        commands.register("plugins.available", "The feature plugins an update site offers, and which of them this "
                + "installation has: repository (URL or absolute path of a p2 update site).",
                args -> installation.available(CommandRegistrations.text(args, "repository")));
        commands.register("plugins.install", "Install feature plugins from an update site into this agent's "
                + "installation and activate them: repository, features (list of feature ids). Every agent that "
                + "runs from this installation gets them at its next start.",
                args -> installation.install(CommandRegistrations.text(args, "repository"), features(args)));
        commands.register("plugins.remove", "Remove feature plugins from this agent's installation: features (list "
                + "of feature ids). The agent stops using them at once.",
                args -> installation.remove(features(args)));
    }

    private static java.util.List<String> features(com.google.gson.JsonObject args) throws CommandException {
        java.util.List<String> ids = new java.util.ArrayList<>();
        com.google.gson.JsonElement e = args.get("features");
        if (e != null && e.isJsonArray()) {
            for (com.google.gson.JsonElement id : e.getAsJsonArray()) {
                if (!id.isJsonPrimitive() || id.getAsString().isBlank()) {
                    throw new IllegalArgumentException("features: each is a feature id, such as "
                            + "io.doppel.failover.app.windows.sqlserver.feature");
                }
                ids.add(id.getAsString().trim());
            }
        } else if (e != null && e.isJsonPrimitive()) {
            ids.add(e.getAsString().trim());
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("features: give at least one feature id "
                    + "(doppel plugin available REPOSITORY lists them)");
        }
        return ids;
    }

    @Deactivate
    void deactivate() {
        commands.close();
    }
}
