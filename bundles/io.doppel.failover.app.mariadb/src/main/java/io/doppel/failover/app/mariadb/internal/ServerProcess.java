package io.doppel.failover.app.mariadb.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * Starts, asks and stops one server process, each within the step's deadline. The server is
 * started detached (its own session, its output in a file), so the command runner that starts it
 * returns at once and holds no pipe the server keeps open.
 */
final class ServerProcess {

    private static final Logger LOG = LoggerFactory.getLogger(ServerProcess.class);

    /** The server's own output before its error log opens (option errors, say), in the work directory. */
    static final String CONSOLE = "mariadbd.out";

    /** Starts in the background; the positional parameters keep every value out of the shell's parsing. */
    private static final String DETACH = "out=$1; shift; setsid \"$@\" </dev/null >>\"$out\" 2>&1 & echo $!";

    private static final String ALIVE = "mysqld is alive";

    private final TakeoverContext context;
    private final Server server;

    ServerProcess(TakeoverContext context, Server server) {
        this.context = context;
        this.server = server;
    }

    /** Starts the server detached and returns its process id (not yet serving: recovery runs first). */
    long start() throws ApplicationException {
        List<String> command = new ArrayList<>(List.of("sh", "-c", DETACH, "sh",
                context.workDirectory().resolve(CONSOLE).toString()));
        command.addAll(server.command());
        Duration left = Duration.between(Instant.now(), context.deadline());
        CommandRunner.Result r = context.commands().run(command, Map.of(), max(min(left, Duration.ofSeconds(10)),
                Duration.ofSeconds(1)));
        String out = r.output().strip();
        if (!r.ok() || !out.matches("[0-9]+")) {
            throw new ApplicationException("cannot start " + server.program() + " (ended with " + r.exitCode() + "): "
                    + last(out));
        }
        return Long.parseLong(out);
    }

    /**
     * Waits until the server answers on its socket: it opens it only once InnoDB's crash recovery is
     * done. Fails at once when the process ends, and at the deadline, with the error log's tail.
     */
    void awaitReady(long pid, long logFrom) throws ApplicationException {
        String last = "";
        while (true) {
            if (!alive(pid)) {
                throw new ApplicationException("MariaDB (pid " + pid + ") ended before it served: " + logTail(logFrom));
            }
            Duration left = Duration.between(Instant.now(), context.deadline());
            if (left.compareTo(Duration.ofMillis(300)) < 0) {
                throw new ApplicationException("MariaDB (pid " + pid + ") does not answer yet on " + server.socket()
                        + " (" + last(last) + "); it may still recover and is left running for the retried step: "
                        + logTail(logFrom));
            }
            CommandRunner.Result ping = ping(min(left.minusMillis(200), Duration.ofSeconds(5)));
            if (ping.ok() && ping.output().contains(ALIVE)) {
                return;
            }
            last = ping.output();
            pause(Duration.ofMillis(250));
        }
    }

    /** {@code mariadb-admin ping}: succeeds (with "mysqld is alive") while the server serves, even to the unknown. */
    CommandRunner.Result ping(Duration timeout) throws ApplicationException {
        return context.commands().run(server.admin("ping"), Map.of(), timeout);
    }

    /**
     * Stops the server: {@code mariadb-admin shutdown} (else SIGTERM, the same clean shutdown, when
     * the admin client may not), waits for the process to end, and kills it at the deadline.
     */
    void stop(long pid) throws ApplicationException {
        Duration half = Duration.between(Instant.now(), context.deadline()).dividedBy(2);
        CommandRunner.Result r = context.commands().run(server.admin("shutdown"), Map.of(),
                max(half, Duration.ofSeconds(1)));
        if (!r.ok() && alive(pid)) {
            context.log("mariadb-admin shutdown failed (" + last(r.output()) + "); asking the server to stop by SIGTERM");
            signal("TERM", pid);
        }
        Instant killAt = context.deadline().minusSeconds(2);
        while (runs(pid) && Instant.now().isBefore(killAt)) {
            pause(Duration.ofMillis(200));
        }
        if (runs(pid)) {
            LOG.warn("MariaDB (pid {}) on {} did not stop in time; killing it", pid, server.dataDirectory());
            context.log("MariaDB (pid " + pid + ") did not stop before the deadline: killed (kill -9); the next "
                    + "start recovers the data as after a crash");
            signal("KILL", pid);
            Instant until = Instant.now().plusSeconds(1);
            while (runs(pid) && Instant.now().isBefore(until)) {
                pause(Duration.ofMillis(50));
            }
            if (!runs(pid)) {
                removeSocket(); // a killed server leaves it; its pid file is the next takeover's stale one
            }
        }
        if (runs(pid)) {
            throw new ApplicationException("MariaDB (pid " + pid + ") still runs after kill -9");
        }
    }

    /**
     * Whether the server still runs: its process lives, or it still holds the data directory's lock
     * (a killed process's threads end after its main thread, which shows as a zombie meanwhile).
     */
    private boolean runs(long pid) throws ApplicationException {
        try {
            return alive(pid) || new ServerLock(server.dataDirectory()).lockHolder().equals(OptionalLong.of(pid));
        } catch (IOException e) {
            throw new ApplicationException("cannot read the lock table: " + e.getMessage(), e);
        }
    }

    private void removeSocket() throws ApplicationException {
        try {
            Files.deleteIfExists(server.socket());
        } catch (IOException e) {
            throw new ApplicationException("MariaDB was killed, but its socket " + server.socket()
                    + " cannot be removed: " + e.getMessage(), e);
        }
    }

    /** The size of the error log now, so that a failure shows only what this start wrote. */
    long logSize() {
        try {
            return Files.size(server.errorLog());
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last lines the server wrote since {@code from}, from its error log and its console output. */
    String logTail(long from) {
        StringBuilder s = new StringBuilder("error log ").append(server.errorLog()).append(": ")
                .append(tail(server.errorLog(), from));
        Path console = context.workDirectory().resolve(CONSOLE);
        String out = tail(console, 0);
        if (!out.isEmpty() && !out.startsWith("(")) {
            s.append("; output ").append(console).append(": ").append(out);
        }
        return s.toString();
    }

    private void signal(String signal, long pid) throws ApplicationException {
        CommandRunner.Result r = context.commands().run(List.of("kill", "-" + signal, Long.toString(pid)), Map.of(),
                Duration.ofSeconds(5));
        if (!r.ok() && alive(pid)) {
            throw new ApplicationException("cannot send SIG" + signal + " to MariaDB (pid " + pid + "): "
                    + last(r.output()));
        }
    }

    /** Whether the process lives; a zombie (ended, not yet reaped by whoever adopted it) does not. */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            int end = stat.lastIndexOf(')');
            char state = end > 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    private static String tail(Path file, long from) {
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            long start = Math.max(from <= size ? from : 0, size - 4096);
            in.skipNBytes(start);
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip().lines().toList();
            return last(String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size())));
        } catch (NoSuchFileException e) {
            return "(none written)";
        } catch (IOException e) {
            return "(cannot be read: " + e.getMessage() + ")";
        }
    }

    static String last(String output) {
        String s = output.strip();
        return s.length() <= 800 ? s : "…" + s.substring(s.length() - 800);
    }

    private static void pause(Duration d) throws ApplicationException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApplicationException("interrupted while waiting for MariaDB");
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) > 0 ? a : b;
    }
}
