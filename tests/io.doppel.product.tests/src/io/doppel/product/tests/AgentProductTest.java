package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Cli;
import io.doppel.testing.Cli.Result;

/**
 * The materialized agent product as an admin uses it: its start script, the real CLI, real
 * processes and sockets.
 */
class AgentProductTest {

    @TempDir
    Path dir;

    @Test
    void statusShowsIdentityVersionUptimeAndFeatures() {
        try (AgentProcess agent = AgentProcess.start(dir.resolve("home"), "--name", "e2e-source")) {
            Result r = Cli.run("--home", agent.home().toString(), "status");
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.stdout().contains("e2e-source"), r.toString());
            assertTrue(r.stdout().contains("io.doppel.agent.feature"), r.toString());
            assertTrue(r.stdout().contains("Jobs         none"), r.toString());

            Result json = Cli.run("--agent", agent.address(), "--token-file", agent.tokenFile().toString(), "--json",
                    "status");
            assertEquals(0, json.exitCode(), json.toString());
            JsonObject status = JsonParser.parseString(json.stdout()).getAsJsonObject();
            assertEquals("e2e-source", status.getAsJsonObject("identity").get("name").getAsString());
            assertTrue(status.get("uptimeSeconds").getAsLong() >= 0);
            assertTrue(status.getAsJsonArray("plugins").toString().contains("io.doppel.agent"));
        }
    }

    @Test
    void managementRefusesWrongOrMissingCredentials() throws IOException {
        try (AgentProcess agent = AgentProcess.start(dir.resolve("home"))) {
            Path wrong = Files.writeString(dir.resolve("wrong.token"), "cd".repeat(32));
            Result refused = Cli.run("--agent", agent.address(), "--token-file", wrong.toString(), "status");
            assertEquals(4, refused.exitCode(), refused.toString());
            assertEquals(1, refused.stderr().lines().count(), refused.toString());
            assertTrue(refused.stderr().contains("authentication failed"), refused.toString());

            Result missing = Cli.run("--agent", agent.address(), "status");
            assertEquals(5, missing.exitCode(), missing.toString());

            awaitCondition(Duration.ofSeconds(10), () -> log(agent).contains("Security: management authentication "
                    + "refused"), "the refusal to be logged as a security event");
        }
    }

    @Test
    void secondAgentOnTheSameHomeIsRefused() {
        try (AgentProcess first = AgentProcess.start(dir.resolve("home"))) {
            AgentProcess second = AgentProcess.launch(dir.resolve("home"));
            assertEquals(3, second.awaitExit(Duration.ofSeconds(60)), second.output());
            assertTrue(second.output().contains("another Doppel agent is already running with home"), second.output());
            assertEquals(0, Cli.run("--home", first.home().toString(), "status").exitCode(),
                    "the first agent keeps running");
        }
    }

    @Test
    void sigtermStopsTheAgentCleanlyAndIdentityPersists() {
        Path home = dir.resolve("home");
        String fingerprint;
        try (AgentProcess agent = AgentProcess.start(home)) {
            fingerprint = fingerprint(agent);
            int exit = agent.stop();
            assertEquals(143, exit, "SIGTERM exit status; output:\n" + agent.output());
            String log = log(agent);
            assertTrue(log.contains("Agent stopped"), log);
            int silent = log.indexOf("no longer answers");
            int receiverClosed = log.indexOf("Replication receiver closed");
            assertTrue(silent >= 0 && receiverClosed > silent,
                    "management stops answering before the engine goes, so nobody reads a half-stopped agent:\n" + log);
            assertFalse(Files.exists(agent.endpointFile()), "endpoint file removed at stop");
            assertFalse(Files.exists(home.resolve("run/agent.pid")), "pid file removed at stop");
        }
        try (AgentProcess again = AgentProcess.start(home)) {
            assertEquals(fingerprint, fingerprint(again), "the identity survives a restart");
        }
    }

    @Test
    void cliErrorsAreOneLineWithDistinctExitCodes() throws IOException {
        Result noAgent = Cli.run("--home", dir.resolve("nothing-here").toString(), "status");
        assertEquals(3, noAgent.exitCode(), noAgent.toString());
        Result badAddress = Cli.run("--agent", "nohost:99999", "--token-file", "x", "status");
        assertEquals(2, badAddress.exitCode(), badAddress.toString());
        Result unknown = Cli.run("--home", dir.toString(), "frobnicate");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        for (Result r : new Result[] {noAgent, badAddress, unknown}) {
            assertEquals(1, r.stderr().lines().count(), r.toString());
            assertFalse(r.stderr().contains("Exception"), r.toString());
        }
        Result help = Cli.run("status", "--help");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.stdout().startsWith("Usage: doppel"), help.toString());
    }

    @Test
    void startScriptExplainsBadUsage() {
        AgentProcess noHome = AgentProcess.launch(dir.resolve("home"), "--frobnicate");
        assertEquals(2, noHome.awaitExit(Duration.ofSeconds(30)), noHome.output());
        assertTrue(noHome.output().contains("unknown argument '--frobnicate'"), noHome.output());
    }

    @Test
    void theHeapHasOneSizeTheAdminChooses() throws IOException {
        // without a choice: 1g, or a quarter of the memory (or of the control group's limit) where that is less
        String expected = standardHeap();
        try (AgentProcess standard = AgentProcess.start(dir.resolve("standard"))) {
            List<String> java = commandLine(standard);
            if (expected == null) {
                assertTrue(java.stream().noneMatch(a -> a.startsWith("-Xms") || a.startsWith("-Xmx")), java.toString());
            } else {
                assertTrue(java.contains("-Xms" + expected) && java.contains("-Xmx" + expected),
                        "a heap of " + expected + ": " + java);
            }
        }
        try (AgentProcess sized = AgentProcess.start(List.of(), Map.of("DOPPEL_AGENT_HEAP", "300m"), dir.resolve("sized"))) {
            List<String> java = commandLine(sized);
            assertTrue(java.contains("-Xms300m") && java.contains("-Xmx300m"), java.toString());
        }
        // options that size the heap themselves are taken as they are
        try (AgentProcess own = AgentProcess.start(List.of(), Map.of("DOPPEL_AGENT_HEAP", "300m",
                "DOPPEL_AGENT_JAVA_OPTS", "-Xmx200m"), dir.resolve("own"))) {
            List<String> java = commandLine(own);
            assertTrue(java.contains("-Xmx200m") && !java.contains("-Xms300m"), java.toString());
        }
        AgentProcess wrong = AgentProcess.launch(Map.of("DOPPEL_AGENT_HEAP", "1.5g"), dir.resolve("wrong"));
        assertEquals(2, wrong.awaitExit(Duration.ofSeconds(30)), wrong.output());
        assertTrue(wrong.output().contains("DOPPEL_AGENT_HEAP='1.5g' is not a size"), wrong.output());
    }

    /** The heap an agent gets without DOPPEL_AGENT_HEAP on this machine (docs/SETTINGS.md), or null for the JVM's own. */
    private static String standardHeap() throws IOException {
        long kib = -1;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        // the control group's limit (version 2, else version 1), as the agent's own process sees it
        List<Path> limits = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            if (line.startsWith("0::")) {
                limits.add(0, Path.of("/sys/fs/cgroup" + line.substring(3).replaceAll("/$", ""), "memory.max"));
            } else if (line.matches("[0-9]+:memory:.*")) {
                limits.add(Path.of("/sys/fs/cgroup/memory" + line.substring(line.indexOf(":memory:") + 8)
                        .replaceAll("/$", ""), "memory.limit_in_bytes"));
            }
        }
        for (Path f : limits) {
            if (Files.isReadable(f)) {
                String v = Files.readString(f).strip();
                if (v.matches("[0-9]+")) {
                    kib = Math.min(kib, Long.parseLong(v) / 1024);
                }
                break;
            }
        }
        long quarterMib = kib / 4096;
        return quarterMib >= 1024 ? "1g" : quarterMib >= 256 ? quarterMib + "m" : null;
    }

    /** The arguments of the agent's JVM (the start script replaces itself with it). */
    private static List<String> commandLine(AgentProcess agent) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(agent.process().pid()), "cmdline"));
        return List.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\0"));
    }

    private static String fingerprint(AgentProcess agent) {
        Result r = Cli.run("--home", agent.home().toString(), "--json", "status");
        assertEquals(0, r.exitCode(), r.toString());
        return JsonParser.parseString(r.stdout()).getAsJsonObject().getAsJsonObject("identity").get("fingerprint")
                .getAsString();
    }

    private static String log(AgentProcess agent) {
        try {
            return Files.readString(agent.logFile());
        } catch (IOException e) {
            return "";
        }
    }
}
