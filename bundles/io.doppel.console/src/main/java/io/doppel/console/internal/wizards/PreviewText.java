package io.doppel.console.internal.wizards;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** The answer of {@code job.preview} as the admin reads it. */
final class PreviewText {

    private PreviewText() {
    }

    static String of(JsonObject result) {
        long included = result.get("included").getAsLong();
        long excluded = result.get("excluded").getAsLong();
        boolean truncated = result.has("truncated") && result.get("truncated").getAsBoolean();
        StringBuilder b = new StringBuilder();
        b.append("Included: ").append(included).append(included == 1 ? " entry" : " entries");
        b.append(" — excluded: ").append(excluded).append(excluded == 1 ? " entry" : " entries");
        if (truncated) {
            b.append(" (the preview stopped after the first 100000 entries; there are more)");
        }
        b.append('\n');
        for (JsonElement path : result.getAsJsonArray("sampleIncluded")) {
            b.append("  + ").append(path.getAsString()).append('\n');
        }
        if (included > result.getAsJsonArray("sampleIncluded").size()) {
            b.append("  … and more\n");
        }
        for (JsonElement e : result.getAsJsonArray("sampleExcluded")) {
            JsonObject ex = e.getAsJsonObject();
            b.append("  - ").append(ex.get("path").getAsString()).append("   (excluded by ")
                    .append(ex.get("rule").getAsString()).append(")\n");
        }
        if (excluded > result.getAsJsonArray("sampleExcluded").size()) {
            b.append("  … and more\n");
        }
        if (included == 0) {
            b.append("Nothing would be replicated: check the rules, the first that matches decides.\n");
        }
        return b.toString().stripTrailing();
    }
}
