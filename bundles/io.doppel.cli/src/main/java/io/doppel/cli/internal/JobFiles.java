package io.doppel.cli.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/** Job definition files, as {@code job export} writes them and {@code job import} reads them. */
final class JobFiles {

    /** The fields of a job definition (those of {@code job.create}). */
    static final Set<String> FIELDS = Set.of("name", "source", "target", "targetFingerprint", "image", "synchronous",
            "interceptor", "compression", "bandwidth", "intervalSeconds", "rules", "queueMemoryMiB", "mirror", "verify",
            "queueDiskMiB", "rpoSeconds");
    static final Set<String> VERIFY_FIELDS = Set.of("when", "repair", "orphans", "orphanAgeDays");

    private JobFiles() {
    }

    /** Reads a definition; a file that is missing, not JSON, or has a field no definition has, is refused. */
    static JsonObject read(String file) throws CliException {
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException(Exit.USAGE, "no such file: " + file);
        } catch (IOException | InvalidPathException e) {
            throw new CliException(Exit.USAGE, "cannot read " + file + ": " + e.getMessage());
        }
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new CliException(Exit.USAGE, file + " is not JSON: " + e.getMessage());
        }
        if (!parsed.isJsonObject()) {
            throw new CliException(Exit.USAGE, file + " must hold one JSON object, a job's definition (doppel job export)");
        }
        JsonObject d = parsed.getAsJsonObject();
        unknown(file, "", d, FIELDS);
        if (d.has("verify") && d.get("verify").isJsonObject()) {
            unknown(file, "verify.", d.getAsJsonObject("verify"), VERIFY_FIELDS);
        }
        return d;
    }

    private static void unknown(String file, String prefix, JsonObject o, Set<String> known) throws CliException {
        for (String key : o.keySet()) {
            if (!known.contains(key)) {
                throw new CliException(Exit.USAGE, file + ": unknown field '" + prefix + key + "' (a job definition has "
                        + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }
}
