package io.doppel.failover.app.mariadb.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
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
 * MariaDB or MySQL on the replica ({@code mariadb}): starts the server on the replicated data
 * directory, where InnoDB recovers from the crash it sees (the image is crash-consistent: the redo
 * log replays up to the last change that reached the target), waits until it answers, and stops it
 * at fail-back. It runs as the data directory's owner, as on the source, and with
 * {@code --no-defaults} unless given an option file, so this target's own configuration cannot
 * point it at other data.
 */
@Component(service = ApplicationFailover.class)
public final class MariaDbApplication implements ApplicationFailover {

    /** The pid of the server this plugin started, in its work directory. */
    static final String STARTED = "started.pid";

    @Override
    public String id() {
        return "mariadb";
    }

    @Override
    public String description() {
        return "MariaDB or MySQL: started on the replica's data directory, recovered, answering";
    }

    @Override
    public Map<String, String> settings() {
        return Server.settings();
    }

    @Override
    public Availability availability() {
        if (!Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            return Availability.no("setsid (util-linux) is missing: it starts the server detached");
        }
        return Server.installed().isPresent() ? Availability.yes() : Availability.no(Server.notInstalled());
    }

    @Override
    public List<String> protectedPaths(Map<String, String> settings) {
        return List.of(settings.getOrDefault("datadir", ""));
    }

    @Override
    public void prepare(TakeoverContext context) throws ApplicationException {
        Server s = Server.of(context);
        OptionalLong started = started(context);
        OptionalLong running = running(s, started);
        if (running.isPresent() && !running.equals(started)) {
            throw alreadyRuns(s, running.getAsLong());
        }
        if (running.isEmpty()) {
            if (listening(s.port())) {
                throw new ApplicationException("port " + s.port() + " is in use on this target: stop the target's own "
                        + "server on it, or set mariadb.port");
            }
            if (answers(s.socket())) {
                throw new ApplicationException("a server answers on the socket " + s.socket() + " already: stop it, or "
                        + "set mariadb.socket");
            }
        }
    }

    @Override
    public void takeOver(TakeoverContext context) throws ApplicationException {
        Server s = Server.of(context);
        ServerProcess process = new ServerProcess(context, s);
        OptionalLong started = started(context);
        OptionalLong running = running(s, started);
        if (running.isPresent() && running.equals(started)) {
            // a retried step: the server of the first attempt may still be recovering
            context.log("MariaDB already runs on the replica (pid " + running.getAsLong() + "); waiting for it");
            process.awaitReady(running.getAsLong(), 0);
            return;
        }
        if (running.isPresent()) {
            throw alreadyRuns(s, running.getAsLong());
        }
        try {
            for (Map.Entry<Path, String> stale : new ServerLock(s.dataDirectory()).removeStale().entrySet()) {
                context.log("removed the stale pid file " + stale.getKey().getFileName() + " (pid " + stale.getValue()
                        + " is no MariaDB server on this data here)");
            }
        } catch (IOException e) {
            throw new ApplicationException("cannot remove the source's pid file from " + s.dataDirectory() + ": "
                    + e.getMessage(), e);
        }
        socketDirectory(context, s);
        long logFrom = process.logSize();
        context.log("starting " + s.program().getFileName() + " on " + s.dataDirectory() + " as " + s.user()
                + " (InnoDB crash recovery runs first)");
        long pid = process.start();
        try {
            Files.writeString(context.workDirectory().resolve(STARTED), Long.toString(pid), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ApplicationException("MariaDB started (pid " + pid + "), but its pid cannot be noted in "
                    + context.workDirectory() + ": " + e.getMessage(), e);
        }
        process.awaitReady(pid, logFrom);
        context.log("MariaDB answers on port " + s.port() + " and " + s.socket());
    }

    @Override
    public Health health(TakeoverContext context) {
        try {
            CommandRunner.Result r = new ServerProcess(context, Server.of(context)).ping(Duration.ofSeconds(5));
            String out = r.output().strip();
            if (r.ok() && out.contains("is alive")) {
                return Health.up(out);
            }
            return Health.down(out.isEmpty() ? "mariadb-admin ping ended with " + r.exitCode() : ServerProcess.last(out));
        } catch (ApplicationException e) {
            return Health.down(e.getMessage());
        }
    }

    @Override
    public void release(TakeoverContext context) throws ApplicationException {
        Server s = Server.of(context);
        OptionalLong started = started(context);
        OptionalLong running = running(s, started);
        if (running.isPresent() && !running.equals(started)) {
            throw new ApplicationException("a MariaDB server (pid " + running.getAsLong() + ") runs on the replica's data "
                    + "directory " + s.dataDirectory() + " that this failover did not start: it is left running; stop "
                    + "it before the image is handed back");
        }
        if (running.isPresent()) {
            new ServerProcess(context, s).stop(running.getAsLong());
            context.log("MariaDB stopped");
        }
        try {
            Files.deleteIfExists(context.workDirectory().resolve(STARTED));
        } catch (IOException e) {
            throw new ApplicationException("cannot remove " + context.workDirectory().resolve(STARTED) + ": "
                    + e.getMessage(), e);
        }
    }

    private static OptionalLong running(Server s, OptionalLong started) throws ApplicationException {
        try {
            return new ServerLock(s.dataDirectory()).running(started);
        } catch (IOException e) {
            throw new ApplicationException("cannot tell whether a server runs on " + s.dataDirectory() + ": "
                    + e.getMessage(), e);
        }
    }

    private static OptionalLong started(TakeoverContext context) throws ApplicationException {
        try {
            return ServerLock.pid(context.workDirectory().resolve(STARTED));
        } catch (IOException e) {
            throw new ApplicationException("cannot read " + context.workDirectory().resolve(STARTED) + ": "
                    + e.getMessage(), e);
        }
    }

    /** The socket's directory, made for the server's user when missing ({@code /run/mysqld} is volatile). */
    private static void socketDirectory(TakeoverContext context, Server s) throws ApplicationException {
        Path dir = s.socket().getParent();
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir);
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            Files.getFileAttributeView(dir, PosixFileAttributeView.class).setOwner(users.lookupPrincipalByName(s.user()));
            context.log("made " + dir + " for the server's socket, owned by " + s.user());
        } catch (IOException e) {
            throw new ApplicationException("cannot make " + dir + " for the server's socket (owned by " + s.user()
                    + "): " + e.getMessage() + "; make it, or set mariadb.socket", e);
        }
    }

    private static ApplicationException alreadyRuns(Server s, long pid) {
        return new ApplicationException("a MariaDB server (pid " + pid + ") already runs on the replica's data "
                + "directory " + s.dataDirectory() + ", not started by this failover: stop it before the takeover");
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean answers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return c.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false; // a stale socket file from a server that died: the server replaces it
        }
    }
}
