package io.doppel.failover.app.mariadb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * The plugin against a real MariaDB server: a data directory whose server was killed (as the
 * replica of a dead source looks) is started, recovers every committed row, answers, and is stopped
 * again; settings that would escape the data or reach a shell are refused with their name.
 */
class MariaDbApplicationTest {

    private static final Path SERVER = Path.of("/usr/sbin/mariadbd");
    private static final int ROWS = 1000;

    @TempDir
    Path dir;

    private Path data;
    private int port;
    private Process source;
    private final Map<String, String> settings = new HashMap<>();
    private final List<Context> contexts = new ArrayList<>();
    private final MariaDbApplication plugin = new MariaDbApplication();

    @BeforeEach
    void replicaDirectory() throws Exception {
        boolean can = "root".equals(System.getProperty("user.name")) && Files.isExecutable(SERVER)
                && Files.isExecutable(Path.of("/usr/bin/mariadb-install-db"))
                && Files.isExecutable(Path.of("/usr/bin/mariadb"));
        if (System.getenv("CI") == null) {
            Assumptions.assumeTrue(can, "needs root and MariaDB (apt install mariadb-server mariadb-client)");
        } else {
            assertTrue(can, "CI runs as root with mariadb-server and mariadb-client installed (.ci/run)");
        }
        // the server's user must reach the data through the test's directory
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        data = Files.createDirectories(dir.resolve("image")).resolve("db");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        settings.put("datadir", "db");
        settings.put("port", Integer.toString(port));
        settings.put("bind", "127.0.0.1");
    }

    @AfterEach
    void stopServers() throws Exception {
        if (source != null) {
            kill9(source.toHandle());
        }
        // whatever a failed test left running: the servers the plugin started (noted at once) and any pid file's
        List<Path> pidFiles = new ArrayList<>();
        contexts.forEach(c -> pidFiles.add(c.workDirectory().resolve(MariaDbApplication.STARTED)));
        if (data != null && Files.isDirectory(data)) {
            pidFiles.addAll(new ServerLock(data).pidFiles());
        }
        for (Path f : pidFiles) {
            ServerLock.pid(f).stream().mapToObj(ProcessHandle::of).flatMap(Optional::stream)
                    .forEach(MariaDbApplicationTest::kill9);
        }
        Files.deleteIfExists(socket());
    }

    @Test
    void theCrashedReplicaRecoversServesAndStops() throws Exception {
        crashedSource();
        Context context = context();
        assertTrue(plugin.availability().available(), plugin.availability().reason());
        plugin.prepare(context);
        assertFalse(plugin.health(context).healthy(), "nothing serves before the takeover");

        Instant begin = Instant.now();
        plugin.takeOver(context);
        System.out.println("takeOver with crash recovery took " + Duration.between(begin, Instant.now()).toMillis()
                + " ms");
        assertTrue(plugin.health(context).healthy(), plugin.health(context).detail());
        assertEquals(Integer.toString(ROWS), sql(socket(), "SELECT count(*) FROM doppel.ledger"), "every committed row");
        assertTrue(Files.readString(data.resolve(Server.ERROR_LOG)).contains("Starting crash recovery"),
                "the rows came back through InnoDB's crash recovery");
        assertTrue(context.logged().stream().anyMatch(m -> m.contains("removed the stale pid file")),
                context.logged().toString());
        long pid = ServerLock.pid(context.workDirectory().resolve(MariaDbApplication.STARTED)).orElseThrow();
        assertEquals("mysql", ProcessHandle.of(pid).orElseThrow().info().user().orElse("?"), "runs as the data's owner");

        plugin.prepare(context); // a retried step passes its checks and leaves its own server be
        plugin.takeOver(context);
        assertTrue(context.logged().stream().anyMatch(m -> m.contains("already runs")), context.logged().toString());
        assertEquals(pid, ServerLock.pid(context.workDirectory().resolve(MariaDbApplication.STARTED)).orElseThrow());

        // another failover (no record of the start) may not take the running server, nor stop it
        Context stranger = context();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(stranger));
        assertTrue(e.getMessage().contains("already runs on the replica's data directory"), e.getMessage());
        assertThrows(ApplicationException.class, () -> plugin.takeOver(stranger));
        assertThrows(ApplicationException.class, () -> plugin.release(stranger));
        assertTrue(plugin.health(context).healthy(), "the stranger left it running");

        plugin.release(context);
        assertFalse(ServerProcess.alive(pid), "stopped at release");
        assertFalse(plugin.health(context).healthy(), "nothing answers after the release");
        assertTrue(new ServerLock(data).pidFiles().isEmpty(), "a clean stop removes the pid file");
        assertFalse(Files.exists(socket()), "and the socket");
        plugin.release(context); // quiet when nothing runs
        assertFalse(Files.exists(context.workDirectory().resolve(MariaDbApplication.STARTED)));
    }

    @Test
    void aServerThatDoesNotStopIsKilledBeforeTheDeadline() throws Exception {
        crashedSource();
        Context context = context();
        plugin.prepare(context);
        plugin.takeOver(context);
        long pid = ServerLock.pid(context.workDirectory().resolve(MariaDbApplication.STARTED)).orElseThrow();
        exec("kill", "-STOP", Long.toString(pid)); // hangs: neither the admin client nor SIGTERM gets an answer
        Context release = new Context(context.dataRoot(), context.settings(), context.workDirectory(),
                Instant.now().plusSeconds(6), context.logged());
        plugin.release(release);
        assertTrue(Instant.now().isBefore(release.deadline()), "release returned within its step");
        assertFalse(ServerProcess.alive(pid), "killed");
        assertTrue(new ServerLock(data).lockHolder().isEmpty(), "its locks released");
        assertFalse(Files.exists(socket()), "its socket removed");
        assertTrue(context.logged().stream().anyMatch(m -> m.contains("killed (kill -9)")), context.logged().toString());
        plugin.release(context); // quiet now
    }

    @Test
    void aServerThatCannotStartFailsWithTheTailOfItsLog() throws Exception {
        crashedSource();
        settings.put("options", "--no-such-option=1");
        Context context = context();
        plugin.prepare(context);
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context));
        assertTrue(e.getMessage().contains("ended before it served") && e.getMessage().contains("error log"),
                e.getMessage());
        assertTrue(e.getMessage().contains("unknown variable 'no-such-option=1'"), "the server's reason: "
                + e.getMessage());
        plugin.release(context); // the rollback after a failed start is quiet
    }

    @Test
    void settingsThatLeaveTheDataOrReachAShellAreRefusedWithTheirName() throws Exception {
        emptyDataDirectory();
        settings.put("datadir", "../../etc");
        assertRefused("mariadb.datadir leaves the replicated data");
        settings.put("datadir", "/var/lib/mysql");
        assertRefused("mariadb.datadir must be relative");
        settings.put("datadir", "db");
        settings.put("port", "70000");
        assertRefused("mariadb.port must be a port number");
        settings.put("port", Integer.toString(port));
        settings.put("options", "--max-connections=10;rm");
        assertRefused("mariadb.options");
        settings.put("options", "--max-connections=$(id)");
        assertRefused("mariadb.options");
        settings.put("options", "--datadir=/var/lib/mysql");
        assertRefused("the plugin sets it");
        settings.remove("options");
        settings.put("bind", "127.0.0.1 --skip-grant-tables");
        assertRefused("mariadb.bind");
        settings.put("bind", "127.0.0.1");
        settings.put("socket", "run/mysqld.sock");
        assertRefused("mariadb.socket must be an absolute");
        settings.put("socket", "/tmp/" + "s".repeat(120) + ".sock");
        assertRefused("mariadb.socket is longer");
        settings.remove("socket");
        settings.put("user", "root");
        assertRefused("mariadb.user must be a plain user name other than root");
        settings.remove("user");
        settings.put("defaults-file", "/nonexistent/my.cnf");
        assertRefused("mariadb.defaults-file");
        settings.remove("defaults-file");
        settings.put("datadir", "missing");
        assertRefused("is not in the replica");
        settings.put("datadir", ".");
        assertRefused("holds no MariaDB or MySQL data directory");
        settings.put("datadir", "db");
        plugin.prepare(context()); // and the same settings, made right, pass
    }

    @Test
    void aRootOwnedDataDirectoryIsRefusedBeforeAnythingStarts() throws Exception {
        emptyDataDirectory();
        exec("chown", "root:root", data.toString());
        assertRefused("is owned by root");
    }

    /** A data directory whose server committed rows and was killed with every process it had. */
    private void crashedSource() throws Exception {
        exec("mariadb-install-db", "--no-defaults", "--user=mysql", "--datadir=" + data,
                "--auth-root-authentication-method=normal", "--skip-test-db");
        Path own = Files.createDirectories(dir.resolve("source")); // the source's socket and log, its user's
        exec("chown", "mysql:mysql", own.toString());
        Path socket = own.resolve("mysqld.sock");
        // no --pid-file: the server writes <host>.pid into the data directory, which the replica carries along
        source = new ProcessBuilder(SERVER.toString(), "--no-defaults", "--user=mysql", "--datadir=" + data,
                "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + socket,
                "--log-error=" + own.resolve("mysqld.err")).redirectErrorStream(true)
                .redirectOutput(own.resolve("mysqld.out").toFile()).start();
        await(() -> run("mariadb-admin", "--no-defaults", "--socket=" + socket, "ping").ok(),
                () -> "the source server to answer: " + run("tail", "-5", own.resolve("mysqld.err").toString()).output());
        // committed (autocommit, durable redo at commit) and never checkpointed: only crash recovery brings them back
        sql(socket, "CREATE DATABASE doppel; USE doppel; CREATE TABLE ledger(id INT PRIMARY KEY) ENGINE=InnoDB; "
                + "INSERT INTO ledger SELECT seq FROM seq_1_to_" + ROWS);
        kill9(source.toHandle());
        source.waitFor();
        source = null;
        // the source's pid file names a process that lives here but is no server on this data
        List<Path> pidFiles = new ServerLock(data).pidFiles();
        assertEquals(1, pidFiles.size(), "the source's pid file in the replica: " + pidFiles);
        Files.writeString(pidFiles.get(0), ProcessHandle.current().pid() + "\n");
    }

    private void emptyDataDirectory() throws Exception {
        Files.createDirectories(data.resolve("mysql"));
        exec("chown", "-R", "mysql:mysql", data.toString());
    }

    private Path socket() {
        return Path.of("/run/mysqld/doppel-" + port + ".sock");
    }

    private Context context() throws IOException {
        Context c = new Context(dir.resolve("image"), Map.copyOf(settings), Files.createTempDirectory(dir, "work"),
                Instant.now().plusSeconds(60), new ArrayList<>());
        contexts.add(c);
        return c;
    }

    private void assertRefused(String expected) throws IOException {
        Context c = context();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(c));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private String sql(Path socket, String statements) {
        return exec("mariadb", "--no-defaults", "--socket=" + socket, "-u", "root", "-N", "-B", "-e", statements).strip();
    }

    private String exec(String... command) {
        CommandRunner.Result r = run(command);
        assertEquals(0, r.exitCode(), String.join(" ", command) + ": " + r.output());
        return r.output();
    }

    private CommandRunner.Result run(String... command) {
        try {
            return new Runner(dir).run(List.of(command), Map.of(), Duration.ofSeconds(60));
        } catch (ApplicationException e) {
            throw new AssertionError(e);
        }
    }

    private static void kill9(ProcessHandle p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.onExit().join();
    }

    private static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(60);
        while (!condition.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(until), () -> "timed out waiting for " + what.get());
            Thread.sleep(100);
        }
    }

    /** Runs a program with its output in a file: a server it starts in the background holds no pipe of ours. */
    private record Runner(Path dir) implements CommandRunner {
        @Override
        public Result run(List<String> command, Map<String, String> environment, Duration timeout)
                throws ApplicationException {
            Process p = null;
            try {
                Path out = Files.createTempFile(dir, "run", ".out");
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(out.toFile());
                builder.environment().putAll(environment);
                p = builder.start();
                boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!ended) {
                    p.destroyForcibly().waitFor();
                }
                return new Result(ended ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new ApplicationException("cannot run " + command + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApplicationException("interrupted running " + command);
            }
        }
    }

    /** The plan's view of this failover: a fresh work directory per context, so a new one has no record. */
    private record Context(Path dataRoot, Map<String, String> settings, Path workDirectory, Instant deadline,
            List<String> logged) implements TakeoverContext {
        @Override
        public String failover() {
            return "shop";
        }

        @Override
        public String source() {
            return "primary";
        }

        @Override
        public CommandRunner commands() {
            return new Runner(dataRoot.getParent());
        }

        @Override
        public void log(String message) {
            logged.add(message);
        }
    }
}
