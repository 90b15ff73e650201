package io.doppel.console.internal.wizards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.doppel.api.agent.AgentIdentity;
import io.doppel.api.agent.AgentStatus;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerState;
import io.doppel.console.internal.model.UnsavedStore;
import io.doppel.console.internal.wizards.BandwidthText.Row;
import io.doppel.management.AgentAddress;

class JobPlanTest {

    private static final String ALPHA_FP = "5E:0C:" + "00:".repeat(29) + "01";
    private static final String REPLICA_FP = "AA:BB:" + "00:".repeat(29) + "02";

    private final ServerModel model = new ServerModel(new UnsavedStore());

    private Server server(String address, String name, String fingerprint) throws Exception {
        Server s = model.add(new ServerEntry(AgentAddress.parse(address), Path.of("/t")));
        model.update(s, ServerState.connected(new AgentStatus(new AgentIdentity(name, fingerprint), "0.1.0", name,
                Instant.now(), 1, List.of(), List.of(), List.of())));
        return s;
    }

    private JobPlan plan() throws Exception {
        JobPlan plan = new JobPlan();
        plan.source = server("10.0.0.1:7420", "alpha", ALPHA_FP);
        plan.target = server("10.0.0.2:7420", "replica", REPLICA_FP);
        plan.name = "web";
        plan.directory = "/srv/www";
        plan.rules = List.of("- cache/");
        plan.targetAddress = "10.0.0.2:7421";
        plan.bandwidth = "25GB/h Mon-Fri 08:00-18:00; unlimited";
        return plan;
    }

    @Test
    void theSummaryListsTrustOnBothSidesThenCreateThenStart() throws Exception {
        List<PlannedAction> actions = plan().actions();
        assertEquals(List.of("peer.trust", "peer.trust", "job.create", "job.start"),
                actions.stream().map(PlannedAction::command).toList());
        assertEquals("On alpha: trust replica (AA:BB:…) for replication", actions.get(0).description());
        assertEquals("On replica: trust alpha (5E:0C:…) for replication", actions.get(1).description());
        assertEquals(REPLICA_FP, actions.get(0).args().get("fingerprint").getAsString());
        assertEquals("On alpha: create job 'web' protecting /srv/www (rules - cache/) → replica 10.0.0.2:7421, image "
                + "'web', best available interceptor, asynchronous, sent continuously, compression fast, bandwidth "
                + "25GB/h Mon-Fri 08:00-18:00; unlimited", actions.get(2).description());
        assertEquals("On alpha: start 'web'; the first copy mirrors by differences", actions.get(3).description());
    }

    @Test
    void theCreateArgumentsPinTheTargetAndLeaveTheInterceptorToTheAgent() throws Exception {
        var args = plan().actions().get(2).args();
        assertEquals("web", args.get("name").getAsString());
        assertEquals("/srv/www", args.get("source").getAsString());
        assertEquals("10.0.0.2:7421", args.get("target").getAsString());
        assertEquals(REPLICA_FP, args.get("targetFingerprint").getAsString());
        assertEquals("web", args.get("image").getAsString());
        assertNull(args.get("interceptor"));
        assertEquals("- cache/", args.getAsJsonArray("rules").get(0).getAsString());
        assertEquals("diff", args.get("mirror").getAsString());
    }

    @Test
    void peersThatAlreadyTrustEachOtherAndNoStartLeaveOnlyTheCreate() throws Exception {
        JobPlan plan = plan();
        plan.sourceTrustsTarget = true;
        plan.targetTrustsSource = true;
        plan.startNow = false;
        assertEquals(List.of("job.create"), plan.actions().stream().map(PlannedAction::command).toList());
    }

    @Test
    void bandwidthRowsBecomeTheAgentsScheduleText() {
        assertEquals("25GB/h Mon-Fri 08:00-18:00; 2MB/s Sat,Sun; unlimited", BandwidthText.of(List.of(
                new Row("25GB/h", "Mon-Fri", "08:00", "18:00"), new Row("2MB/s", "Sat, Sun", "", "")), "unlimited"));
        assertEquals("", BandwidthText.of(List.of(), "unlimited"), "no rows and no limit otherwise: no schedule");
        assertEquals("10MB/s", BandwidthText.of(List.of(), "10MB/s"));
        assertEquals("5MB/s 22:00-06:00; unlimited",
                BandwidthText.of(List.of(new Row("5MB/s", BandwidthText.EVERY_DAY, "22:00", "06:00")), ""));
    }

    @Test
    void badRowsSayWhatToWrite() {
        assertTrue(BandwidthText.rowProblem(new Row("25GB", "Mon-Fri", "", "")).contains("is not a rate"));
        assertTrue(BandwidthText.rowProblem(new Row("25GB/h", "Mo-Fr", "", "")).contains("Mon-Fri or Sat,Sun"));
        assertTrue(BandwidthText.rowProblem(new Row("25GB/h", "Mon-Fri", "08:00", "")).contains("both times"));
        assertTrue(BandwidthText.rowProblem(new Row("25GB/h", "Mon-Fri", "8", "18:00")).contains("HH:MM"));
        assertTrue(BandwidthText.rowProblem(new Row("25GB/h", "Mon-Fri", "25:00", "18:00")).contains("HH:MM"));
        assertNull(BandwidthText.rowProblem(new Row("1.5MiB/s", "Sat,Sun", "00:00", "24:00")));
        assertNull(BandwidthText.rateProblem("unlimited", true));
        assertFalse(BandwidthText.rateProblem("unlimited", false) == null);
    }

    @Test
    void replicationAddressesNeedHostAndPort() {
        assertTrue(TargetPage.validAddress("10.0.0.2:7421"));
        assertTrue(TargetPage.validAddress("[::1]:7421"));
        assertFalse(TargetPage.validAddress("10.0.0.2"));
        assertFalse(TargetPage.validAddress("10.0.0.2:70000"));
    }
}
