package io.doppel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real agent process started from the materialized agent product with its own start script, as
 * an admin would start it. The product directory comes from the system property
 * {@value #PRODUCT_PROPERTY}.
 */
public final class AgentProcess implements AutoCloseable {

    public static final String PRODUCT_PROPERTY = "doppel.agent.product";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(40);

    private final Path home;
    private final Process process;
    private final Path output;

    private final java.nio.file.attribute.FileTime launched;

    private AgentProcess(Path home, Process process, Path output, java.nio.file.attribute.FileTime launched) {
        this.home = home;
        this.process = process;
        this.output = output;
        this.launched = launched;
    }

    /** The materialized agent product. */
    public static Path productDir() {
        String dir = System.getProperty(PRODUCT_PROPERTY);
        if (dir == null || !Files.isExecutable(Path.of(dir, "bin", "doppel-agent"))) {
            throw new IllegalStateException("system property " + PRODUCT_PROPERTY + " must name a materialized agent "
                    + "product (build product/ first); it is '" + dir + "'");
        }
        return Path.of(dir);
    }

    /** Starts an agent on {@code home}, listening on a free loopback port, and waits until it answers. */
    public static AgentProcess start(Path home, String... extraArgs) {
        AgentProcess agent = launch(home, extraArgs);
        agent.awaitListening();
        return agent;
    }

    /** Starts the agent's script without waiting for anything (for tests of refusals). */
    public static AgentProcess launch(Path home, String... extraArgs) {
        return launch(List.of(), java.util.Map.of(), home, extraArgs);
    }

    /**
     * Starts an agent under {@code wrapper} (e.g. {@code nsenter --net=…}, to run it in a network
     * namespace of the test) with extra environment variables, and waits until it answers.
     */
    public static AgentProcess start(List<String> wrapper, java.util.Map<String, String> environment, Path home,
            String... extraArgs) {
        AgentProcess agent = launch(wrapper, environment, home, extraArgs);
        agent.awaitListening();
        return agent;
    }

    /** Launches an agent with extra environment variables, without waiting for it (it may refuse to start). */
    public static AgentProcess launch(java.util.Map<String, String> environment, Path home, String... extraArgs) {
        return launch(List.of(), environment, home, extraArgs);
    }

    /** Starts an agent of another installation (a copy of the product) on {@code home}, and waits until it answers. */
    public static AgentProcess startFrom(Path installation, Path home, String... extraArgs) {
        AgentProcess agent = launch(installation, List.of(), java.util.Map.of(), home, extraArgs);
        agent.awaitListening();
        return agent;
    }

    private static AgentProcess launch(List<String> wrapper, java.util.Map<String, String> environment, Path home,
            String... extraArgs) {
        return launch(productDir(), wrapper, environment, home, extraArgs);
    }

    private static AgentProcess launch(Path installation, List<String> wrapper, java.util.Map<String, String> environment,
            Path home, String... extraArgs) {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of(installation.resolve("bin/doppel-agent").toString(), "--home",
                home.toString(), "--listen", "127.0.0.1:0", "--replication-listen", "127.0.0.1:0"));
        command.addAll(List.of(extraArgs)); // a later --listen wins
        try {
            Files.createDirectories(home.getParent());
            Path output = Files.createTempFile(home.getParent(), "agent-", ".out");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            pb.environment().putAll(environment);
            // the file system's clock, as the endpoint file's time will be: it may be coarser than the JVM's
            java.nio.file.attribute.FileTime launched = Files.getLastModifiedTime(output);
            Process p = pb.start();
            return new AgentProcess(home, p, output, launched);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /**
     * Starts agents on the given homes side by side (each with its extra arguments, environment
     * {@code environment}) and waits until all answer: starts overlap instead of following one another.
     */
    public static List<AgentProcess> startAll(java.util.Map<String, String> environment, List<Path> homes,
            List<String[]> extraArgs) {
        List<AgentProcess> agents = new ArrayList<>();
        for (int i = 0; i < homes.size(); i++) {
            agents.add(launch(List.of(), environment, homes.get(i), extraArgs.get(i)));
        }
        agents.forEach(AgentProcess::awaitListening);
        return agents;
    }

    /**
     * The agent's resident memory: now and at its peak ({@code VmRSS}, {@code VmHWM} of its JVM, in
     * KiB); {@code {-1, -1}} once it has ended.
     */
    public long[] residentKiB() {
        long[] kib = {-1, -1};
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    kib[0] = Long.parseLong(line.replaceAll("\\D", ""));
                } else if (line.startsWith("VmHWM:")) {
                    kib[1] = Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return new long[] {-1, -1};
        }
        return kib;
    }

    private void awaitListening() {
        // a killed agent leaves its endpoint file behind: only one written since this launch counts
        try {
            Await.awaitCondition(START_TIMEOUT, () -> writtenSinceLaunch(endpointFile()) || !process.isAlive(),
                    "agent on " + home + " to listen");
        } catch (AssertionError slow) {
            throw new AssertionError(slow.getMessage() + "\n" + threadDump(), slow);
        }
        if (!process.isAlive()) {
            throw new AssertionError("agent exited with " + process.exitValue() + " before listening:\n" + output());
        }
    }

    /**
     * What a live agent's JVM is doing: its threads, which it prints to its output on SIGQUIT (the
     * script execs the JVM, and so does a namespace wrapper), with the load of the machine.
     */
    private String threadDump() {
        if (!process.isAlive()) {
            return "(the agent has ended)\n" + output();
        }
        String load;
        try {
            load = Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            load = e.toString();
        }
        try {
            new ProcessBuilder("kill", "-QUIT", Long.toString(process.pid())).inheritIO().start().waitFor(10,
                    TimeUnit.SECONDS);
            Await.awaitCondition(Duration.ofSeconds(10), () -> output().contains("JNI global refs"),
                    "the agent's thread dump");
        } catch (AssertionError | IOException e) {
            return "load " + load + "; no thread dump (" + e.getMessage() + "):\n" + output();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "load " + load + "; the agent's output and threads:\n" + output();
    }

    private boolean writtenSinceLaunch(Path file) {
        try {
            return Files.getLastModifiedTime(file).compareTo(launched) >= 0;
        } catch (IOException e) {
            return false;
        }
    }

    public Path home() {
        return home;
    }

    public Process process() {
        return process;
    }

    public Path endpointFile() {
        return home.resolve("run/management.endpoint");
    }

    /** The agent's management address, {@code 127.0.0.1:PORT}. */
    public String address() {
        try {
            return Files.readString(endpointFile(), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The agent's replication endpoint, {@code 127.0.0.1:PORT}, once it listens. */
    public String replicationAddress() {
        Path file = home.resolve("run/replication.endpoint");
        Await.awaitCondition(START_TIMEOUT, () -> Files.exists(file), "replication endpoint of " + home);
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path tokenFile() {
        return home.resolve("management.token");
    }

    public Path logFile() {
        return home.resolve("logs/agent.log");
    }

    /** What the start script and the JVM printed. */
    public String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }

    /** Waits for the process to end by itself and returns its exit code. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("agent on " + home + " did not exit within " + timeout.toSeconds() + " s");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Sends SIGTERM and waits for the exit code. */
    public int stop() {
        process.destroy();
        return awaitExit(STOP_TIMEOUT);
    }

    /** kill -9: no shutdown of any kind. */
    public int kill() {
        process.destroyForcibly();
        return awaitExit(STOP_TIMEOUT);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
