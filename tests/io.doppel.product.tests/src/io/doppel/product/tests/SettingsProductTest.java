package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Cli;
import io.doppel.testing.Cli.Result;

/**
 * The agent's settings as an admin changes them with the real CLI: listed from MetaType, checked
 * before anything changes, effective at once on the running agent, kept across a restart, reset.
 */
class SettingsProductTest {

    private static final String RECEIVER = "io.doppel.replication.receiver";

    @TempDir
    Path dir;

    @Test
    void settingsAreListedCheckedAppliedKeptAndReset() throws IOException {
        Path home = dir.resolve("home");
        Path images = dir.resolve("elsewhere/images");
        try (AgentProcess agent = AgentProcess.start(home)) {
            Result list = Cli.ok(Cli.on(agent, "settings"));
            for (String pid : new String[] {RECEIVER, "io.doppel.management.endpoint", "io.doppel.interceptor.watch",
                    "io.doppel.failover.witness.zookeeper"}) {
                assertTrue(list.stdout().contains(pid), list.toString());
            }
            JsonObject before = group(agent);
            assertFalse(attribute(before, "imagesDir").get("set").getAsBoolean(), before.toString());
            assertEquals(4, attribute(before, "workerThreads").get("value").getAsInt(), before.toString());

            // every invalid request is one line naming the field, and changes nothing
            assertRefused(agent, "workerThreads: 'abc' is not an integer", "set", RECEIVER, "workerThreads=abc",
                    "imagesDir=" + images);
            assertRefused(agent, "frobnicate: no such setting in " + RECEIVER, "set", RECEIVER, "frobnicate=1");
            assertRefused(agent, "workerThreads: '0' is not accepted", "set", RECEIVER, "workerThreads=0");
            assertRefused(agent, "no such setting group 'io.doppel.nothing'", "set", "io.doppel.nothing", "a=b");
            assertRefused(agent, "version: 'v9' is not one of", "set", "io.doppel.notify.snmp", "version=v9");
            assertFalse(attribute(group(agent, "io.doppel.notify.snmp"), "version").get("set").getAsBoolean());
            assertEquals(before, group(agent), "refused requests change nothing");
            assertFalse(Files.exists(images), "the refused images directory was not used");

            // a valid change takes effect on the running agent: the receiver moves its images
            Result set = Cli.ok(Cli.on(agent, "settings", "set", RECEIVER, "imagesDir=" + images, "workerThreads=6"));
            assertTrue(set.stdout().contains(images.toString()), set.toString());
            awaitCondition(Duration.ofSeconds(30), () -> Files.isDirectory(images) && log(agent).contains("(images in "
                    + images + ")"), "the replication receiver to restart with its images in " + images);
            JsonObject after = group(agent);
            assertTrue(attribute(after, "imagesDir").get("set").getAsBoolean(), after.toString());
            assertEquals(6, attribute(after, "workerThreads").get("value").getAsInt(), after.toString());
        }
        assertTrue(Files.isDirectory(home.resolve("config")), "settings are kept in the agent's home");

        try (AgentProcess again = AgentProcess.start(home)) {
            awaitCondition(Duration.ofSeconds(30), () -> log(again).contains("(images in " + images + ")"),
                    "the restarted receiver to use the configured images directory");
            JsonObject kept = group(again);
            assertEquals(images.toString(), attribute(kept, "imagesDir").get("value").getAsString(), kept.toString());

            Cli.ok(Cli.on(again, "settings", "reset", RECEIVER, "workerThreads"));
            JsonObject partly = group(again);
            assertFalse(attribute(partly, "workerThreads").get("set").getAsBoolean(), partly.toString());
            assertTrue(attribute(partly, "imagesDir").get("set").getAsBoolean(), partly.toString());

            Cli.ok(Cli.on(again, "settings", "reset", RECEIVER));
            Path defaultImages = home.resolve("images");
            awaitCondition(Duration.ofSeconds(30), () -> log(again).contains("(images in " + defaultImages + ")"),
                    "the receiver to go back to the default images directory");
            JsonObject reset = group(again);
            assertFalse(attribute(reset, "imagesDir").get("set").getAsBoolean(), reset.toString());
            assertEquals("", attribute(reset, "imagesDir").get("value").getAsString(), reset.toString());
        }
    }

    private static void assertRefused(AgentProcess agent, String expected, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "settings";
        System.arraycopy(args, 0, all, 1, args.length);
        Result r = Cli.on(agent, all);
        assertEquals(7, r.exitCode(), r.toString());
        assertEquals(1, r.stderr().lines().count(), r.toString());
        assertTrue(r.stderr().contains(expected), "expected '" + expected + "' in " + r);
    }

    private static JsonObject group(AgentProcess agent) {
        return group(agent, RECEIVER);
    }

    private static JsonObject group(AgentProcess agent, String pid) {
        Result r = Cli.ok(Cli.on(agent, "--json", "settings", "show", pid));
        return JsonParser.parseString(r.stdout()).getAsJsonObject();
    }

    private static JsonObject attribute(JsonObject group, String id) {
        for (JsonElement e : group.getAsJsonArray("attributes")) {
            if (e.getAsJsonObject().get("id").getAsString().equals(id)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no attribute " + id + " in " + group);
    }

    private static String log(AgentProcess agent) {
        try {
            return Files.readString(agent.logFile());
        } catch (IOException e) {
            return "";
        }
    }
}
