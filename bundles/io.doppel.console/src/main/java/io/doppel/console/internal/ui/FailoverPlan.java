package io.doppel.console.internal.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.doppel.api.failover.FailoverDefinition;
import io.doppel.api.failover.FailoverState;
import io.doppel.api.failover.FailoverStatus;

/** What a takeover or a fail-back will do, in words, for the confirmation the admin reads first. */
public final class FailoverPlan {

    private FailoverPlan() {
    }

    /** The steps of a takeover of {@code definition} by the target {@code targetName}, in order. */
    public static List<String> takeover(String targetName, FailoverDefinition definition, FailoverStatus status) {
        List<String> steps = new ArrayList<>();
        for (String script : definition.preScripts()) {
            steps.add("Run the pre-failover script " + script + ".");
        }
        steps.add("Stop applying replication from " + definition.source() + " and unlock the image '"
                + definition.image() + "' (applied up to change " + status.appliedSeq() + ")"
                + (definition.exposeAt() == null ? "." : ", and show it at " + definition.exposeAt() + "."));
        steps.add(behind(definition, status));
        FailoverDefinition.Identity identity = definition.identity();
        if (identity != null) {
            for (String address : identity.addresses()) {
                steps.add((identity.mode() == FailoverDefinition.IdentityMode.REPLACE ? "Replace this server's address with "
                        : "Add the address ") + address + " on " + targetName + " and announce it (gratuitous ARP).");
            }
            if (identity.hostAlias() != null && !identity.hostAlias().isBlank()) {
                steps.add(identity.takeHostName()
                        ? "Make " + identity.hostAlias() + " this server's host name until fail-back."
                        : "Answer for the host name " + identity.hostAlias() + " (hosts file).");
            }
        }
        for (FailoverDefinition.Application application : definition.applications()) {
            steps.add("Start the application '" + application.plugin() + "' on the image and wait until it is healthy"
                    + (application.settings().isEmpty() ? "." : " (" + application.settings() + ")."));
        }
        for (String script : definition.postScripts()) {
            steps.add("Run the post-failover script " + script + ".");
        }
        steps.add("Each step may take up to " + definition.stepTimeoutSeconds() + " s; a step that fails is rolled back "
                + "with the ones before it.");
        return steps;
    }

    /** What the stale-replica guard will decide. */
    static String behind(FailoverDefinition definition, FailoverStatus status) {
        String limit = definition.maxBehindOps() == FailoverDefinition.ANY_BEHIND ? "any number of changes"
                : definition.maxBehindOps() == 0 ? "no change" : definition.maxBehindOps() + " changes";
        if (status.sourceHead() < 0) {
            return "The source's journal head is not known here, so how far the replica is behind cannot be checked "
                    + "(the replica may lack " + limit + " at most).";
        }
        long behind = Math.max(0, status.sourceHead() - status.appliedSeq());
        return behind == 0 ? "The replica holds every change the source last announced (" + status.sourceHead() + ")."
                : "The replica lacks " + behind + " changes the source journaled (up to " + status.sourceHead()
                        + "); the takeover is refused if that is more than " + limit + ".";
    }

    /** The steps of a fail-back. */
    public static List<String> failBack(FailoverDefinition definition) {
        List<String> steps = new ArrayList<>();
        steps.add("Stop the applications started at takeover, in reverse order.");
        if (definition.identity() != null) {
            steps.add("Give back the source's identity: remove " + String.join(", ", definition.identity().addresses())
                    + (definition.identity().hostAlias() == null ? "" : " and the host name "
                            + definition.identity().hostAlias()) + ".");
        }
        steps.add("Hand the image '" + definition.image() + "' back to replication: the source is then restored from it "
                + "by differences (Job \u25b8 Restore Source\u2026 on the source's stopped job) and replicates here "
                + "again; monitoring resumes then.");
        return steps;
    }

    /** Whether a takeover may be asked for in this state. */
    public static boolean canTakeOver(FailoverState state) {
        return state == FailoverState.HEALTHY || state == FailoverState.DEGRADED || state == FailoverState.FAILED
                || state == FailoverState.STOPPED;
    }

    /** Numbered lines. */
    public static String numbered(List<String> steps) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < steps.size(); i++) {
            s.append(String.format(Locale.ROOT, "%d. %s%n", i + 1, steps.get(i)));
        }
        return s.toString().strip();
    }
}
