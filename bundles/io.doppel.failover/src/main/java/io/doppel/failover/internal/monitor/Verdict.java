package io.doppel.failover.internal.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.doppel.api.failover.FailoverDefinition.Trigger;
import io.doppel.api.failover.FailoverState;
import io.doppel.api.failover.FailoverStatus.Probe;
import io.doppel.api.failover.FailoverStatus.Reach;

/**
 * Turns rounds of probe results into a monitoring state: an address is lost after {@code misses}
 * consecutive rounds in which nothing answered; the source is {@link FailoverState#FAILED} when any
 * (or all, by the trigger) of its addresses are lost. A source whose agent is down while its host
 * answers is only {@link FailoverState#DEGRADED}: an application may still run there, so taking its
 * identity could make two servers of one.
 */
public final class Verdict {

    /** The state after a round, and why. */
    public record Outcome(FailoverState state, String reason) {
    }

    private final int misses;
    private final Trigger trigger;
    private final boolean agentProbed;
    private final Map<String, Probe> probes = new LinkedHashMap<>();

    public Verdict(List<String> addresses, int misses, Trigger trigger, boolean agentProbed) {
        this.misses = misses;
        this.trigger = trigger;
        this.agentProbed = agentProbed;
        addresses.forEach(a -> probes.put(a, new Probe(a, Reach.UNKNOWN, 0, false, "not probed yet")));
    }

    /** Takes one round's results (address → what was seen) and returns the state they lead to. */
    public synchronized Outcome round(Map<String, Prober.Seen> seen) {
        for (Map.Entry<String, Prober.Seen> e : seen.entrySet()) {
            Probe before = probes.get(e.getKey());
            if (before == null) {
                continue;
            }
            Prober.Seen s = e.getValue();
            int missed = s.reach() == Reach.NONE ? before.misses() + 1 : 0;
            probes.put(e.getKey(), new Probe(e.getKey(), s.reach(), missed, missed >= misses, s.detail()));
        }
        return outcome();
    }

    public synchronized List<Probe> probes() {
        return List.copyOf(probes.values());
    }

    private Outcome outcome() {
        List<String> lost = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> agentDown = new ArrayList<>();
        for (Probe p : probes.values()) {
            if (p.lost()) {
                lost.add(p.address());
            } else if (p.misses() > 0) {
                missing.add(p.address() + " (" + p.misses() + " of " + misses + " missed)");
            } else if (agentProbed && p.reach() == Reach.HOST) {
                agentDown.add(p.address());
            }
        }
        boolean failed = trigger == Trigger.ANY ? !lost.isEmpty() : lost.size() == probes.size();
        if (failed) {
            return new Outcome(FailoverState.FAILED, "source lost: " + String.join(", ", lost) + " missed " + misses
                    + " rounds in a row" + (trigger == Trigger.ANY && lost.size() < probes.size() ? " (any address "
                    + "lost counts)" : ""));
        }
        List<String> why = new ArrayList<>();
        if (!lost.isEmpty()) {
            why.add("lost " + String.join(", ", lost) + " (the others answer)");
        }
        if (!missing.isEmpty()) {
            why.add("missing " + String.join(", ", missing));
        }
        if (!agentDown.isEmpty()) {
            why.add("the source agent is down but its host answers at " + String.join(", ", agentDown)
                    + ": no takeover, an application may still run there (fail over by hand if it must)");
        }
        if (!why.isEmpty()) {
            return new Outcome(FailoverState.DEGRADED, String.join("; ", why));
        }
        boolean probed = probes.values().stream().allMatch(p -> p.reach() != Reach.UNKNOWN);
        return new Outcome(probed ? FailoverState.HEALTHY : FailoverState.STOPPED, probed ? "every address answers"
                : "not probed yet");
    }
}
