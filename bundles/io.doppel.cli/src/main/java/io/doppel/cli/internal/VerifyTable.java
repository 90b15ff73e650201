package io.doppel.cli.internal;

import java.time.Instant;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** A verification report for a terminal. */
final class VerifyTable {

    private VerifyTable() {
    }

    /** One line: phase, entries and bytes compared, and the counts. */
    static String progress(JsonObject r) {
        String line = String.format("%s: %d entries, %s compared; %d missing, %d extra, %d different", r.get("phase")
                .getAsString(), r.get("entriesCompared").getAsLong(), JobTable.bytes(r.get("bytesCompared").getAsLong()),
                r.get("missing").getAsLong(), r.get("extra").getAsLong(), r.get("different").getAsLong());
        if (r.get("changing").getAsLong() > 0) {
            line += ", " + r.get("changing").getAsLong() + " kept changing";
        }
        if (r.get("repaired").getAsLong() > 0) {
            line += ", " + r.get("repaired").getAsLong() + " repaired";
        }
        return line;
    }

    static String render(JsonObject r) {
        StringBuilder b = new StringBuilder();
        long finished = r.get("finishedAtMillis").getAsLong();
        b.append("verification of job '").append(r.get("job").getAsString()).append("' started ")
                .append(Instant.ofEpochMilli(r.get("startedAtMillis").getAsLong()))
                .append(finished == 0 ? ", running" : ", finished " + Instant.ofEpochMilli(finished))
                .append(r.get("repair").getAsBoolean() ? " (repair" : " (compare only")
                .append(", orphans: ").append(r.get("orphans").getAsString());
        int age = r.get("orphanAgeDays").getAsInt();
        if (age > 0) {
            b.append(" if older than ").append(age).append(" days");
        }
        b.append(")\n").append(progress(r)).append('\n');
        if (r.has("error") && !r.get("error").isJsonNull()) {
            b.append("error: ").append(r.get("error").getAsString()).append('\n');
        }
        if (r.has("differences") && !r.getAsJsonArray("differences").isEmpty()) {
            b.append(String.format("%-10s %-44s %-38s %s%n", "KIND", "PATH", "WHAT", "ACTION"));
            for (JsonElement e : r.getAsJsonArray("differences")) {
                JsonObject d = e.getAsJsonObject();
                StringBuilder what = new StringBuilder();
                for (JsonElement x : d.getAsJsonArray("details")) {
                    what.append(what.length() == 0 ? "" : "; ").append(x.getAsString());
                }
                b.append(String.format("%-10s %-44s %-38s %s%n", d.get("kind").getAsString(), d.get("path").getAsString(),
                        what, d.get("action").getAsString()));
            }
            if (r.get("truncated").getAsBoolean()) {
                b.append("(more differences than listed; the counts above cover all)\n");
            }
        } else if (finished != 0 && r.get("missing").getAsLong() + r.get("extra").getAsLong()
                + r.get("different").getAsLong() == 0) {
            b.append("the target equals the source\n");
        }
        return b.toString().stripTrailing();
    }
}
