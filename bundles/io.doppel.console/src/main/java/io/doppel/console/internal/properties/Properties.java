package io.doppel.console.internal.properties;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.doppel.api.agent.AgentStatus;
import io.doppel.api.failover.FailoverStatus;
import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobStatus;
import io.doppel.api.job.MirrorStatus;
import io.doppel.console.internal.model.FailoverRef;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.ui.Durations;
import io.doppel.console.internal.ui.Formats;

/**
 * What the Properties view lists for a server, a job or a failover: every field an admin may want to
 * read or copy, grouped by category, as plain text. Computed afresh each time the view asks.
 */
public final class Properties {

    /**
     * One property.
     *
     * @param category the group it is shown in
     * @param name     its name
     * @param value    its value as text ({@link Formats#UNKNOWN} if not known)
     */
    public record Property(String category, String name, String value) {
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private Properties() {
    }

    public static List<Property> of(Object element) {
        if (element instanceof Server server) {
            return server(server);
        }
        if (element instanceof JobRef job) {
            return job(job);
        }
        if (element instanceof FailoverRef failover) {
            return failover(failover);
        }
        return List.of();
    }

    static List<Property> server(Server server) {
        List<Property> out = new ArrayList<>();
        String c = "Connection";
        add(out, c, "Address", server.entry().address().toString());
        add(out, c, "Token file", server.entry().tokenFile().toString());
        add(out, c, "Pinned fingerprint", server.entry().fingerprint());
        add(out, c, "State", server.state().connection().label());
        add(out, c, "Problem", server.state().problem());
        add(out, c, "As of", TIME.format(server.state().at()));
        AgentStatus status = server.state().status();
        if (status != null) {
            String a = "Agent";
            add(out, a, "Name", status.identity().name());
            add(out, a, "Fingerprint", status.identity().fingerprint());
            add(out, a, "Version", status.version());
            add(out, a, "Host", status.host());
            add(out, a, "Started", status.startedAt() == null ? null : TIME.format(status.startedAt()));
            add(out, a, "Uptime", Durations.brief(status.uptimeSeconds()));
            add(out, a, "Jobs", Integer.toString(status.jobs().size()));
            add(out, a, "Failovers", Integer.toString(server.failovers().size()));
            status.features().forEach(f -> add(out, "Features", f.id(), f.version()));
            status.plugins().forEach(p -> add(out, "Plugins", p.id(), p.version()));
        }
        return out;
    }

    static List<Property> job(JobRef job) {
        List<Property> out = new ArrayList<>();
        JobStatus s = job.status();
        JobDefinition d = s.definition();
        String g = "Definition";
        add(out, g, "Name", job.name());
        add(out, g, "Source server", job.server().displayName());
        add(out, g, "Source directory", d.source());
        add(out, g, "Target", d.target());
        add(out, g, "Target fingerprint", d.targetFingerprint());
        add(out, g, "Image", d.imageName());
        add(out, g, "Mode", d.synchronous() ? "synchronous" : d.intervalSeconds() > 0
                ? "every " + Durations.brief(d.intervalSeconds()) : "asynchronous, continuous");
        add(out, g, "Interceptor", d.interceptor() == null ? "best available" : d.interceptor());
        add(out, g, "Compression", d.compression() == null ? "fast" : d.compression());
        add(out, g, "Bandwidth", d.bandwidth() == null || d.bandwidth().isBlank() ? "unlimited" : d.bandwidth());
        add(out, g, "Rules", d.rules().isEmpty() ? "everything (less the default excludes)" : String.join("; ", d.rules()));
        add(out, g, "Mirror mode", d.mirror() == null ? "diff" : d.mirror());
        add(out, g, "Recovery point objective", d.rpoSeconds() > 0 ? Durations.brief(d.rpoSeconds()) : "none");
        add(out, g, "Scheduled verification", d.verify() == null ? "on demand only" : d.verify().when()
                + (d.verify().repair() ? ", repairing" : "") + ", orphans: " + d.verify().orphans());
        String f = "Replication";
        add(out, f, "State", Formats.state(job.state()));
        add(out, f, "Capture", s.capture());
        add(out, f, "Newest captured change", Long.toString(s.lastSeq()));
        add(out, f, "Newest sent", Long.toString(s.sentSeq()));
        add(out, f, "Newest applied on the target", Long.toString(s.ackedSeq()));
        add(out, f, "Queued", String.format(Locale.ROOT, "%,d changes, %s on disk, %s in memory", s.queuedOps(),
                Formats.bytes(s.queuedBytes()), Formats.bytes(s.queuedMemoryBytes())));
        add(out, f, "Lag", Formats.lag(s.lagMillis()));
        add(out, f, "Throughput", Formats.rate(s.bytesPerSecond()));
        add(out, f, "Sent since the agent started", Formats.bytes(s.bytesSent()));
        add(out, f, "Last error", s.lastError());
        MirrorStatus m = s.mirror();
        if (m != null) {
            String mi = "Mirror";
            add(out, mi, "Progress", Formats.mirror(m));
            add(out, mi, "Mode", m.mode() + (m.checksumAll() ? ", every file by content" : ""));
            add(out, mi, "Why", m.reason());
            add(out, mi, "Phase", m.phase());
            add(out, mi, "Files", String.format(Locale.ROOT, "%,d of %,d", m.filesDone(), m.filesTotal()));
            add(out, mi, "Content", Formats.bytes(m.bytesDone()) + " of " + Formats.bytes(m.bytesTotal()) + ", "
                    + Formats.bytes(m.bytesSent()) + " sent");
            add(out, mi, "Started", time(m.startedAtMillis()));
            add(out, mi, "Finished", time(m.finishedAtMillis()));
            add(out, mi, "Resumed", Integer.toString(m.resumed()));
        }
        if (s.verify() != null) {
            var v = s.verify();
            String ve = "Last verification";
            add(out, ve, "Phase", v.phase());
            add(out, ve, "Found", String.format(Locale.ROOT, "%,d missing, %,d extra, %,d different, %,d repaired",
                    v.missing(), v.extra(), v.different(), v.repaired()));
            add(out, ve, "Started", time(v.startedAtMillis()));
            add(out, ve, "Finished", time(v.finishedAtMillis()));
            add(out, ve, "Error", v.error());
        }
        return out;
    }

    static List<Property> failover(FailoverRef failover) {
        List<Property> out = new ArrayList<>();
        FailoverStatus s = failover.status();
        String g = "Failover";
        add(out, g, "Name", failover.name());
        add(out, g, "Target server", failover.server().displayName());
        add(out, g, "Source", s.source());
        add(out, g, "Image", s.image());
        add(out, g, "Mode", s.mode() == null ? null : s.mode().name().toLowerCase(Locale.ROOT));
        add(out, g, "State", failover.current() ? Formats.failoverState(s.state()) : "Unknown (server unreachable)");
        add(out, g, "Since", s.since() == null ? null : TIME.format(s.since()));
        add(out, g, "Reason", s.reason());
        add(out, g, "Step", s.step());
        add(out, g, "Image applied up to", Long.toString(s.appliedSeq()));
        add(out, g, "Source's journal head", s.sourceHead() < 0 ? "not heard since the agent started"
                : Long.toString(s.sourceHead()));
        add(out, g, "Changes the replica lacked at takeover", Long.toString(s.behindOps()));
        for (FailoverStatus.Probe p : s.probes()) {
            add(out, "Probes", p.address(), p.reach().name().toLowerCase(Locale.ROOT) + (p.lost() ? ", lost" : "")
                    + (p.misses() > 0 ? ", " + p.misses() + " missed" : "") + (p.detail() == null ? "" : ": " + p.detail()));
        }
        return out;
    }

    private static String time(long millis) {
        return millis <= 0 ? null : TIME.format(Instant.ofEpochMilli(millis));
    }

    private static void add(List<Property> out, String category, String name, String value) {
        out.add(new Property(category, name, value == null || value.isBlank() ? Formats.UNKNOWN : value));
    }
}
