package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.doppel.api.agent.AgentIdentity;
import io.doppel.console.internal.model.Server;

/**
 * What the admin chose in the New Protection Job wizard so far, and the actions that follow from
 * it. Filled by the pages on the UI thread; {@link #actions()} is read once, at Finish.
 */
final class JobPlan {

    /** The interceptor choice that lets the agent pick the best available one. */
    static final String BEST_INTERCEPTOR = null;

    Server source;
    String name = "";
    String directory = "";
    List<String> rules = new ArrayList<>();

    Server target;
    String image = "";
    String targetAddress = "";
    boolean trust = true;
    /** Whether the source already trusts the target's fingerprint, and the other way round (from peer.list). */
    boolean sourceTrustsTarget;
    boolean targetTrustsSource;

    String interceptor = BEST_INTERCEPTOR;
    /** The id the agent would pick for {@link #BEST_INTERCEPTOR}, for the summary; may be {@code null}. */
    String bestInterceptor;
    String mirror = "diff";
    boolean synchronous;
    int intervalSeconds;

    String compression = "fast";
    String bandwidth = "";
    int rpoSeconds;

    boolean startNow = true;

    static AgentIdentity identity(Server server) {
        var status = server == null ? null : server.state().status();
        return status == null ? null : status.identity();
    }

    /** The image name, defaulted to the job's. */
    String imageName() {
        return image.isBlank() ? name : image.strip();
    }

    /** A fingerprint shortened for sentences: its first two bytes. */
    static String shortFingerprint(String fingerprint) {
        return fingerprint == null ? "?" : fingerprint.length() > 5 ? fingerprint.substring(0, 5) + ":…" : fingerprint;
    }

    /** Every action Finish takes, in order. */
    List<PlannedAction> actions() {
        List<PlannedAction> out = new ArrayList<>();
        AgentIdentity from = identity(source);
        AgentIdentity to = identity(target);
        String sourceName = source.displayName();
        String targetName = target.displayName();
        if (trust && to != null && !sourceTrustsTarget) {
            out.add(new PlannedAction(source, "On " + sourceName + ": trust " + to.name() + " ("
                    + shortFingerprint(to.fingerprint()) + ") for replication", "peer.trust", peer(to)));
        }
        if (trust && from != null && !targetTrustsSource) {
            out.add(new PlannedAction(target, "On " + targetName + ": trust " + from.name() + " ("
                    + shortFingerprint(from.fingerprint()) + ") for replication", "peer.trust", peer(from)));
        }
        out.add(new PlannedAction(source, "On " + sourceName + ": create job '" + name + "' protecting " + directory
                + " (" + rulesInWords() + ") → " + targetName + " " + targetAddress.strip() + ", image '" + imageName()
                + "', " + captureInWords() + ", compression " + compression + ", bandwidth "
                + (bandwidth.isBlank() ? "unlimited" : bandwidth) + (rpoSeconds > 0 ? ", RPO " + rpoSeconds + " s" : ""),
                "job.create", createArgs(to)));
        if (startNow) {
            out.add(new PlannedAction(source, "On " + sourceName + ": start '" + name + "'; the first copy "
                    + mirrorInWords(), "job.start", nameArgs(name)));
        }
        return List.copyOf(out);
    }

    private static JsonObject nameArgs(String name) {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        return o;
    }

    private static JsonObject peer(AgentIdentity who) {
        JsonObject o = new JsonObject();
        o.addProperty("name", who.name());
        o.addProperty("fingerprint", who.fingerprint());
        return o;
    }

    JsonObject createArgs(AgentIdentity to) {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.addProperty("source", directory);
        o.addProperty("target", targetAddress.strip());
        if (to != null) {
            o.addProperty("targetFingerprint", to.fingerprint());
        }
        o.addProperty("image", imageName());
        o.addProperty("synchronous", synchronous);
        if (interceptor != null) {
            o.addProperty("interceptor", interceptor);
        }
        o.addProperty("compression", compression);
        if (!bandwidth.isBlank()) {
            o.addProperty("bandwidth", bandwidth);
        }
        o.addProperty("intervalSeconds", intervalSeconds);
        JsonArray r = new JsonArray();
        rules.forEach(r::add);
        o.add("rules", r);
        o.addProperty("mirror", mirror);
        o.addProperty("rpoSeconds", rpoSeconds);
        return o;
    }

    String rulesInWords() {
        return rules.isEmpty() ? "everything but the default excludes" : "rules " + String.join(", ", rules);
    }

    String captureInWords() {
        String which = interceptor != null ? "interceptor " + interceptor
                : "best available interceptor" + (bestInterceptor != null ? " (" + bestInterceptor + ")" : "");
        String mode = synchronous ? "synchronous" : "asynchronous";
        String when = intervalSeconds == 0 ? "sent continuously" : "sent every " + intervalSeconds / 60 + " min";
        return which + ", " + mode + ", " + when;
    }

    String mirrorInWords() {
        return switch (mirror) {
            case "full" -> "copies every byte";
            case "newer" -> "copies the files that are newer on the source";
            case "none" -> "is skipped: the target already holds a copy";
            default -> "mirrors by differences";
        };
    }
}
