package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Cli;
import io.doppel.testing.Cli.Result;

/**
 * An admin adds a feature plugin the agent product does not ship (SQL Server failover) from
 * Doppel's update site into a running agent with the real CLI: it is started at once, kept by the
 * installation for a restart and for a second agent, and removed again; bad requests change nothing.
 * Each run works on its own copy of the agent installation.
 */
class PluginInstallProductTest {

    private static final String FEATURE = "io.doppel.failover.app.windows.sqlserver.feature";

    @TempDir
    Path dir;

    @Test
    void aPluginFromTheUpdateSiteIsInstalledIntoARunningAgentKeptAndRemoved() throws Exception {
        Path install = dir.resolve("installation");
        Cli.exec(List.of("cp", "-a", AgentProcess.productDir().toString(), install.toString()), 120);
        assertTrue(Files.isExecutable(install.resolve("bin/doppel-agent")), "the copied installation");
        Path site = updateSite();
        Path home = dir.resolve("home");

        try (AgentProcess agent = AgentProcess.startFrom(install, home)) {
            awaitPluginCommands(agent);
            JsonObject list = json(agent, "plugin", "list");
            assertEquals(install.toRealPath().toString(), Path.of(list.get("installFolder").getAsString()).toRealPath()
                    .toString(), list.toString());
            assertTrue(list.get("writable").getAsBoolean(), list.toString());
            assertTrue(ids(list).contains("io.doppel.agent.feature"), list.toString());
            assertFalse(ids(list).contains(FEATURE), list.toString());
            assertFalse(applicationPlugins(agent).contains("sqlserver"));

            JsonObject available = json(agent, "plugin", "available", site.toString());
            JsonObject offered = feature(available, FEATURE);
            assertTrue(offered.get("installed") == null || offered.get("installed").isJsonNull(), offered.toString());
            assertNotEquals(null, feature(available, "io.doppel.failover.app.postgresql.feature").get("installed"),
                    "the product ships PostgreSQL: " + available);

            assertTrue(available.getAsJsonArray("features").asList().stream().noneMatch(
                    f -> f.getAsJsonObject().get("id").getAsString().equals("io.doppel.console.feature")),
                    "only plugins for agents are offered: " + available);

            // refusals say what to do and change nothing
            refused(agent, "is not a plugin for agents", "plugin", "install", site.toString(),
                    "io.doppel.console.feature");
            refused(agent, "is neither an absolute path nor a file:, http: or https: URL", "plugin", "install",
                    "relative/site", FEATURE);
            refused(agent, "no update site can be read at", "plugin", "install", dir.resolve("nowhere").toString(),
                    FEATURE);
            refused(agent, "has no feature 'io.doppel.nothing.feature'; it offers", "plugin", "install",
                    site.toString(), "io.doppel.nothing.feature");
            refused(agent, "is part of the agent itself", "plugin", "remove", "io.doppel.notify.feature");
            assertEquals(ids(list), ids(json(agent, "plugin", "list")), "refused requests change nothing");

            // installed and started in the running agent
            Result installed = Cli.ok(Cli.on(agent, "plugin", "install", site.toString(), FEATURE));
            assertTrue(installed.stdout().contains("installed " + FEATURE), installed.toString());
            assertTrue(installed.stdout().contains("io.doppel.failover.app.windows.sqlserver"), installed.toString());
            awaitCondition(Duration.ofSeconds(30), () -> applicationPlugins(agent).contains("sqlserver"),
                    "the sqlserver failover plugin to be offered by the running agent");
            assertTrue(ids(json(agent, "plugin", "list")).contains(FEATURE));
            Result again = Cli.ok(Cli.on(agent, "plugin", "install", site.toString(), FEATURE));
            assertTrue(again.stdout().contains("already installed"), again.toString());
        }

        // the installation keeps it: a restart, and another agent of the same installation, have it
        try (AgentProcess restarted = AgentProcess.startFrom(install, home);
                AgentProcess second = AgentProcess.startFrom(install, dir.resolve("second"))) {
            awaitCondition(Duration.ofSeconds(30), () -> applicationPlugins(restarted).contains("sqlserver")
                    && applicationPlugins(second).contains("sqlserver"), "both agents to offer the sqlserver plugin");
            awaitPluginCommands(restarted);

            Result removed = Cli.ok(Cli.on(restarted, "plugin", "remove", FEATURE));
            assertTrue(removed.stdout().contains("removed   " + FEATURE), removed.toString());
            awaitCondition(Duration.ofSeconds(30), () -> !applicationPlugins(restarted).contains("sqlserver"),
                    "the sqlserver plugin to be gone from the agent that removed it");
            assertFalse(ids(json(restarted, "plugin", "list")).contains(FEATURE));
        }
        // the product's own copy is untouched
        assertFalse(Files.list(AgentProcess.productDir().resolve("plugins"))
                .anyMatch(p -> p.getFileName().toString().startsWith("io.doppel.failover.app.windows.sqlserver")),
                "the test changed only its own copy of the installation");
    }

    private static Path updateSite() {
        // products/io.doppel.agent.product/linux/gtk/x86_64 → the product module's target/repository
        Path site = AgentProcess.productDir().getParent().getParent().getParent().getParent().getParent()
                .resolve("repository");
        assertTrue(Files.isRegularFile(site.resolve("content.jar")) || Files.isRegularFile(site.resolve("content.xml.xz")),
                "the update site the product module builds: " + site);
        return site;
    }

    /** The agent answers before every component is up: wait until its plugin commands are registered. */
    private static void awaitPluginCommands(AgentProcess agent) {
        awaitCondition(Duration.ofSeconds(30), () -> Cli.on(agent, "--json", "plugin", "list").exitCode() == 0,
                "the agent's plugin commands");
    }

    private static JsonObject json(AgentProcess agent, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "--json";
        System.arraycopy(args, 0, all, 1, args.length);
        return JsonParser.parseString(Cli.ok(Cli.on(agent, all)).stdout()).getAsJsonObject();
    }

    private static void refused(AgentProcess agent, String expected, String... args) {
        Result r = Cli.on(agent, args);
        assertNotEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains(expected), "expected '" + expected + "' in: " + r);
    }

    private static List<String> ids(JsonObject listing) {
        List<String> ids = new ArrayList<>();
        for (JsonElement e : listing.getAsJsonArray("features")) {
            ids.add(e.getAsJsonObject().get("id").getAsString());
        }
        return ids;
    }

    private static JsonObject feature(JsonObject listing, String id) {
        for (JsonElement e : listing.getAsJsonArray("features")) {
            if (e.getAsJsonObject().get("id").getAsString().equals(id)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no feature " + id + " in " + listing);
    }

    private static List<String> applicationPlugins(AgentProcess agent) {
        JsonArray plugins = JsonParser.parseString(Cli.ok(Cli.on(agent, "--json", "failover", "plugins")).stdout())
                .getAsJsonArray();
        List<String> ids = new ArrayList<>();
        for (JsonElement p : plugins) {
            ids.add(p.getAsJsonObject().get("id").getAsString());
        }
        return ids;
    }
}
