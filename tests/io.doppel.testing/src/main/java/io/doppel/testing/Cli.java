package io.doppel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the product's real {@code bin/doppel} as a process. */
public final class Cli {

    /** What one run printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private Cli() {
    }

    /** Runs {@code doppel --home <agent's home> args…}. */
    public static Result on(AgentProcess agent, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--home";
        all[1] = agent.home().toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return run(all);
    }

    /** The result, after checking that the command succeeded. */
    public static Result ok(Result r) {
        if (r.exitCode() != 0) {
            throw new AssertionError("doppel failed: " + r);
        }
        return r;
    }

    /** Runs {@code doppel --home <agent's home> args…} under {@code wrapper} (e.g. in the agent's network namespace). */
    public static Result in(List<String> wrapper, AgentProcess agent, String... args) {
        List<String> all = new ArrayList<>(List.of("--home", agent.home().toString()));
        all.addAll(List.of(args));
        return run(wrapper, all.toArray(String[]::new));
    }

    public static Result run(String... args) {
        return run(List.of(), args);
    }

    private static Result run(List<String> wrapper, String... args) {
        List<String> command = new ArrayList<>(wrapper);
        command.add(AgentProcess.productDir().resolve("bin/doppel").toString());
        command.addAll(List.of(args));
        return exec(command, 60);
    }

    /** Runs any program to its end (at most {@code timeoutSeconds}) and returns what it printed. */
    public static Result exec(List<String> command, int timeoutSeconds) {
        try {
            Path out = Files.createTempFile("doppel-cli", ".out");
            Path err = Files.createTempFile("doppel-cli", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds
                            + " s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
