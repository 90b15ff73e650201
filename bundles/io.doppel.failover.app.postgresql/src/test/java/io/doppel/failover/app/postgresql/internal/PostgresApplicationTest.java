package io.doppel.failover.app.postgresql.internal;

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
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * The plugin against a real PostgreSQL server: a cluster that crashed (as the replica of a dead
 * source looks) is started, recovers every committed row, answers, and is stopped again.
 */
class PostgresApplicationTest {

    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    @TempDir
    Path dir;

    private Path data;
    private Path run;
    private int port;
    private final Map<String, String> settings = new HashMap<>();
    private final PostgresApplication plugin = new PostgresApplication();

    @BeforeEach
    void crashedCluster() throws Exception {
        boolean can = Files.isExecutable(BIN.resolve("initdb")) && "root".equals(System.getProperty("user.name"));
        if (System.getenv("CI") == null) {
            Assumptions.assumeTrue(can, "needs root and PostgreSQL 15 server programs");
        } else {
            assertTrue(can, "CI runs as root with PostgreSQL 15 installed");
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        data = dir.resolve("image/pg");
        Files.createDirectories(data.getParent());
        run = Files.createDirectories(dir.resolve("run")); // the server's sockets and logs
        exec("chown", "postgres:postgres", data.getParent().toString(), run.toString());
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        asPostgres(BIN + "/initdb", "-D", data.toString(), "-U", "postgres", "--auth=trust", "--no-sync");
        asPostgres(BIN + "/pg_ctl", "start", "-D", data.toString(), "-l", run.resolve("source.log").toString(), "-w",
                "-o", "-p " + port + " -c listen_addresses='' -k " + run);
        psql("CREATE TABLE ledger(id int primary key); INSERT INTO ledger SELECT generate_series(1, 1000);");
        long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
        // the source dies with every process of its server: no checkpoint, the WAL holds the rows
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
        all.add(0, postmaster);
        all.forEach(ProcessHandle::destroyForcibly);
        all.forEach(p -> p.onExit().join());
        settings.put("port", Integer.toString(port));
        settings.put("socketdir", run.toString());
        settings.put("listen", "127.0.0.1");
    }

    @AfterEach
    void stopServers() throws Exception {
        if (data != null && new LockFile(data).running().isPresent()) {
            new ProcessBuilder("setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", BIN + "/pg_ctl",
                    "stop", "-D", data.toString(), "-m", "immediate").inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void theCrashedReplicaRecoversServesAndStops() throws Exception {
        // the source's lock file names a process that lives here but is not a server on this data
        Path lock = data.resolve("postmaster.pid");
        List<String> lines = new ArrayList<>(Files.readAllLines(lock));
        lines.set(0, Long.toString(ProcessHandle.current().pid()));
        Files.write(lock, lines);
        Context context = new Context(settings);
        assertTrue(plugin.availability().available(), plugin.availability().reason());
        plugin.prepare(context);
        assertFalse(plugin.health(context).healthy(), "nothing serves before the takeover");

        plugin.takeOver(context);
        assertTrue(plugin.health(context).healthy(), plugin.health(context).detail());
        assertEquals("1000", psql("SELECT count(*) FROM ledger").strip(), "every committed row recovered");
        assertTrue(context.logged.stream().anyMatch(m -> m.contains("removed the source's postmaster.pid")),
                context.logged.toString());
        // a retried step finds its own server and leaves it be
        plugin.takeOver(context);
        assertTrue(context.logged.stream().anyMatch(m -> m.contains("already runs")), context.logged.toString());

        // another failover's plugin instance (no record of the start) may not take a running server
        Context stranger = new Context(settings);
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(stranger));
        assertTrue(e.getMessage().contains("already runs on the replica's data directory"), e.getMessage());

        plugin.release(context);
        assertFalse(plugin.health(context).healthy(), "stopped at release");
        assertFalse(Files.exists(lock), "a clean stop removes the lock file");
        plugin.release(context); // quiet when nothing runs
    }

    @Test
    void settingsThatLeaveTheDataOrMeanNothingAreRefusedWithTheirName() throws Exception {
        settings.put("datadir", "../../etc");
        assertRefused("postgresql.datadir leaves the replicated data");
        settings.put("datadir", "");
        settings.put("port", "70000");
        assertRefused("postgresql.port must be a port number");
        settings.put("port", Integer.toString(port));
        settings.put("options", "shared_buffers=1GB';rm");
        assertRefused("postgresql.options");
        settings.remove("options");
        settings.put("datadir", "missing");
        assertRefused("is not in the replica");
    }

    @Test
    void aRootOwnedDataDirectoryIsRefusedBeforeAnythingStarts() throws Exception {
        exec("chown", "root:root", data.toString());
        try {
            assertRefused("PostgreSQL never runs as root");
        } finally {
            exec("chown", "postgres:postgres", data.toString());
        }
    }

    private void assertRefused(String expected) {
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(new Context(settings)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private String psql(String sql) throws Exception {
        return asPostgres(BIN + "/psql", "-h", run.toString(), "-p", Integer.toString(port), "-U", "postgres", "-d",
                "postgres", "-Atc", sql);
    }

    private String asPostgres(String... command) throws Exception {
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups"));
        all.addAll(List.of(command));
        return exec(all.toArray(String[]::new));
    }

    private String exec(String... command) throws Exception {
        CommandRunner.Result r = new Runner(dir).run(List.of(command), Map.of(), Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), String.join(" ", command) + ": " + r.output());
        return r.output();
    }

    /** Runs a program to its end with its output in a file, so a server it leaves behind holds no pipe. */
    private record Runner(Path dir) implements CommandRunner {
        @Override
        public Result run(List<String> command, Map<String, String> environment, Duration timeout)
                throws ApplicationException {
            try {
                Path out = Files.createTempFile(dir, "out", ".txt");
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
                pb.environment().putAll(environment);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor();
                    return new Result(-1, Files.readString(out, StandardCharsets.UTF_8));
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new ApplicationException("cannot run " + command + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApplicationException("interrupted");
            }
        }
    }

    private final class Context implements TakeoverContext {
        final List<String> logged = new ArrayList<>();
        private final Map<String, String> settings;
        private final Path work;

        Context(Map<String, String> settings) throws IOException {
            this.settings = Map.copyOf(settings);
            this.work = Files.createTempDirectory(dir, "work");
        }

        @Override
        public String failover() {
            return "db";
        }

        @Override
        public String source() {
            return "primary";
        }

        @Override
        public Path dataRoot() {
            return data;
        }

        @Override
        public Map<String, String> settings() {
            return settings;
        }

        @Override
        public Path workDirectory() {
            return work;
        }

        @Override
        public Instant deadline() {
            return Instant.now().plusSeconds(60);
        }

        @Override
        public CommandRunner commands() {
            return new Runner(dir);
        }

        @Override
        public void log(String message) {
            logged.add(message);
        }
    }
}
