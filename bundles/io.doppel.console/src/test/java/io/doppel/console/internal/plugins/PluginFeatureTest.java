package io.doppel.console.internal.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

class PluginFeatureTest {

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    @Test
    void theFeaturesOfAnAnswerWithTheirInstalledVersion() {
        List<PluginFeature> features = PluginFeature.of(json("""
                {"repository":"file:/opt/doppel/update-site/","features":[
                 {"id":"io.doppel.failover.app.postgresql.feature","name":"Doppel Failover for PostgreSQL",
                  "version":"1.0.0","description":"","doppel":true,"installed":"1.0.0"},
                 {"id":"io.doppel.failover.app.windows.sqlserver.feature","version":"1.1.0","installed":null},
                 {"name":"no id: skipped"}]}"""));
        assertEquals(2, features.size());
        assertTrue(features.get(0).installedAtThisVersion(), "shown, not checkable");
        PluginFeature sqlserver = features.get(1);
        assertEquals("io.doppel.failover.app.windows.sqlserver.feature", sqlserver.name(), "the id when unnamed");
        assertEquals(null, sqlserver.installed());
        assertFalse(sqlserver.installedAtThisVersion());
        assertEquals(List.of(), PluginFeature.of(json("{}")));
    }

    @Test
    void anOutcomeSaysWhatChangedTheAgentsMessageAndTheBundles() {
        String installed = PluginFeature.outcome(json("""
                {"action":"install","features":[{"id":"io.doppel.x.feature","name":"X","version":"1.0.0",
                 "installed":"1.0.0"}],"bundles":["io.doppel.x 1.0.0 active"],"restartNeeded":false,
                 "message":"installed and started in this agent"}"""), "alpha");
        assertEquals("Installed on alpha:\n  X (io.doppel.x.feature 1.0.0)\nInstalled and started in this agent.\n"
                + "Bundles started in the agent:\n  io.doppel.x 1.0.0 active", installed);
        String removed = PluginFeature.outcome(json("""
                {"action":"remove","features":[{"id":"io.doppel.x.feature","name":"X","version":"1.0.0"}],
                 "bundles":[],"restartNeeded":true,"message":"remove done in the installation"}"""), "alpha");
        assertEquals("Removed from alpha:\n  X (io.doppel.x.feature 1.0.0)\nRemove done in the installation.\n"
                + "Restart the agent on alpha to apply the change.", removed);
    }
}
