package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Cli;
import io.doppel.testing.Cli.Result;
import io.doppel.testing.NetNs;
import io.doppel.testing.Trees;

/**
 * PostgreSQL fails over for real: its data directory on the source is protected by the FUSE
 * interceptor in synchronous mode while pgbench and a ledger of numbered, acknowledged inserts run
 * against the service address from a client host. The source host dies (every process, then its
 * network); the target takes the address, starts PostgreSQL on the replica, which recovers, and the
 * client finds every acknowledged insert and a consistent pgbench history. Then everything is given
 * back and the source restores itself, with what was written on the replica.
 */
class PostgresFailoverProductTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    @TempDir
    Path dir;

    @Test
    void postgresTakesOverWithEveryAcknowledgedTransactionAndIsGivenBack() throws Exception {
        Failovers.requireHosts(Files.isExecutable(BIN.resolve("initdb")) ? null
                : "PostgreSQL 15 server programs are not installed");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = Files.createDirectories(dir.resolve("db")); // protected, mounted over in place
        Path data = root.resolve("data");
        Path run = Files.createDirectories(dir.resolve("run")); // the source server's sockets and log
        Path served = dir.resolve("served");
        Files.createDirectories(data);
        Cli.ok(Cli.exec(List.of("chown", "postgres:postgres", data.toString(), run.toString()), 30));
        asPostgres(List.of(), BIN + "/initdb", "-D", data.toString(), "-U", "postgres", "--auth=trust", "--no-sync");
        Files.writeString(data.resolve("pg_hba.conf"), "host all all 10.213.0.0/16 trust\n",
                java.nio.file.StandardOpenOption.APPEND);
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "127.0.0.1\tlocalhost\n");
        Path sourceHome = dir.resolve("primary");
        Path targetHome = dir.resolve("replica");

        try (NetNs ns = NetNs.create("pg")) {
            Failovers fo = new Failovers(ns, WAIT);
            String service = ns.address(10);
            AgentProcess target = AgentProcess.start(ns.in("b"), Map.of("DOPPEL_AGENT_JAVA_OPTS",
                    "-Ddoppel.failover.hosts=" + hosts), targetHome, "--name", "replica", "--listen", "127.0.0.1:7420",
                    "--replication-listen", "0.0.0.0:7421");
            AgentProcess source = startSource(ns, sourceHome);
            List<AgentProcess> agents = new ArrayList<>(List.of(target, source));
            List<Process> clients = new ArrayList<>();
            Ledger ledger = new Ledger(ns, service);
            try {
                fo.pair(source, target);
                fo.ok("a", source, "job", "create", "db", "--source", root.toString(), "--target", ns.address(2)
                        + ":7421", "--interceptor", "linux.fuse", "--sync");
                fo.ok("a", source, "job", "start", "db");
                Path image = targetHome.resolve("images/primary/db");
                awaitCondition(WAIT, () -> Trees.same(root, image, ".doppel-"), "the data directory to be mirrored");
                fo.ok("b", target, "failover", "create", "db", "--source", "primary", "--address", ns.address(1),
                        "--agent-port", "7420", "--icmp", "--interval", "1000", "--misses", "3", "--automatic",
                        "--ip", service + "/24@" + NetNs.DEVICE, "--app", "postgresql", "--set",
                        "postgresql.datadir=data", "--expose-at", served.toString(), "--step-timeout", "60", "--start");
                fo.awaitState(target, "db", "HEALTHY");

                // the source serves PostgreSQL on the service address, its writes going through the interceptor
                ns.ipIn("a", "addr", "add", service + "/24", "dev", NetNs.DEVICE);
                startServer(ns, data, run);
                psql(ns, service, "CREATE TABLE ledger(id int PRIMARY KEY)");
                Cli.ok(Cli.exec(Failovers.command(ns.in("c"), BIN + "/pgbench", "-i", "-s", "1", "-q", "-h", service,
                        "-U", "postgres", "postgres"), 300));
                clients.add(new ProcessBuilder(Failovers.command(ns.in("c"), BIN + "/pgbench", "-c", "2", "-j", "1",
                        "-T", "600", "-h", service, "-U", "postgres", "postgres")).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("pgbench.log").toFile()).start());
                Thread writer = Thread.ofPlatform().name("ledger").start(ledger);
                awaitCondition(WAIT, () -> ledger.acked.get() >= 100, "the ledger to have 100 acknowledged inserts");

                // the source host dies while both clients write: its server, its agent, then the host (its link and
                // whatever still ran there: a backend the server forked as it died)
                long postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
                killTree(postmaster);
                source.kill();
                ns.kill("a");
                long died = System.nanoTime();
                long diedAt = System.currentTimeMillis();
                long acked = ledger.stopAndJoin(writer);
                fo.explained(target, "db", () -> awaitCondition(WAIT, () -> answers(ns, service),
                        "the service address to answer on the target"), () -> "");
                long addressMillis = (System.nanoTime() - died) / 1_000_000;
                fo.explained(target, "db", () -> awaitCondition(WAIT, () -> ns.runIn("c", BIN + "/pg_isready", "-h",
                        service, "-t", "1").exitCode() == 0, "PostgreSQL to accept connections on the target"),
                        () -> "\nthe replica's server log:\n" + tail(image.resolve("data/log/doppel-failover.log"))
                        + "\nstill running in the dead source host's network:\n" + ns.lingering("a"));
                long postgresMillis = (System.nanoTime() - died) / 1_000_000;
                System.out.println("failover: address answered " + addressMillis + " ms, PostgreSQL accepted connections "
                        + postgresMillis + " ms after the source died (probes every 1 s, lost after 3 misses)");
                // where the time went: the target's events, in ms after the death (one clock: the test hosts share it)
                for (var e : com.google.gson.JsonParser.parseString(fo.ok("b", target, "--json", "events", "--job", "db",
                        "--since", "5m").stdout()).getAsJsonArray()) {
                    JsonObject event = e.getAsJsonObject();
                    long at = event.get("timeMillis").getAsLong() - diedAt;
                    if (at >= 0) {
                        System.out.println("failover: +" + at + " ms " + event.get("code").getAsString() + ": "
                                + event.get("message").getAsString());
                    }
                }
                JsonObject over = fo.awaitState(target, "db", "FAILED_OVER");
                assertTrue(over.get("appliedSeq").getAsLong() > 0, over.toString());

                // synchronous mode: nothing acknowledged is lost, and the recovered database is consistent
                assertEquals(Long.toString(acked), psql(ns, service, "SELECT count(*) FROM ledger WHERE id <= " + acked),
                        "every insert acknowledged before the crash (" + acked + ") is on the replica");
                assertEquals(psql(ns, service, "SELECT coalesce(sum(delta), 0) FROM pgbench_history"), psql(ns, service,
                        "SELECT sum(abalance) FROM pgbench_accounts"), "pgbench's history matches its balances");
                List<String> codes = fo.codes(target, "db");
                assertTrue(codes.contains("failover.done") && !codes.contains("failover.behind"),
                        "synchronous: nothing the source journaled is missing on the replica: " + codes);
                assertEquals(0, over.get("behindOps").getAsLong(), over.toString());
                psql(ns, service, "INSERT INTO ledger VALUES (1000000)"); // written on the replica

                // fail back: the replica's server stops, the source restores itself, replication resumes
                Result failback = Cli.in(ns.in("b"), target, "failover", "failback", "db", "--wait");
                assertEquals(0, failback.exitCode(), failback.toString());
                assertFalse(ns.runIn("b", BIN + "/pg_isready", "-h", "127.0.0.1", "-t", "1").exitCode() == 0,
                        "the replica's server is stopped");
                ns.revive("a");
                source = startSource(ns, sourceHome);
                agents.add(source);
                AgentProcess back = source;
                awaitCondition(WAIT, () -> Cli.in(ns.in("a"), back, "--json", "job", "list").stdout()
                        .contains("RESTORE_REQUIRED"), "the source's job to be told to restore itself first");
                Result restore = Cli.in(ns.in("a"), source, "job", "restore", "db", "--checksum-all", "--wait");
                assertEquals(0, restore.exitCode(), restore.toString());
                fo.awaitState(target, "db", "HEALTHY");
                // the source serves the address again, and tells its neighbours (the client still has the
                // target's hardware address for it)
                ns.ipIn("a", "addr", "add", service + "/24", "dev", NetNs.DEVICE);
                Cli.ok(ns.runIn("a", "arping", "-U", "-c", "1", "-I", NetNs.DEVICE, service));
                startServer(ns, data, run);
                assertEquals("1", psql(ns, service, "SELECT count(*) FROM ledger WHERE id = 1000000"),
                        "what was written on the replica is back on the source");
            } finally {
                ledger.stop.set(true);
                clients.forEach(Process::destroyForcibly);
                stopServer(data);
                stopServer(served.resolve("data"));
                for (AgentProcess a : agents) {
                    a.close();
                }
                Cli.exec(List.of("umount", "-l", served.toString()), 30);
                Cli.exec(List.of("umount", "-l", root.toString()), 30);
            }
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (java.io.IOException e) {
            return "(cannot be read: " + e + ")";
        }
    }

    /** Numbered inserts, one connection each, from the client host: the highest acknowledged is known. */
    private static final class Ledger implements Runnable {
        final AtomicLong acked = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        private final NetNs ns;
        private final String service;

        Ledger(NetNs ns, String service) {
            this.ns = ns;
            this.service = service;
        }

        @Override
        public void run() {
            for (long id = 1; id <= 100_000 && !stop.get(); id++) {
                try {
                    Result r = Cli.exec(Failovers.command(ns.in("c"), "env", "PGCONNECT_TIMEOUT=2", BIN + "/psql", "-h",
                            service, "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qAtc",
                            "INSERT INTO ledger VALUES (" + id + ")"), 10);
                    if (r.exitCode() != 0) {
                        return;
                    }
                } catch (AssertionError e) {
                    return; // the insert hung on the dead source: not acknowledged
                }
                acked.set(id);
            }
        }

        long stopAndJoin(Thread writer) throws InterruptedException {
            writer.join(Duration.ofSeconds(30)); // an insert in flight fails or times out on the dead host
            stop.set(true);
            writer.join();
            return acked.get();
        }
    }

    private static void startServer(NetNs ns, Path data, Path run) {
        asPostgres(ns.in("a"), BIN + "/pg_ctl", "start", "-D", data.toString(), "-l", run.resolve("server.log")
                .toString(), "-w", "-t", "60", "-o", "-p 5432 -c listen_addresses='*' -k " + run);
    }

    private static void stopServer(Path data) throws Exception {
        Path pid = data.resolve("postmaster.pid");
        try {
            if (Files.exists(pid)) {
                killTree(Long.parseLong(Files.readAllLines(pid).get(0).strip()));
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // a dead mount or a torn file: nothing of ours runs there
        }
    }

    static void killTree(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
            all.add(0, p);
            all.forEach(ProcessHandle::destroyForcibly);
            all.forEach(h -> h.onExit().join());
        });
    }

    /** The address answers a connection, accepted or refused, from the client host (no answer: a timeout). */
    private static boolean answers(NetNs ns, String address) {
        return ns.runIn("c", "python3", "-c", "import socket\ns = socket.socket()\ns.settimeout(0.2)\ntry:\n    s.connect(('"
                + address + "', 5432))\nexcept ConnectionRefusedError:\n    pass").exitCode() == 0;
    }

    private static String psql(NetNs ns, String host, String sql) {
        return Cli.ok(Cli.exec(Failovers.command(ns.in("c"), BIN + "/psql", "-h", host, "-U", "postgres", "-d",
                "postgres", "-v", "ON_ERROR_STOP=1", "-qAtc", sql), 60)).stdout().strip();
    }

    static String asPostgres(List<String> wrapper, String... command) {
        List<String> all = new ArrayList<>(wrapper);
        all.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups"));
        all.addAll(List.of(command));
        return Cli.ok(Cli.exec(all, 120)).stdout();
    }

    private AgentProcess startSource(NetNs ns, Path home) {
        return AgentProcess.start(ns.in("a"), Map.of(), home, "--name", "primary", "--listen", "0.0.0.0:7420");
    }
}
