package io.doppel.cli.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** Jobs as a table that fits a terminal. */
final class JobTable {

    private JobTable() {
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format("%.1f KiB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format("%.1f MiB", n / (1024.0 * 1024));
        }
        return String.format("%.1f GiB", n / (1024.0 * 1024 * 1024));
    }

    /** One line of mirror progress: mode, phase, entries and bytes done of total, rate, time left. */
    static String mirror(JsonObject m) {
        String mode = m.get("mode").getAsString() + (m.get("checksumAll").getAsBoolean() ? " (checksum all)" : "");
        long bytesTotal = m.get("bytesTotal").getAsLong();
        long bytesDone = m.get("bytesDone").getAsLong();
        String line = String.format("%s, %s: %d/%d entries, %s/%s (%d%%), %s sent", mode, m.get("phase").getAsString(),
                m.get("filesDone").getAsLong(), m.get("filesTotal").getAsLong(), bytes(bytesDone), bytes(bytesTotal),
                bytesTotal == 0 ? 100 : bytesDone * 100 / bytesTotal, bytes(m.get("bytesSent").getAsLong()));
        if (m.get("finishedAtMillis").getAsLong() == 0) {
            long eta = m.get("etaSeconds").getAsLong();
            line += String.format(", %s/s%s", bytes(m.get("bytesPerSecond").getAsLong()),
                    eta < 0 ? "" : String.format(", %d:%02d left", eta / 60, eta % 60));
        }
        if (m.get("resumed").getAsInt() > 0) {
            line += ", resumed " + m.get("resumed").getAsInt() + "x";
        }
        line += " (" + m.get("reason").getAsString() + ")";
        if (m.has("error") && !m.get("error").isJsonNull()) {
            line += "; " + m.get("error").getAsString();
        }
        return line;
    }

    static String render(JsonArray jobs) {
        if (jobs.isEmpty()) {
            return "no jobs";
        }
        StringBuilder b = new StringBuilder(String.format("%-16s %-13s %-28s %9s %9s %9s %9s %8s %10s%n", "JOB",
                "STATE", "TARGET/IMAGE", "CAPTURED", "SENT", "APPLIED", "QUEUED", "LAG", "RATE"));
        for (JsonElement e : jobs) {
            JsonObject j = e.getAsJsonObject();
            JsonObject d = j.getAsJsonObject("definition");
            String image = d.has("image") && !d.get("image").isJsonNull() ? d.get("image").getAsString()
                    : d.get("name").getAsString();
            long lag = j.get("lagMillis").getAsLong();
            long rate = j.has("bytesPerSecond") ? j.get("bytesPerSecond").getAsLong() : 0;
            b.append(String.format("%-16s %-13s %-28s %9d %9d %9d %9d %8s %10s%n", d.get("name").getAsString(),
                    j.get("state").getAsString(), d.get("target").getAsString() + "/" + image,
                    j.get("lastSeq").getAsLong(), j.get("sentSeq").getAsLong(), j.get("ackedSeq").getAsLong(),
                    j.get("queuedOps").getAsLong(), lag < 0 ? "-" : lag + " ms", bytes(rate) + "/s"));
            if (j.has("capture") && !j.get("capture").isJsonNull()) {
                b.append("  capture: ").append(j.get("capture").getAsString()).append('\n');
            }
            if (j.has("mirror") && j.get("mirror").isJsonObject()) {
                b.append("  mirror: ").append(mirror(j.getAsJsonObject("mirror"))).append('\n');
            }
            if (j.has("verify") && j.get("verify").isJsonObject()) {
                b.append("  verify: ").append(VerifyTable.progress(j.getAsJsonObject("verify"))).append('\n');
            }
            if (j.has("restore") && j.get("restore").isJsonObject()) {
                b.append("  restore: ").append(RestoreTable.progress(j.getAsJsonObject("restore"))).append('\n');
            }
            if (j.has("lastError") && !j.get("lastError").isJsonNull()) {
                b.append("  last error: ").append(j.get("lastError").getAsString()).append('\n');
            }
        }
        return b.toString().stripTrailing();
    }
}
