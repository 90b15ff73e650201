package io.doppel.console.internal.plugins;

import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * A feature plugin as the agent's {@code plugins.list}, {@code plugins.available}, {@code plugins.install}
 * and {@code plugins.remove} describe it.
 *
 * @param installed the version the agent's installation has, or {@code null}
 */
record PluginFeature(String id, String name, String version, String description, String installed) {

    /** The features of an answer ({@code features} array); none if it has none. */
    static List<PluginFeature> of(JsonObject answer) {
        List<PluginFeature> features = new ArrayList<>();
        JsonElement array = answer == null ? null : answer.get("features");
        if (array == null || !array.isJsonArray()) {
            return features;
        }
        for (JsonElement e : array.getAsJsonArray()) {
            if (!e.isJsonObject()) {
                continue;
            }
            JsonObject f = e.getAsJsonObject();
            String id = text(f, "id");
            if (id == null) {
                continue;
            }
            String name = text(f, "name");
            features.add(new PluginFeature(id, name == null ? id : name, orEmpty(text(f, "version")),
                    orEmpty(text(f, "description")), text(f, "installed")));
        }
        return features;
    }

    /** Whether the installation already has exactly this version: installing it again changes nothing. */
    boolean installedAtThisVersion() {
        return version.equals(installed);
    }

    /** The outcome of an install or removal in words: what changed, the agent's message, the bundles. */
    static String outcome(JsonObject answer, String serverName) {
        boolean install = "install".equals(text(answer, "action"));
        StringBuilder b = new StringBuilder(install ? "Installed on " : "Removed from ").append(serverName).append(':');
        for (PluginFeature f : of(answer)) {
            b.append("\n  ").append(f.name()).append(" (").append(f.id()).append(' ').append(f.version()).append(')');
        }
        String message = text(answer, "message");
        if (message != null && !message.isBlank()) {
            b.append("\n").append(Character.toUpperCase(message.charAt(0))).append(message.substring(1)).append('.');
        }
        JsonElement bundles = answer.get("bundles");
        if (bundles != null && bundles.isJsonArray() && !bundles.getAsJsonArray().isEmpty()) {
            b.append(install ? "\nBundles started in the agent:" : "\nBundles changed in the agent:");
            for (JsonElement bundle : bundles.getAsJsonArray()) {
                b.append("\n  ").append(bundle.getAsString());
            }
        }
        JsonElement restart = answer.get("restartNeeded");
        if (restart != null && restart.isJsonPrimitive() && restart.getAsBoolean()) {
            b.append("\nRestart the agent on ").append(serverName).append(" to apply the change.");
        }
        return b.toString();
    }

    static String text(JsonObject o, String field) {
        JsonElement e = o == null ? null : o.get(field);
        return e == null || e.isJsonNull() || !e.isJsonPrimitive() ? null : e.getAsString();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
