package io.doppel.failover.internal.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.doppel.api.failover.FailoverDefinition.Trigger;
import io.doppel.api.failover.FailoverState;
import io.doppel.api.failover.FailoverStatus.Reach;

class VerdictTest {

    private static Map<String, Prober.Seen> seen(Reach a, Reach b) {
        Map<String, Prober.Seen> m = new LinkedHashMap<>();
        m.put("a", new Prober.Seen(a, a.name()));
        m.put("b", new Prober.Seen(b, b.name()));
        return m;
    }

    @Test
    void aSourceIsLostOnlyAfterTheConfiguredMissesInARow() {
        Verdict v = new Verdict(List.of("a", "b"), 3, Trigger.ALL, true);
        assertEquals(FailoverState.HEALTHY, v.round(seen(Reach.AGENT, Reach.AGENT)).state());
        assertEquals(FailoverState.DEGRADED, v.round(seen(Reach.NONE, Reach.NONE)).state());
        assertEquals(FailoverState.DEGRADED, v.round(seen(Reach.NONE, Reach.NONE)).state());
        // an answer in between starts the count again
        assertEquals(FailoverState.HEALTHY, v.round(seen(Reach.AGENT, Reach.AGENT)).state());
        v.round(seen(Reach.NONE, Reach.NONE));
        v.round(seen(Reach.NONE, Reach.NONE));
        Verdict.Outcome lost = v.round(seen(Reach.NONE, Reach.NONE));
        assertEquals(FailoverState.FAILED, lost.state());
        assertTrue(lost.reason().contains("a, b"), lost.reason());
    }

    @Test
    void allNeedsEveryAddressLostWhileAnyNeedsOne() {
        Verdict all = new Verdict(List.of("a", "b"), 1, Trigger.ALL, true);
        Verdict any = new Verdict(List.of("a", "b"), 1, Trigger.ANY, true);
        Verdict.Outcome oneLost = all.round(seen(Reach.NONE, Reach.AGENT));
        assertEquals(FailoverState.DEGRADED, oneLost.state());
        assertTrue(oneLost.reason().contains("lost a"), oneLost.reason());
        assertEquals(FailoverState.FAILED, any.round(seen(Reach.NONE, Reach.AGENT)).state());
        assertEquals(FailoverState.FAILED, all.round(seen(Reach.NONE, Reach.NONE)).state());
    }

    @Test
    void anAgentDownOnALivingHostIsNeverAFailure() {
        Verdict v = new Verdict(List.of("a", "b"), 1, Trigger.ANY, true);
        for (int i = 0; i < 5; i++) {
            Verdict.Outcome o = v.round(seen(Reach.HOST, Reach.HOST));
            assertEquals(FailoverState.DEGRADED, o.state());
            assertTrue(o.reason().contains("agent is down but its host answers"), o.reason());
        }
        assertEquals(0, v.probes().get(0).misses());
    }

    @Test
    void withoutAnAgentProbeAHostAnswerIsHealthy() {
        Verdict v = new Verdict(List.of("a", "b"), 2, Trigger.ALL, false);
        assertEquals(FailoverState.HEALTHY, v.round(seen(Reach.HOST, Reach.HOST)).state());
    }
}
