package io.doppel.cli.internal;

import java.time.Duration;
import java.util.stream.Collectors;

import io.doppel.api.agent.AgentStatus;
import io.doppel.api.agent.ComponentInfo;
import io.doppel.api.job.JobSummary;
import io.doppel.management.ManagementClient;
import io.doppel.management.ManagementException;
import io.doppel.management.protocol.Json;

/** {@code doppel status}. */
final class StatusCommand implements CliCommand {

    @Override
    public String name() {
        return "status";
    }

    @Override
    public String summary() {
        return "Show an agent's identity, version, uptime, features, plugins and jobs.";
    }

    @Override
    public String usage() {
        return """
                Usage: doppel [--agent HOST:PORT --token-file FILE | --home DIR] status [--json]

                Shows the agent's name and certificate fingerprint, version, host, uptime, the
                features and plugin bundles installed in it, and its replication jobs.
                """;
    }

    @Override
    public void run(Options options, Output out) throws CliException {
        if (!options.commandArgs().isEmpty()) {
            throw new CliException(Exit.USAGE, "status takes no arguments, got '" + options.commandArgs().get(0) + "'");
        }
        try (ManagementClient client = Connector.connect(options)) {
            AgentStatus status = client.status();
            if (out.json()) {
                out.json(Json.GSON.toJsonTree(status));
                return;
            }
            out.line(render(status, client.address().toString()));
        } catch (ManagementException e) {
            throw new CliException(Exit.of(e.reason()), e.code(), e.getMessage());
        }
    }

    static String render(AgentStatus s, String address) {
        StringBuilder b = new StringBuilder();
        row(b, "Agent", s.identity().name());
        row(b, "Fingerprint", s.identity().fingerprint());
        row(b, "Version", s.version());
        row(b, "Host", s.host());
        row(b, "Address", address);
        row(b, "Up", duration(s.uptimeSeconds()) + " (since " + s.startedAt() + ")");
        row(b, "Features", s.features().isEmpty() ? "none"
                : s.features().stream().map(f -> f.id() + " " + f.version()).collect(Collectors.joining(", ")));
        row(b, "Plugins", s.plugins().isEmpty() ? "none" : s.plugins().size() + " bundles");
        for (ComponentInfo p : s.plugins()) {
            b.append(String.format("  %-40s %-28s %s%n", p.id(), p.version(), p.state()));
        }
        row(b, "Jobs", s.jobs().isEmpty() ? "none" : String.valueOf(s.jobs().size()));
        for (JobSummary j : s.jobs()) {
            b.append(String.format("  %-24s %-12s %s%s%n", j.name(), j.state(), j.target(),
                    j.lastError() == null ? "" : "  (" + j.lastError() + ")"));
        }
        return b.toString().stripTrailing();
    }

    private static void row(StringBuilder b, String label, String value) {
        b.append(String.format("%-12s %s%n", label, value));
    }

    static String duration(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        if (d.toDays() > 0) {
            return String.format("%dd %02dh %02dm", d.toDays(), d.toHoursPart(), d.toMinutesPart());
        }
        if (d.toHours() > 0) {
            return String.format("%dh %02dm %02ds", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
        }
        return String.format("%dm %02ds", d.toMinutes(), d.toSecondsPart());
    }
}
