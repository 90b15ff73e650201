package io.doppel.console.internal.wizards;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

import io.doppel.api.job.JobDefinition;

/**
 * What the admin set in Job ▸ Edit Job…, as typed: checked as the agent checks a definition
 * ({@link JobDefinition#problem()}, plus whole numbers and HOST:PORT), and turned into the
 * {@code job.edit} arguments for the fields that differ from the job's definition, and only those.
 * The agent checks again before anything changes; its word is final.
 *
 * @param interceptor the interceptor's id, {@code null} for the best available
 */
record JobEdit(String target, boolean synchronous, String interceptor, String compression, String mirror,
        String intervalSeconds, String queueMemoryMiB, String queueDiskMiB, String rpoSeconds) {

    /** The number fields: the definition's field, and the words of its label for messages. */
    private static final Map<String, String> WORDS = new LinkedHashMap<>();

    static {
        WORDS.put("target", "Target address");
        WORDS.put("interceptor", "Interceptor");
        WORDS.put("synchronous", "Synchronous");
        WORDS.put("intervalSeconds", "Send every");
        WORDS.put("queueMemoryMiB", "Queue in memory");
        WORDS.put("queueDiskMiB", "Queue on disk");
        WORDS.put("rpoSeconds", "RPO");
        WORDS.put("compression", "Compression");
        WORDS.put("mirror", "Mirror mode");
    }

    /** The form filled with a definition as it stands. */
    static JobEdit of(JobDefinition d) {
        return new JobEdit(d.target(), d.synchronous(), d.interceptor(), d.compressionLevel(), d.mirrorMode(),
                Integer.toString(d.intervalSeconds()), Integer.toString(d.queueMemoryMiB()),
                Integer.toString(d.queueDiskMiB()), Integer.toString(d.rpoSeconds()));
    }

    /** What is wrong, in the admin's words and naming the field, or {@code null}. */
    String problem(JobDefinition current) {
        String addr = target == null ? "" : target.strip();
        if (!TargetPage.validAddress(addr)) {
            return "Target address '" + addr + "': write HOST:PORT of the target agent's replication endpoint, with a "
                    + "port from 1 to 65535, e.g. " + example(current.target()) + ".";
        }
        String[][] numbers = { { "intervalSeconds", intervalSeconds }, { "queueMemoryMiB", queueMemoryMiB },
            { "queueDiskMiB", queueDiskMiB }, { "rpoSeconds", rpoSeconds } };
        for (String[] field : numbers) {
            if (number(field[1]) == null) {
                return WORDS.get(field[0]) + ": '" + strip(field[1]) + "' is not a whole number (0 or more).";
            }
        }
        String problem = edited(current).problem();
        if (problem == null) {
            return null;
        }
        int colon = problem.indexOf(':');
        String words = colon > 0 ? WORDS.get(problem.substring(0, colon)) : null;
        return (words == null ? problem : words + problem.substring(colon)) + ".";
    }

    /** The definition as it would be; call only when {@link #problem} found nothing wrong with the numbers. */
    JobDefinition edited(JobDefinition c) {
        return new JobDefinition(c.name(), c.source(), target.strip(), c.targetFingerprint(), c.image(), synchronous,
                interceptor, compression, c.bandwidth(), number(intervalSeconds), c.rules(), number(queueMemoryMiB),
                mirror, c.verify(), number(queueDiskMiB), number(rpoSeconds));
    }

    /**
     * The {@code job.edit} arguments (the job's name and each changed field), or {@code null} if nothing
     * changed. A default spelled out (compression {@code fast}, mirror {@code diff}) is no change.
     */
    JsonObject changes(JobDefinition c) {
        JobDefinition e = edited(c);
        JsonObject args = new JsonObject();
        args.addProperty("name", c.name());
        if (!e.target().equals(c.target())) {
            args.addProperty("target", e.target());
        }
        if (e.synchronous() != c.synchronous()) {
            args.addProperty("synchronous", e.synchronous());
        }
        if (!Objects.equals(e.interceptor(), c.interceptor())) {
            if (e.interceptor() == null) {
                args.add("interceptor", JsonNull.INSTANCE); // back to the best available
            } else {
                args.addProperty("interceptor", e.interceptor());
            }
        }
        if (!e.compressionLevel().equals(c.compressionLevel())) {
            args.addProperty("compression", e.compressionLevel());
        }
        if (!e.mirrorMode().equals(c.mirrorMode())) {
            args.addProperty("mirror", e.mirrorMode());
        }
        number(args, "intervalSeconds", e.intervalSeconds(), c.intervalSeconds());
        number(args, "queueMemoryMiB", e.queueMemoryMiB(), c.queueMemoryMiB());
        number(args, "queueDiskMiB", e.queueDiskMiB(), c.queueDiskMiB());
        number(args, "rpoSeconds", e.rpoSeconds(), c.rpoSeconds());
        return args.size() > 1 ? args : null;
    }

    /** The changed fields of {@link #changes} as the form names them: "Compression, RPO". */
    static String inWords(JsonObject changes) {
        return String.join(", ", changes.keySet().stream().filter(k -> !k.equals("name"))
                .map(k -> WORDS.getOrDefault(k, k)).toList());
    }

    private static void number(JsonObject args, String field, int now, int before) {
        if (now != before) {
            args.addProperty(field, now);
        }
    }

    /** A whole number of 0 or more that fits, or {@code null}. */
    private static Integer number(String typed) {
        String s = strip(typed);
        if (!s.matches("\\d{1,10}")) {
            return null;
        }
        long n = Long.parseLong(s);
        return n > Integer.MAX_VALUE ? null : (int) n;
    }

    private static String strip(String s) {
        return s == null ? "" : s.strip();
    }

    private static String example(String currentTarget) {
        return currentTarget != null && TargetPage.validAddress(currentTarget) ? currentTarget : "backup.example:7421";
    }
}
