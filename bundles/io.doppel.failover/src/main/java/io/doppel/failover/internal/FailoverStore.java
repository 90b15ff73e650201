package io.doppel.failover.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.google.gson.JsonParseException;

import io.doppel.api.failover.FailoverDefinition;
import io.doppel.management.protocol.Json;

/**
 * Failovers on disk: {@code <dir>/<name>/definition.json} and {@code state.json}, each replaced by
 * temp file, fsync and rename, so a restart finds the last state whole (what a takeover took
 * included).
 */
final class FailoverStore {

    /** A failover read back: its definition and, if it was saved, its state. */
    record Loaded(FailoverDefinition definition, Failover.Saved saved) {
    }

    private final Path dir;

    FailoverStore(Path dir) {
        this.dir = dir;
    }

    List<Loaded> load() throws IOException {
        List<Loaded> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> names = Files.list(dir)) {
            for (Path d : names.sorted().toList()) {
                Path def = d.resolve("definition.json");
                if (!Files.isRegularFile(def)) {
                    continue;
                }
                try {
                    FailoverDefinition definition = Json.GSON.fromJson(Files.readString(def, StandardCharsets.UTF_8),
                            FailoverDefinition.class).validate();
                    Path state = d.resolve("state.json");
                    Failover.Saved saved = Files.isRegularFile(state) ? Json.GSON.fromJson(Files.readString(state,
                            StandardCharsets.UTF_8), Failover.Saved.class) : null;
                    out.add(new Loaded(definition, saved));
                } catch (JsonParseException | IllegalArgumentException e) {
                    throw new IOException("failover " + d.getFileName() + " cannot be read (" + e.getMessage()
                            + "); fix or remove " + d, e);
                }
            }
        }
        return out;
    }

    void saveDefinition(FailoverDefinition definition) {
        write(dir.resolve(definition.name()).resolve("definition.json"), Json.PRETTY.toJson(definition));
    }

    void saveState(String name, Failover.Saved saved) {
        write(dir.resolve(name).resolve("state.json"), Json.PRETTY.toJson(saved));
    }

    void delete(String name) throws IOException {
        Path d = dir.resolve(name);
        Files.deleteIfExists(d.resolve("state.json"));
        Files.deleteIfExists(d.resolve("definition.json"));
        Files.deleteIfExists(d);
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + file + ": " + e.getMessage(), e);
        }
    }
}
