package io.doppel.failover.app.windows.testing;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * The plan's side of a call, in memory; {@code events} collects what the plugin logs. Pass a
 * {@link ScriptedRunner} as {@code commands}.
 */
public record FakeContext(String failover, String source, Path dataRoot, Map<String, String> settings,
        Path workDirectory, Instant deadline, CommandRunner commands, List<String> events) implements TakeoverContext {

    @Override
    public void log(String message) {
        events.add(message);
    }
}
