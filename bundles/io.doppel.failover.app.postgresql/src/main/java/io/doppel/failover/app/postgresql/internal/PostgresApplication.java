package io.doppel.failover.app.postgresql.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.osgi.service.component.annotations.Component;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.ApplicationFailover;
import io.doppel.api.failover.app.Availability;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.Health;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * PostgreSQL on the replica ({@code postgresql}): starts the server on the replicated data
 * directory, where it recovers from the crash it sees (the image is crash-consistent: the WAL
 * replays up to the last change that reached the target), waits until it accepts connections, and
 * stops it at fail-back. The server runs as the data directory's owner, as on the source.
 */
@Component(service = ApplicationFailover.class)
public final class PostgresApplication implements ApplicationFailover {

    /** The pid of the server this plugin started, in its work directory. */
    static final String STARTED = "started.pid";

    @Override
    public String id() {
        return "postgresql";
    }

    @Override
    public String description() {
        return "PostgreSQL: started on the replica's data directory, recovered, accepting connections";
    }

    @Override
    public Map<String, String> settings() {
        return Cluster.settings();
    }

    @Override
    public Availability availability() {
        if (!Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            return Availability.no("setpriv (util-linux) is missing: it runs the server as its own user");
        }
        for (String root : List.of("/usr/lib/postgresql", "/usr")) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of(root), root.equals("/usr")
                    ? "pgsql-*" : "*")) {
                for (Path d : dirs) {
                    if (Files.isExecutable(d.resolve("bin/pg_ctl"))) {
                        return Availability.yes();
                    }
                }
            } catch (IOException e) {
                // not this layout
            }
        }
        return Availability.no("no PostgreSQL server is installed (looked for /usr/lib/postgresql/*/bin/pg_ctl and "
                + "/usr/pgsql-*/bin/pg_ctl): install the source's major version, or set postgresql.bin");
    }

    @Override
    public List<String> protectedPaths(Map<String, String> settings) {
        return List.of(settings.getOrDefault("datadir", ""));
    }

    @Override
    public void prepare(TakeoverContext context) throws ApplicationException {
        Cluster c = Cluster.of(context);
        try {
            OptionalLong running = new LockFile(c.dataDirectory()).running();
            if (running.isPresent() && !running.equals(started(context))) {
                throw alreadyRuns(c, running.getAsLong());
            }
            if (running.isEmpty() && listening(c.port())) {
                throw new ApplicationException("port " + c.port() + " is in use on this target: stop the target's own "
                        + "server on it, or set postgresql.port");
            }
        } catch (IOException e) {
            throw new ApplicationException("cannot read the replica's postmaster.pid: " + e.getMessage(), e);
        }
    }

    @Override
    public void takeOver(TakeoverContext context) throws ApplicationException {
        Cluster c = Cluster.of(context);
        LockFile lock = new LockFile(c.dataDirectory());
        try {
            OptionalLong running = lock.running();
            if (running.isPresent() && running.equals(started(context))) {
                context.log("PostgreSQL already runs on the replica (pid " + running.getAsLong() + ")");
                return; // a retried step: the server from the first attempt recovers still
            }
            if (running.isPresent()) {
                throw alreadyRuns(c, running.getAsLong());
            }
            if (lock.exists()) {
                context.log("removed the source's postmaster.pid (pid " + lock.removeStale().orElse(-1)
                        + " does not run here)");
            }
        } catch (IOException e) {
            throw new ApplicationException("cannot read the replica's postmaster.pid: " + e.getMessage(), e);
        }
        run(context, c.asOwner("mkdir", "-p", c.log().getParent().toString()), "make the log directory");
        long seconds = Math.max(1, Duration.between(Instant.now(), context.deadline()).toSeconds() - 1);
        context.log("starting PostgreSQL " + c.major() + " on " + c.dataDirectory() + " (crash recovery runs first)");
        CommandRunner.Result r = context.commands().run(c.asOwner(c.program("pg_ctl").toString(), "start", "-D",
                c.dataDirectory().toString(), "-l", c.log().toString(), "-w", "-t", Long.toString(seconds), "-o",
                c.serverOptions()), Map.of(), Duration.ofSeconds(seconds + 1));
        if (!r.ok()) {
            throw new ApplicationException("PostgreSQL did not start on the replica (pg_ctl ended with " + r.exitCode()
                    + "): " + last(r.output()) + "; server log " + c.log() + ": " + tail(c.log()));
        }
        try {
            OptionalLong pid = lock.pid();
            if (pid.isPresent()) {
                Files.writeString(context.workDirectory().resolve(STARTED), Long.toString(pid.getAsLong()));
            }
        } catch (IOException e) {
            throw new ApplicationException("PostgreSQL runs, but its pid cannot be noted in "
                    + context.workDirectory() + ": " + e.getMessage(), e);
        }
        context.log("PostgreSQL accepts connections on port " + c.port());
    }

    @Override
    public Health health(TakeoverContext context) {
        try {
            Cluster c = Cluster.of(context);
            Path isready = c.program("pg_isready");
            CommandRunner.Result r = context.commands().run(List.of(Files.isExecutable(isready) ? isready.toString()
                    : "pg_isready", "-h", c.socketDirectory().toString(), "-p", Integer.toString(c.port()), "-t", "2"),
                    Map.of(), Duration.ofSeconds(5));
            return r.ok() ? Health.up(r.output().strip()) : Health.down(r.output().isBlank() ? "pg_isready ended with "
                    + r.exitCode() : r.output().strip());
        } catch (ApplicationException e) {
            return Health.down(e.getMessage());
        }
    }

    @Override
    public void release(TakeoverContext context) throws ApplicationException {
        Cluster c = Cluster.of(context);
        try {
            if (new LockFile(c.dataDirectory()).running().isEmpty()) {
                Files.deleteIfExists(context.workDirectory().resolve(STARTED));
                return;
            }
        } catch (IOException e) {
            throw new ApplicationException("cannot read the replica's postmaster.pid: " + e.getMessage(), e);
        }
        long seconds = Math.max(1, Duration.between(Instant.now(), context.deadline()).toSeconds() / 2);
        String pgctl = c.program("pg_ctl").toString();
        String data = c.dataDirectory().toString();
        CommandRunner.Result fast = context.commands().run(c.asOwner(pgctl, "stop", "-D", data, "-m", "fast", "-w",
                "-t", Long.toString(seconds)), Map.of(), Duration.ofSeconds(seconds + 1));
        if (!fast.ok()) {
            context.log("PostgreSQL did not stop in " + seconds + " s (" + last(fast.output()) + "); stopping it at once");
            run(context, c.asOwner(pgctl, "stop", "-D", data, "-m", "immediate", "-w", "-t", Long.toString(seconds)),
                    "stop PostgreSQL");
        }
        try {
            Files.deleteIfExists(context.workDirectory().resolve(STARTED));
        } catch (IOException e) {
            throw new ApplicationException("PostgreSQL stopped, but " + context.workDirectory().resolve(STARTED)
                    + " cannot be removed: " + e.getMessage(), e);
        }
        context.log("PostgreSQL stopped");
    }

    private static OptionalLong started(TakeoverContext context) throws IOException {
        Path f = context.workDirectory().resolve(STARTED);
        if (!Files.exists(f)) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(f, StandardCharsets.US_ASCII).strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static ApplicationException alreadyRuns(Cluster c, long pid) {
        return new ApplicationException("a PostgreSQL server (pid " + pid + ") already runs on the replica's data "
                + "directory " + c.dataDirectory() + ", not started by this failover: stop it before the takeover");
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(TakeoverContext context, List<String> command, String what) throws ApplicationException {
        Duration left = Duration.between(Instant.now(), context.deadline());
        CommandRunner.Result r = context.commands().run(command, Map.of(), left.isNegative() ? Duration.ofSeconds(1)
                : left);
        if (!r.ok()) {
            throw new ApplicationException("cannot " + what + ": " + String.join(" ", command) + ": " + last(r.output()));
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return last(String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size())));
        } catch (IOException e) {
            return "(cannot be read: " + e.getMessage() + ")";
        }
    }

    private static String last(String output) {
        String s = output.strip();
        return s.length() <= 600 ? s : "…" + s.substring(s.length() - 600);
    }
}
