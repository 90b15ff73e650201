package io.doppel.engine.internal.commands;


import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.agent.AgentHome;
import io.doppel.api.job.JobDefinition;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.source.JobManager;
import io.doppel.management.protocol.Messages;
import io.doppel.management.spi.CommandException;
import io.doppel.management.spi.CommandRegistrations;

/** The engine's management commands: jobs and peers. */
@Component(immediate = true)
public final class EngineCommands {

    private CommandRegistrations commands;

    @FunctionalInterface
    interface Body {
        Object run(JsonObject args) throws CommandException;
    }

    @Activate
    public EngineCommands(BundleContext context, @Reference JobManager jobs, @Reference PeerStore peers,
            @Reference AgentHome home) {
        commands = new CommandRegistrations(context);
        register(context, "job.create", "Create a job: name, source (absolute path), target (HOST:PORT), "
                + "targetFingerprint, image, synchronous, interceptor, compression (none|fast|balanced|max), "
                + "bandwidth (schedule), intervalSeconds, rules (list of '+ PATTERN' / '- PATTERN'), queueMemoryMiB, "
                + "queueDiskMiB (0: no limit; beyond it the queue is dropped and the target resynchronised by a mirror), "
                + "rpoSeconds (an event when unapplied changes go back further; 0: none), "
                + "mirror (diff|full|newer|none: how the first start and every resynchronisation copy).",
                args -> jobs.create(definition(args)));
        register(context, "job.edit", "Change a stopped job's definition: name, and any of " + String.join(", ",
                EDITABLE) + ". The source, the image and the target's fingerprint stay: another of those is another "
                + "job. Every value is checked before anything changes.", args -> jobs.edit(text(args, "name"),
                        edited(jobs.definition(text(args, "name")), args)));
        register(context, "job.list", "List jobs with their state, sequences, queue and lag.", args -> jobs.jobs());
        register(context, "job.start", "Start a job: name.", args -> jobs.start(text(args, "name")));
        register(context, "job.pause", "Pause a job: changes are captured and queued but not sent: name.",
                args -> jobs.pause(text(args, "name")));
        register(context, "job.resume", "Resume a paused job: name.", args -> jobs.start(text(args, "name")));
        register(context, "job.limit", "Change a job's bandwidth schedule, also while it runs: name, bandwidth "
                + "(e.g. '25GB/h Mon-Fri 08:00-18:00; unlimited', empty for none).",
                args -> jobs.limit(text(args, "name"), optional(args, "bandwidth")));
        register(context, "job.rules", "Change a job's replication set, also while it runs: name, rules "
                + "(list of '+ PATTERN' / '- PATTERN').", args -> jobs.rules(text(args, "name"), list(args, "rules")));
        register(context, "job.mirror", "Mirror a running job now, while live changes flow: name, mode "
                + "(diff: only blocks whose checksums differ, the default; full: every byte; newer: files newer on the "
                + "source), checksumAll (compare files of equal size and time by content too).",
                args -> jobs.mirror(text(args, "name"), optional(args, "mode"),
                        args.has("checksumAll") && args.get("checksumAll").getAsBoolean()));
        register(context, "job.verify", "Verify a running job's target against its source: name, repair (re-send "
                + "what differs), orphans (report|aside|delete: what to do with entries only the target has), "
                + "orphanAgeDays (act only on orphans older than this). Returns the report as it starts; "
                + "job.verify-report follows it.",
                args -> jobs.verify(text(args, "name"), args.has("repair") && args.get("repair").getAsBoolean(),
                        optional(args, "orphans"), integer(args, "orphanAgeDays")));
        register(context, "job.verify-report", "The running verification's report of a job, or the last one: name, "
                + "waitSeconds (0-60: answer when it ends or after this long, whichever is first; 0 at once).",
                args -> jobs.verifyReport(text(args, "name"), integer(args, "waitSeconds")));
        register(context, "job.restore", "Restore a stopped job's source directory from its target image, by "
                + "differences (the image is the authority): name, checksumAll (compare files of equal size and time "
                + "by content too), keepExtra (keep what only the source has; otherwise it is removed). When it is "
                + "done the job replicates again. Returns the report as it starts; job.restore-report follows it.",
                args -> jobs.restore(text(args, "name"), args.has("checksumAll") && args.get("checksumAll").getAsBoolean(),
                        args.has("keepExtra") && args.get("keepExtra").getAsBoolean()));
        register(context, "job.restore-report", "The running restore's report of a job, or the last one: name, "
                + "waitSeconds (0-60: answer when it ends or after this long, whichever is first; 0 at once).",
                args -> jobs.restoreReport(text(args, "name"), integer(args, "waitSeconds")));
        register(context, "job.verify-schedule", "Set when a job verifies by itself: name, when ('daily HH:MM', "
                + "'weekly DAY HH:MM', 'every N h|m'; empty to clear), repair, orphans, orphanAgeDays.",
                args -> jobs.verifySchedule(text(args, "name"), schedule(args)));
        register(context, "job.stop", "Stop a job (changes are no longer captured): name.",
                args -> jobs.stop(text(args, "name")));
        register(context, "job.delete", "Delete a stopped job and its journal: name.",
                args -> jobs.delete(text(args, "name")));
        register(context, "job.preview", "What a job would replicate, before it exists: source (absolute path), "
                + "rules (list of '+ PATTERN' / '- PATTERN'). Returns included and excluded counts, the first 50 of "
                + "each (excluded ones with the rule that excluded them) and truncated (walk stopped at 100000 entries).",
                args -> io.doppel.engine.internal.source.ReplicationPreview.of(text(args, "source"), list(args, "rules")));
        register(context, "peer.list", "List the peers trusted for replication.", args -> peers.list());
        register(context, "peer.trust", "Trust a peer for replication: name, fingerprint.",
                args -> peers.trust(text(args, "name"), text(args, "fingerprint")));
        register(context, "peer.revoke", "Stop trusting a peer and close its connections: name (or fingerprint).",
                args -> peers.revoke(text(args, "name")));
        register(context, "identity", "This agent's name and certificate fingerprint, to pair it elsewhere.",
                args -> home.identity());
    }

    @Deactivate
    void deactivate() {
        commands.close();
    }

    private void register(BundleContext context, String name, String description, Body body) {
        commands.register(name, description, body::run);
    }

    /** What {@code job.edit} may change. */
    static final java.util.List<String> EDITABLE = java.util.List.of("target", "synchronous", "interceptor",
            "compression", "bandwidth", "intervalSeconds", "rules", "queueMemoryMiB", "queueDiskMiB", "rpoSeconds",
            "mirror");

    /** The definition with the changes of {@code args} laid over it; a field that may not change is refused. */
    static JobDefinition edited(JobDefinition current, JsonObject args) throws CommandException {
        JsonObject merged = io.doppel.management.protocol.Json.GSON.toJsonTree(current).getAsJsonObject();
        java.util.List<String> changed = new java.util.ArrayList<>();
        for (var e : args.entrySet()) {
            String field = e.getKey();
            if (field.equals("name")) {
                continue;
            }
            if (field.equals("source") || field.equals("image") || field.equals("targetFingerprint")) {
                throw new CommandException(Messages.E_BAD_ARGUMENT, field + " cannot change: another " + field
                        + " is another job (create it, and delete this one once it is no longer needed)");
            }
            if (!EDITABLE.contains(field)) {
                throw new CommandException(Messages.E_BAD_ARGUMENT, "unknown field '" + field + "'; a job's "
                        + String.join(", ", EDITABLE) + " can change");
            }
            merged.add(field, e.getValue());
            changed.add(field);
        }
        if (changed.isEmpty()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "nothing to change: give any of "
                    + String.join(", ", EDITABLE));
        }
        return definition(merged);
    }

    private static JobDefinition definition(JsonObject args) throws CommandException {
        return new JobDefinition(text(args, "name"), text(args, "source"), text(args, "target"),
                optional(args, "targetFingerprint"), optional(args, "image"),
                args.has("synchronous") && args.get("synchronous").getAsBoolean(), optional(args, "interceptor"),
                optional(args, "compression"), optional(args, "bandwidth"), integer(args, "intervalSeconds"),
                list(args, "rules"), integer(args, "queueMemoryMiB"), optional(args, "mirror"),
                args.has("verify") && args.get("verify").isJsonObject() ? schedule(args.getAsJsonObject("verify")) : null,
                integer(args, "queueDiskMiB"), integer(args, "rpoSeconds"));
    }

    private static io.doppel.api.job.VerifySchedule schedule(JsonObject args) throws CommandException {
        String when = optional(args, "when");
        if (when == null || when.isBlank()) {
            return null;
        }
        return new io.doppel.api.job.VerifySchedule(when.strip(), args.has("repair") && args.get("repair").getAsBoolean(),
                optional(args, "orphans"), integer(args, "orphanAgeDays"));
    }

    private static java.util.List<String> list(JsonObject args, String field) throws CommandException {
        JsonElement e = args.get(field);
        if (e == null || e.isJsonNull()) {
            return java.util.List.of();
        }
        if (!e.isJsonArray()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "argument '" + field + "' must be a list of text");
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonElement item : e.getAsJsonArray()) {
            if (!item.isJsonPrimitive()) {
                throw new CommandException(Messages.E_BAD_ARGUMENT, "argument '" + field + "' must be a list of text");
            }
            out.add(item.getAsString());
        }
        return out;
    }

    private static int integer(JsonObject args, String field) throws CommandException {
        return CommandRegistrations.integer(args, field);
    }

    static String text(JsonObject args, String field) throws CommandException {
        return CommandRegistrations.text(args, field);
    }

    private static String optional(JsonObject args, String field) throws CommandException {
        return CommandRegistrations.optional(args, field);
    }
}
