package io.doppel.cli.internal;

import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** {@code doppel job …}: create, list, start, stop and delete replication jobs on a source agent. */
final class JobCommand implements CliCommand {

    @Override
    public String name() {
        return "job";
    }

    @Override
    public String summary() {
        return "Create, list, start, stop and delete replication jobs.";
    }

    @Override
    public String usage() {
        return """
                Usage: doppel [AGENT OPTIONS] job create NAME --source DIR --target HOST:PORT
                                              [--target-fingerprint FP] [--image NAME] [--sync]
                                              [--interceptor ID] [--compression none|fast|balanced|max]
                                              [--bandwidth SCHEDULE] [--interval SECONDS]
                                              [--rule '- PATTERN' | --rule '+ PATTERN' …]
                                              [--queue-memory-mib N] [--queue-disk-mib N] [--rpo SECONDS]
                                              [--mirror diff|full|newer|none]
                       doppel [AGENT OPTIONS] job edit NAME [--target HOST:PORT] [--sync | --async]
                                              [--interceptor ID] [--compression none|fast|balanced|max]
                                              [--bandwidth SCHEDULE] [--interval SECONDS] [--rule … ]
                                              [--queue-memory-mib N] [--queue-disk-mib N] [--rpo SECONDS]
                                              [--mirror diff|full|newer|none]
                       doppel [AGENT OPTIONS] job mirror NAME [--mode diff|full|newer] [--checksum-all] [--wait]
                       doppel [AGENT OPTIONS] job watch NAME
                       doppel [AGENT OPTIONS] job verify NAME [--repair] [--orphans report|aside|delete]
                                              [--orphan-age DAYS] [--wait]
                       doppel [AGENT OPTIONS] job verify-report NAME
                       doppel [AGENT OPTIONS] job verify-schedule NAME ['daily HH:MM' | 'weekly DAY HH:MM' |
                                              'every N h|m'] [--repair] [--orphans …] [--orphan-age DAYS]
                       doppel [AGENT OPTIONS] job restore NAME [--checksum-all] [--keep-extra] [--wait]
                       doppel [AGENT OPTIONS] job restore-report NAME
                       doppel [AGENT OPTIONS] job export NAME [--output FILE]
                       doppel [AGENT OPTIONS] job import FILE [--name NAME] [--start]
                       doppel [AGENT OPTIONS] job limit NAME [SCHEDULE]
                       doppel [AGENT OPTIONS] job rules NAME ['- PATTERN' | '+ PATTERN' …]
                       doppel [AGENT OPTIONS] job list
                       doppel [AGENT OPTIONS] job start|pause|resume|stop|delete NAME

                A job replicates the directory DIR on this (source) agent to the target agent's
                replication endpoint, into the image NAME (default: the job's name). Both agents must
                trust each other first (doppel peer trust). --sync makes a change complete only once
                the target applied it. SCHEDULE limits bandwidth over the week, e.g.
                '25GB/h Mon-Fri 08:00-18:00; unlimited' (first matching rule wins; 'job limit' changes it
                while the job runs, no SCHEDULE removes it). --interval sends what accumulated every
                SECONDS instead of continuously. Rules choose what is replicated, first match wins,
                unmatched paths are included: '- *.tmp' (a name anywhere), '- cache/' (a directory),
                '+ logs/keep/**' (anchored at the root), '- @other-volumes' (other file systems);
                'job rules' changes them while the job runs. The send queue always survives a crash in
                its journal on disk; up to --queue-memory-mib of it (default 64) is also kept in
                memory. --queue-disk-mib bounds what the journal holds that the target has not
                acknowledged (at least 16; default: the disk): beyond it, that is dropped and the
                target is resynchronised by a mirror.
                --rpo sets the recovery point objective: an event (rpo.exceeded) when the changes the
                target has not applied go back further than SECONDS, another when they no longer do. A paused job keeps capturing into its journal and sends
                nothing until it is resumed. --interceptor picks how changes are captured (e.g. watch;
                none: only through the engine's API); by default the best one installed here.
                A mirror makes the target equal to the source while changes keep flowing: at the
                job's first start, after it was stopped or its journal was damaged (--mirror chooses
                how: diff, the default, sends only blocks whose checksums differ; full every byte;
                newer files newer on the source; none trusts the target), and on demand with
                'job mirror' (--checksum-all also reads files whose size and time are equal). 'job
                list' shows its progress, 'job watch' (or 'job mirror --wait') follows it to its end
                (a bar at a terminal; DOPPEL_PROGRESS=lines|bar chooses); a mirror cut short by a
                restart resumes where it was.
                'job verify' compares the target with the source while replication goes on (content by
                block checksums, size, type, mode, owner, file times, user xattrs, symlink targets, hard
                links) and reports what is missing, extra (orphans) or different; each difference is
                looked at again after the target applied everything captured meanwhile, so files being
                written are not reported. --repair re-sends what differs; --orphans aside moves orphans
                out of the image (to images/SOURCE/.aside/IMAGE/TIME/ on the target), delete removes
                them, both only for orphans older than --orphan-age DAYS. --wait waits for the report
                (exit 8 if anything differs). 'job verify-schedule' runs it by itself; no WHEN clears it.
                'job restore' is the reverse direction, for a source that was wiped or damaged: the
                job must be stopped; its source directory is made equal to the target image (the
                authority) by differences only: missing entries are created, blocks whose checksums
                differ are fetched, metadata and hard links are set as in the image, and what only the
                source has is removed (--keep-extra keeps it). Files of equal size and time are taken
                as equal unless --checksum-all. Keep applications off the directory until it is done;
                then the job replicates again from the image's last op. --wait follows it to the end.
                'job edit' changes what is given of a stopped job's definition (every value checked
                before anything changes); its source, image and target fingerprint stay, since
                another of those is another job. The next start mirrors as after any stop.
                'job export' writes a job's definition as JSON (to FILE, or standard output) for review,
                version control or another agent; 'job import' creates a job from such a file (--name
                gives it another name, --start starts it); an unknown or misspelt field is refused.
                """;
    }

    @Override
    public void run(Options options, Output out) throws CliException {
        Args a = Args.parse(options.commandArgs(), Set.of("source", "target", "target-fingerprint", "image", "interceptor",
                "compression", "bandwidth", "interval", "rule", "queue-memory-mib", "queue-disk-mib", "rpo", "mirror", "mode", "orphans",
                "orphan-age", "output", "name"), Set.of("sync", "async", "checksum-all", "repair", "wait", "keep-extra",
                        "start"));
        String verb = a.positional(0,
                "what to do: create, edit, list, start, pause, resume, mirror, watch, verify, verify-report, "
                        + "verify-schedule, "
                        + "restore, restore-report, export, import, "
                        + "limit, rules, stop or delete");
        JsonObject args = new JsonObject();
        String command;
        switch (verb) {
            case "create" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the job's name"));
                args.addProperty("source", required(a, "source"));
                args.addProperty("target", required(a, "target"));
                args.addProperty("targetFingerprint", a.flags.get("target-fingerprint"));
                args.addProperty("image", a.flags.get("image"));
                args.addProperty("synchronous", a.flags.containsKey("sync"));
                args.addProperty("interceptor", a.flags.get("interceptor"));
                args.addProperty("compression", a.flags.get("compression"));
                args.addProperty("bandwidth", a.flags.get("bandwidth"));
                args.addProperty("mirror", a.flags.get("mirror"));
                args.add("rules", rules(a.all.getOrDefault("rule", java.util.List.of())));
                if (a.flags.containsKey("queue-memory-mib")) {
                    try {
                        args.addProperty("queueMemoryMiB", Integer.parseInt(a.flags.get("queue-memory-mib")));
                    } catch (NumberFormatException e) {
                        throw new CliException(Exit.USAGE, "--queue-memory-mib takes a whole number of MiB");
                    }
                }
                if (a.flags.containsKey("rpo")) {
                    try {
                        args.addProperty("rpoSeconds", Integer.parseInt(a.flags.get("rpo")));
                    } catch (NumberFormatException e) {
                        throw new CliException(Exit.USAGE, "--rpo takes whole seconds, not '" + a.flags.get("rpo") + "'");
                    }
                }
                if (a.flags.containsKey("queue-disk-mib")) {
                    try {
                        args.addProperty("queueDiskMiB", Integer.parseInt(a.flags.get("queue-disk-mib")));
                    } catch (NumberFormatException e) {
                        throw new CliException(Exit.USAGE, "--queue-disk-mib takes a whole number of MiB");
                    }
                }
                if (a.flags.containsKey("interval")) {
                    try {
                        args.addProperty("intervalSeconds", Integer.parseInt(a.flags.get("interval")));
                    } catch (NumberFormatException e) {
                        throw new CliException(Exit.USAGE, "--interval takes whole seconds, not '"
                                + a.flags.get("interval") + "'");
                    }
                }
                command = "job.create";
            }
            case "edit" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the job's name"));
                if (a.flags.containsKey("sync") && a.flags.containsKey("async")) {
                    throw new CliException(Exit.USAGE, "--sync or --async, not both");
                }
                if (a.flags.containsKey("sync") || a.flags.containsKey("async")) {
                    args.addProperty("synchronous", a.flags.containsKey("sync"));
                }
                for (String[] f : new String[][] {{"target", "target"}, {"interceptor", "interceptor"},
                        {"compression", "compression"}, {"bandwidth", "bandwidth"}, {"mirror", "mirror"}}) {
                    if (a.flags.containsKey(f[0])) {
                        args.addProperty(f[1], a.flags.get(f[0]));
                    }
                }
                for (String[] f : new String[][] {{"interval", "intervalSeconds"}, {"queue-memory-mib",
                        "queueMemoryMiB"}, {"queue-disk-mib", "queueDiskMiB"}, {"rpo", "rpoSeconds"}}) {
                    if (a.flags.containsKey(f[0])) {
                        try {
                            args.addProperty(f[1], Integer.parseInt(a.flags.get(f[0]).strip()));
                        } catch (NumberFormatException e) {
                            throw new CliException(Exit.USAGE, "--" + f[0] + " takes a whole number, not '"
                                    + a.flags.get(f[0]) + "'");
                        }
                    }
                }
                if (a.all.containsKey("rule")) {
                    args.add("rules", rules(a.all.get("rule")));
                }
                command = "job.edit";
            }
            case "mirror" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the job's name"));
                args.addProperty("mode", a.flags.get("mode"));
                args.addProperty("checksumAll", a.flags.containsKey("checksum-all"));
                if (a.flags.containsKey("wait")) {
                    Remote.call(options, "job.mirror", args);
                    watch(options, out, args.get("name").getAsString());
                    return;
                }
                command = "job.mirror";
            }
            case "watch" -> {
                a.noMorePositional(2);
                watch(options, out, a.positional(1, "the job's name"));
                return;
            }
            case "verify" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the job's name"));
                verifyOptions(a, args);
                if (a.flags.containsKey("wait")) {
                    verifyAndWait(options, out, args);
                    return;
                }
                command = "job.verify";
            }
            case "restore" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the job's name"));
                args.addProperty("checksumAll", a.flags.containsKey("checksum-all"));
                args.addProperty("keepExtra", a.flags.containsKey("keep-extra"));
                JsonObject started = Remote.call(options, "job.restore", args).getAsJsonObject();
                JsonObject report = a.flags.containsKey("wait")
                        ? follow(options, out, "job.restore-report", args.get("name").getAsString(), RestoreTable::progress)
                        : started;
                if (out.json()) {
                    out.json(report);
                } else {
                    out.line(RestoreTable.render(report));
                }
                if ("failed".equals(report.get("phase").getAsString())) {
                    throw new CliException(Exit.AGENT_ERROR, "the restore failed: " + report.get("error").getAsString());
                }
                return;
            }
            case "export" -> {
                a.noMorePositional(2);
                String name = a.positional(1, "the job's name");
                JsonObject definition = null;
                for (JsonElement j : Remote.call(options, "job.list", new JsonObject()).getAsJsonArray()) {
                    JsonObject d = j.getAsJsonObject().getAsJsonObject("definition");
                    if (d.get("name").getAsString().equals(name)) {
                        definition = d;
                    }
                }
                if (definition == null) {
                    throw new CliException(Exit.AGENT_ERROR, "no job named '" + name + "' on this agent (doppel job list)");
                }
                String text = new com.google.gson.GsonBuilder().setPrettyPrinting().serializeNulls().create()
                        .toJson(definition);
                String file = a.flags.get("output");
                if (file == null) {
                    out.line(text);
                } else {
                    try {
                        java.nio.file.Files.writeString(java.nio.file.Path.of(file), text + "\n");
                    } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
                        throw new CliException(Exit.USAGE, "cannot write " + file + ": " + e.getMessage());
                    }
                    out.line("job '" + name + "' exported to " + file);
                }
                return;
            }
            case "import" -> {
                a.noMorePositional(2);
                JsonObject definition = JobFiles.read(a.positional(1, "the file with the job's definition"));
                if (a.flags.containsKey("name")) {
                    definition.addProperty("name", a.flags.get("name"));
                }
                JsonElement created = Remote.call(options, "job.create", definition);
                if (a.flags.containsKey("start")) {
                    JsonObject name = new JsonObject();
                    name.add("name", definition.get("name"));
                    created = Remote.call(options, "job.start", name);
                }
                if (out.json()) {
                    out.json(created);
                } else {
                    com.google.gson.JsonArray one = new com.google.gson.JsonArray();
                    one.add(created);
                    out.line(JobTable.render(one));
                }
                return;
            }
            case "restore-report" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the job's name"));
                JsonElement report = Remote.call(options, "job.restore-report", args);
                if (out.json()) {
                    out.json(report);
                } else {
                    out.line(RestoreTable.render(report.getAsJsonObject()));
                }
                return;
            }
            case "verify-report" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the job's name"));
                JsonElement report = Remote.call(options, "job.verify-report", args);
                if (out.json()) {
                    out.json(report);
                } else {
                    out.line(VerifyTable.render(report.getAsJsonObject()));
                }
                return;
            }
            case "verify-schedule" -> {
                a.noMorePositional(3);
                args.addProperty("name", a.positional(1, "the job's name"));
                args.addProperty("when", a.positional.size() > 2 ? a.positional.get(2) : null);
                verifyOptions(a, args);
                command = "job.verify-schedule";
            }
            case "limit" -> {
                a.noMorePositional(3);
                args.addProperty("name", a.positional(1, "the job's name"));
                args.addProperty("bandwidth", a.positional.size() > 2 ? a.positional.get(2) : null);
                command = "job.limit";
            }
            case "rules" -> {
                args.addProperty("name", a.positional(1, "the job's name"));
                args.add("rules", rules(a.positional.subList(2, a.positional.size())));
                command = "job.rules";
            }
            case "list" -> {
                a.noMorePositional(1);
                command = "job.list";
            }
            case "start", "stop", "pause", "resume", "delete" -> {
                a.noMorePositional(2);
                args.addProperty("name", a.positional(1, "the job's name"));
                command = "job." + verb;
            }
            default -> throw new CliException(Exit.USAGE, "unknown job action '" + verb
                    + "'; expected create, edit, list, start, pause, resume, mirror, watch, verify, verify-report, "
                    + "verify-schedule, "
                    + "restore, restore-report, export, import, "
                    + "limit, rules, stop or delete");
        }
        JsonElement result = Remote.call(options, command, args);
        if (out.json()) {
            out.json(result);
        } else if (result.isJsonArray()) {
            out.line(JobTable.render(result.getAsJsonArray()));
        } else {
            com.google.gson.JsonArray one = new com.google.gson.JsonArray();
            one.add(result);
            out.line(JobTable.render(one));
        }
    }

    private static void verifyOptions(Args a, JsonObject args) throws CliException {
        args.addProperty("repair", a.flags.containsKey("repair"));
        args.addProperty("orphans", a.flags.get("orphans"));
        if (a.flags.containsKey("orphan-age")) {
            try {
                args.addProperty("orphanAgeDays", Integer.parseInt(a.flags.get("orphan-age")));
            } catch (NumberFormatException e) {
                throw new CliException(Exit.USAGE, "--orphan-age takes whole days, not '" + a.flags.get("orphan-age") + "'");
            }
        }
    }

    /** Starts a verification and follows its report until it finishes; exit 8 if anything differs. */
    private static void verifyAndWait(Options options, Output out, JsonObject args) throws CliException {
        Remote.call(options, "job.verify", args);
        JsonObject report = follow(options, out, "job.verify-report", args.get("name").getAsString(),
                VerifyTable::progress);
        if (out.json()) {
            out.json(report);
        } else {
            out.line(VerifyTable.render(report));
        }
        if (report.has("error") && !report.get("error").isJsonNull()) {
            throw new CliException(Exit.AGENT_ERROR, report.get("error").getAsString());
        }
        if (report.get("missing").getAsLong() + report.get("extra").getAsLong() + report.get("different").getAsLong() > 0) {
            throw new CliException(Exit.DIFFERENCES, "the target differs from the source (see the report above)");
        }
    }

    /** How often a person at a terminal sees the mirror's bar move; lines elsewhere come less often. */
    private static final long BAR_MILLIS = 1000;
    private static final long LINE_MILLIS = 10_000;

    /**
     * Follows the job's mirror until it ends (at once if none runs): a bar at a terminal, a line of
     * progress now and then otherwise; the end as the result (JSON with --json). A mirror that
     * failed is an agent error (exit 7).
     */
    private static void watch(Options options, Output out, String name) throws CliException {
        JsonObject mirror = null;
        while (true) {
            JsonObject job = null;
            for (JsonElement j : Remote.call(options, "job.list", new JsonObject()).getAsJsonArray()) {
                if (j.getAsJsonObject().getAsJsonObject("definition").get("name").getAsString().equals(name)) {
                    job = j.getAsJsonObject();
                }
            }
            if (job == null) {
                throw new CliException(Exit.AGENT_ERROR, "no job named '" + name + "' on this agent (doppel job list)");
            }
            mirror = job.has("mirror") && job.get("mirror").isJsonObject() ? job.getAsJsonObject("mirror") : null;
            if (mirror == null || mirror.get("finishedAtMillis").getAsLong() != 0) {
                break;
            }
            if (!out.json()) {
                long total = mirror.get("bytesTotal").getAsLong();
                out.progress(JobTable.mirror(mirror), "counting".equals(mirror.get("phase").getAsString()) ? -1
                        : total == 0 ? 0 : (double) mirror.get("bytesDone").getAsLong() / total);
            }
            try {
                Thread.sleep(out.terminal() ? BAR_MILLIS : LINE_MILLIS); // the pace a person reads at
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(Exit.INTERNAL, "interrupted while following the mirror");
            }
        }
        if (out.json()) {
            out.json(mirror == null ? com.google.gson.JsonNull.INSTANCE : mirror);
        } else {
            out.line(mirror == null ? "job " + name + " runs no mirror" : "mirror: " + JobTable.mirror(mirror));
        }
        if (mirror != null && mirror.has("error") && !mirror.get("error").isJsonNull()) {
            throw new CliException(Exit.AGENT_ERROR, "the mirror failed: " + mirror.get("error").getAsString());
        }
    }

    /**
     * Follows a long operation's report until it finishes: each call waits on the agent until the
     * operation ends or half the call's timeout passed, then shows the progress.
     */
    private static JsonObject follow(Options options, Output out, String reportCommand, String name,
            java.util.function.Function<JsonObject, String> progress) throws CliException {
        JsonObject args = new JsonObject();
        args.addProperty("name", name);
        long timeout = options.timeout().toSeconds(); // 0: calls wait as long as they take
        // at a terminal the progress moves every second; elsewhere each call waits as long as it may
        args.addProperty("waitSeconds", out.terminal() ? 1 : timeout == 0 ? 60 : (int) Math.max(1, Math.min(60,
                timeout / 2)));
        while (true) {
            JsonObject report = Remote.call(options, reportCommand, args).getAsJsonObject();
            if (report.get("finishedAtMillis").getAsLong() != 0) {
                return report;
            }
            if (!out.json()) {
                out.progress(progress.apply(report));
            }
        }
    }

    private static com.google.gson.JsonArray rules(java.util.List<String> rules) {
        com.google.gson.JsonArray array = new com.google.gson.JsonArray();
        rules.forEach(array::add);
        return array;
    }

    private static String required(Args a, String flag) throws CliException {
        String v = a.flags.get(flag);
        if (v == null) {
            throw new CliException(Exit.USAGE, "job create needs --" + flag);
        }
        return v;
    }
}
