package io.doppel.failover.app.shares.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * A failover's context for the plugin outside the agent: every command and event recorded, the
 * commands run by {@code runner} (real programs, or a script).
 */
record TestContext(Path dataRoot, Path workDirectory, Map<String, String> settings, CommandRunner runner,
        List<String> logged, List<List<String>> ran) implements TakeoverContext {

    TestContext(Path dataRoot, Path workDirectory, Map<String, String> settings, CommandRunner runner) {
        this(dataRoot, workDirectory, Map.copyOf(settings), runner, Collections.synchronizedList(new ArrayList<>()),
                Collections.synchronizedList(new ArrayList<>()));
    }

    /** Runs programs for real, their output in a file: a daemon they leave behind holds no pipe. */
    static CommandRunner real(Path dir) {
        return (command, environment, timeout) -> {
            try {
                Path out = Files.createTempFile(dir, "out", ".txt");
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
                pb.environment().putAll(environment);
                Process p = pb.start();
                boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!ended) {
                    p.destroyForcibly().waitFor();
                }
                String output = Files.readString(out, StandardCharsets.UTF_8);
                Files.delete(out);
                return new CommandRunner.Result(ended ? p.exitValue() : -1, output);
            } catch (IOException e) {
                throw new ApplicationException("cannot run " + command + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApplicationException("interrupted");
            }
        };
    }

    @Override
    public String failover() {
        return "files";
    }

    @Override
    public String source() {
        return "filer";
    }

    @Override
    public Instant deadline() {
        return Instant.now().plusSeconds(30);
    }

    @Override
    public CommandRunner commands() {
        return (command, environment, timeout) -> {
            ran.add(List.copyOf(command));
            if (timeout.compareTo(Duration.ZERO) <= 0) {
                throw new IllegalArgumentException("a command without time: " + command);
            }
            return runner.run(command, environment, timeout);
        };
    }

    @Override
    public void log(String message) {
        logged.add(message);
    }
}
