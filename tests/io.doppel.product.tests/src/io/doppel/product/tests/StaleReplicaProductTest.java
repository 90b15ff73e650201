package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Cli;
import io.doppel.testing.Cli.Result;
import io.doppel.testing.NetNs;
import io.doppel.testing.Trees;

/**
 * A replica known to be behind is never promoted by itself: asynchronous replication falls behind
 * (its bandwidth squeezed), the source host dies, and the automatic takeover stops at the promote
 * step, takes nothing (no address, the image still the source's) and waits for the admin; a plain
 * {@code failover now} is refused the same way; {@code --accept-loss} takes over with what the
 * replica holds and says how much it lacks. A source that still answers is asked for its head before
 * a forced takeover, and the replica given time to catch up with it.
 */
class StaleReplicaProductTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void aReplicaKnownToBeBehindWaitsForTheAdminsWord() throws Exception {
        Failovers.requireHosts(null);
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("first.txt"), "replicated before anything went wrong\n");
        try (NetNs ns = NetNs.create("st")) {
            Failovers fo = new Failovers(ns, WAIT);
            String service = ns.address(10);
            try (Agents agents = replicating(ns, fo, data)) {
                AgentProcess source = agents.source();
                AgentProcess target = agents.target();
                Path image = agents.image();
                // the default bound: a replica known to lack any change is not promoted without the admin
                fo.ok("b", target, "failover", "create", "files", "--source", "primary", "--address", ns.address(1),
                        "--agent-port", "7420", "--icmp", "--interval", "500", "--misses", "3", "--automatic",
                        "--ip", service + "/24@" + NetNs.DEVICE, "--start");
                fo.awaitState(target, "files", "HEALTHY");

                // asynchronous replication falls behind, and the target hears how far
                fo.fallBehind(source, target, "files", data);

                // the source host dies: the automatic takeover stops at the promote step and waits
                source.kill();
                ns.kill("a");
                fo.explained(target, "files", () -> awaitCondition(WAIT, () -> fo.codes(target, "files")
                        .contains("failover.alert"), "the target to refuse the stale replica and alert the admin"),
                        () -> "");
                JsonObject refused = fo.awaitState(target, "files", "FAILED");
                String reason = refused.get("reason").getAsString();
                assertTrue(reason.contains("step 'promote image'") && reason.contains("known to be behind")
                        && reason.contains("--accept-loss"), reason);
                List<String> codes = fo.codes(target, "files");
                assertFalse(codes.contains("failover.promoted") || codes.contains("failover.done"), codes.toString());
                assertFalse(ns.ipIn("b", "addr", "show", "dev", NetNs.DEVICE).stdout().contains(service + "/"),
                        "no address is taken for a stale replica");
                // monitoring goes on without trying again by itself
                long alerts = fo.codes(target, "files").stream().filter("failover.alert"::equals).count();
                assertEquals(1, alerts, fo.events(target, "files").toString());

                // the admin's plain word is refused the same way; accepting the loss takes over
                Result plain = Cli.in(ns.in("b"), target, "failover", "now", "files", "--wait");
                assertEquals(7, plain.exitCode(), plain.toString());
                assertTrue(plain.stdout().contains("known to be behind"), plain.toString());
                Result accepted = Cli.in(ns.in("b"), target, "failover", "now", "files", "--accept-loss", "--wait");
                assertEquals(0, accepted.exitCode(), accepted.toString());
                JsonObject over = fo.awaitState(target, "files", "FAILED_OVER");
                assertTrue(over.get("behindOps").getAsLong() > 0 && over.get("sourceHead").getAsLong()
                        == over.get("appliedSeq").getAsLong() + over.get("behindOps").getAsLong(), over.toString());
                codes = fo.codes(target, "files");
                assertTrue(codes.containsAll(List.of("failover.loss-accepted", "failover.behind", "failover.done")),
                        codes.toString());
                assertTrue(ns.ipIn("b", "addr", "show", "dev", NetNs.DEVICE).stdout().contains(service + "/24"));
                assertEquals("replicated before anything went wrong\n", Files.readString(image.resolve("first.txt")));
                Cli.ok(Cli.in(ns.in("b"), target, "failover", "failback", "files", "--wait"));
            }
        }
    }

    @Test
    void aSourceThatStillAnswersIsAskedForItsHeadAndCaughtUpWithBeforeAForcedTakeover() throws Exception {
        Failovers.requireHosts(null);
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("first.txt"), "replicated before the switch-over\n");
        try (NetNs ns = NetNs.create("sa")) {
            Failovers fo = new Failovers(ns, WAIT);
            String service = ns.address(10);
            try (Agents agents = replicating(ns, fo, data)) {
                AgentProcess source = agents.source();
                AgentProcess target = agents.target();
                Path image = agents.image();
                fo.ok("b", target, "failover", "create", "files", "--source", "primary", "--address", ns.address(1),
                        "--agent-port", "7420", "--icmp", "--interval", "500", "--misses", "3", "--ip",
                        service + "/24@" + NetNs.DEVICE, "--step-timeout", "15", "--start");
                fo.awaitState(target, "files", "HEALTHY");
                fo.fallBehind(source, target, "files", data);
                long headBefore = sourceHead(fo, source);
                long connections = connections(fo, source);

                // the source lives and lags: a forced takeover asks it, finds the replica short and takes nothing
                Result forced = Cli.in(ns.in("b"), target, "failover", "now", "files", "--force", "--wait");
                assertEquals(7, forced.exitCode(), forced.toString());
                java.util.regex.Matcher said = java.util.regex.Pattern
                        .compile("journaled up to op (\\d+) when asked just now").matcher(forced.stderr());
                assertTrue(said.find() && forced.stderr().contains("known to be behind"), "the admin reads why, even "
                        + "though the living source's failover is back to HEALTHY already: " + forced);
                long asked = Long.parseLong(said.group(1));
                long headAfter = sourceHead(fo, source);
                assertTrue(headBefore <= asked && asked <= headAfter, "the head the source gave, " + asked
                        + ", is its journal's as it was then (" + headBefore + " before, " + headAfter + " after)");
                assertTrue(fo.codes(target, "files").contains("failover.source-asked"), fo.events(target, "files")
                        .toString());
                assertFalse(ns.ipIn("b", "addr", "show", "dev", NetNs.DEVICE).stdout().contains(service + "/"),
                        "no address is taken for a replica that lacks changes");

                // with room on the link, the same forced takeover waits for the replica to catch up: nothing is lost
                fo.ok("a", source, "job", "limit", "files", "128KB/s");
                // the refused takeover closed the source's connection: it comes back by itself
                awaitCondition(WAIT, () -> connections(fo, source) > connections, "the source to feed the image again");
                Result caughtUp = Cli.in(ns.in("b"), target, "failover", "now", "files", "--force", "--wait");
                assertEquals(0, caughtUp.exitCode(), caughtUp + "\n" + fo.events(target, "files"));
                JsonObject over = fo.awaitState(target, "files", "FAILED_OVER");
                assertEquals(0, over.get("behindOps").getAsLong(), over.toString());
                assertTrue(over.get("appliedSeq").getAsLong() >= asked, over.toString());
                assertTrue(Trees.same(data, image, ".doppel-"), "the image holds every change the source had made");
                assertTrue(ns.ipIn("b", "addr", "show", "dev", NetNs.DEVICE).stdout().contains(service + "/24"));
                Cli.ok(Cli.in(ns.in("b"), target, "failover", "failback", "files", "--wait"));
            }
        }
    }

    /** The agents of a test: the target first started, the source paired with it and replicating into {@code image}. */
    private record Agents(AgentProcess source, AgentProcess target, Path image) implements AutoCloseable {
        @Override
        public void close() {
            try {
                target.close();
            } finally {
                source.close();
            }
        }
    }

    /** A source on host a replicating {@code data} (job "files", watch interceptor) to a target on host b. */
    private Agents replicating(NetNs ns, Failovers fo, Path data) {
        Path targetHome = dir.resolve("replica");
        AgentProcess target = AgentProcess.start(ns.in("b"), Map.of(), targetHome, "--name", "replica", "--listen",
                "127.0.0.1:7420", "--replication-listen", "0.0.0.0:7421");
        AgentProcess source;
        try {
            source = AgentProcess.start(ns.in("a"), Map.of(), dir.resolve("primary"), "--name", "primary", "--listen",
                    "0.0.0.0:7420");
        } catch (RuntimeException | Error e) {
            target.close();
            throw e;
        }
        Agents agents = new Agents(source, target, targetHome.resolve("images/primary/files"));
        try {
            fo.pair(source, target);
            fo.ok("a", source, "job", "create", "files", "--source", data.toString(), "--target", ns.address(2)
                    + ":7421", "--interceptor", "watch");
            fo.ok("a", source, "job", "start", "files");
            awaitCondition(WAIT, () -> Trees.same(data, agents.image(), ".doppel-"), "the first file to be replicated");
        } catch (RuntimeException | Error e) {
            agents.close();
            throw e;
        }
        return agents;
    }

    /** How often the source's job began to replicate over a new connection. */
    private static long connections(Failovers fo, AgentProcess source) {
        var events = com.google.gson.JsonParser.parseString(fo.ok("a", source, "--json", "events", "--job", "files",
                "--limit", "10000").stdout()).getAsJsonArray();
        long n = 0;
        for (var e : events) {
            JsonObject event = e.getAsJsonObject();
            if (event.get("code").getAsString().equals("job.state")
                    && event.get("message").getAsString().startsWith("REPLICATING")) {
                n++;
            }
        }
        return n;
    }

    private static long sourceHead(Failovers fo, AgentProcess source) {
        return com.google.gson.JsonParser.parseString(fo.ok("a", source, "--json", "job", "list").stdout())
                .getAsJsonArray().get(0).getAsJsonObject().get("lastSeq").getAsLong();
    }
}
