package io.doppel.cli.internal;

import com.google.gson.JsonObject;

/** A restore report for people. */
final class RestoreTable {

    private RestoreTable() {
    }

    static String progress(JsonObject r) {
        String line = String.format("%s: %d entries, %d created, %d put right, %d removed", r.get("phase").getAsString(),
                r.get("entriesDone").getAsLong(), r.get("created").getAsLong(), r.get("updated").getAsLong(),
                r.get("removed").getAsLong());
        if (r.get("kept").getAsLong() > 0) {
            line += ", " + r.get("kept").getAsLong() + " kept";
        }
        return line + "; " + JobTable.bytes(r.get("bytesFetched").getAsLong()) + " fetched of "
                + JobTable.bytes(r.get("bytesCompared").getAsLong()) + " compared";
    }

    static String render(JsonObject r) {
        StringBuilder b = new StringBuilder();
        b.append("restore of job ").append(r.get("job").getAsString());
        long applied = r.get("imageApplied").getAsLong();
        if (applied >= 0) {
            b.append(" from the target image at op ").append(applied);
        }
        b.append('\n').append("  ").append(progress(r)).append('\n');
        if (r.get("droppedOps").getAsLong() > 0) {
            b.append("  ").append(r.get("droppedOps").getAsLong())
                    .append(" captured ops the target never applied were dropped (the image is the authority)\n");
        }
        long finished = r.get("finishedAtMillis").getAsLong();
        if (finished != 0 && "done".equals(r.get("phase").getAsString())) {
            b.append("  done in ").append(Math.max(0, finished - r.get("startedAtMillis").getAsLong()) / 1000.0)
                    .append(" s; the job replicates again\n");
        }
        if (r.has("error") && !r.get("error").isJsonNull()) {
            b.append("  error: ").append(r.get("error").getAsString()).append('\n');
        }
        return b.toString().stripTrailing();
    }
}
