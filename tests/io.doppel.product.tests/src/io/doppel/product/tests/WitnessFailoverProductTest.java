package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.NetNs;
import io.doppel.testing.Trees;

/**
 * The witness, a real ZooKeeper server on a third test host, keeps a target from taking over a
 * living source: not when only the target's path to the source is cut (the witness still sees the
 * source), not when the target is cut off from everything (it cannot ask); and it lets the takeover
 * happen when the source is cut off from everyone, which then fences itself (its fence command runs
 * once it has lost the witness for a session timeout).
 */
class WitnessFailoverProductTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void aTargetCutOffItselfNeverTakesOverButACutOffSourceIsReplacedAndFencesItself() throws Exception {
        Failovers.requireHosts(null);
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("index.html"), "the primary\n");
        try (NetNs ns = NetNs.create("wt")) {
            Failovers fo = new Failovers(ns, WAIT);
            String witness = ns.address(3) + ":2181";
            String service = ns.address(10);
            Process zookeeper = startZooKeeper(ns, Files.createDirectories(dir.resolve("zookeeper")));
            AgentProcess target = null;
            AgentProcess source = null;
            try {
                awaitCondition(WAIT, () -> answers(ns, "c", ns.address(3), 2181), "ZooKeeper to listen on host c");
                target = AgentProcess.start(ns.in("b"), Map.of("DOPPEL_AGENT_JAVA_OPTS", "-Ddoppel.failover.hosts="
                        + dir.resolve("hosts")), dir.resolve("replica"), "--name", "replica", "--listen",
                        "127.0.0.1:7420", "--replication-listen", "0.0.0.0:7421", "--witness", witness);
                source = AgentProcess.start(ns.in("a"), Map.of(), dir.resolve("primary"), "--name", "primary",
                        "--listen", "0.0.0.0:7420", "--witness", witness);
                AgentProcess s = source;
                awaitCondition(WAIT, () -> log(s).contains("presence held as /doppel/agents/primary"),
                        "the source to hold its presence at the witness");
                // the source fences itself when it loses the witness: its command records that it ran
                Path fenced = dir.resolve("fenced.env");
                Path fence = dir.resolve("fence.sh");
                Files.writeString(fence, "#!/bin/sh\nenv | grep '^DOPPEL_' | sort > " + fenced + ".part && mv "
                        + fenced + ".part " + fenced + "\necho service stopped\n");
                Files.setPosixFilePermissions(fence, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                fo.ok("a", source, "settings", "set", "io.doppel.failover.witness.zookeeper", "fenceCommand=" + fence);
                awaitCondition(WAIT, () -> log(s).split("presence held as /doppel/agents/primary", -1).length > 2,
                        "the source's witness to start again with its fence command and hold its presence");
                fo.pair(source, target);
                fo.ok("a", source, "job", "create", "web", "--source", data.toString(), "--target", ns.address(2)
                        + ":7421", "--interceptor", "watch");
                fo.ok("a", source, "job", "start", "web");
                Path image = dir.resolve("replica/images/primary/web");
                awaitCondition(WAIT, () -> Trees.same(data, image, ".doppel-"), "the files to be replicated");
                fo.ok("b", target, "failover", "create", "web", "--source", "primary", "--address", ns.address(1),
                        "--agent-port", "7420", "--interval", "500", "--misses", "3", "--automatic", "--witness",
                        "--ip", service + "/24@" + NetNs.DEVICE, "--start");
                fo.awaitState(target, "web", "HEALTHY");

                // only the path between source and target is cut: the witness still sees the source
                ns.ipIn("b", "route", "add", "blackhole", ns.address(1) + "/32");
                ns.ipIn("a", "route", "add", "blackhole", ns.address(2) + "/32");
                AgentProcess t = target;
                awaitCondition(WAIT, () -> refusals(fo, t, "still sees 'primary' alive") > 0,
                        "the takeover to be refused because the witness sees the source");
                assertFalse(serves(ns, service), "no address taken while the source lives");
                ns.ipIn("b", "route", "del", "blackhole", ns.address(1) + "/32");
                ns.ipIn("a", "route", "del", "blackhole", ns.address(2) + "/32");
                fo.awaitState(target, "web", "HEALTHY");

                // the target is cut off from everything: it cannot ask the witness, so it does nothing
                ns.ipIn("b", "link", "set", NetNs.DEVICE, "down");
                awaitCondition(WAIT, () -> refusals(fo, t, "cannot reach the witness") > 0,
                        "the takeover to be refused because the witness cannot be reached");
                assertFalse(serves(ns, service), "no address taken by a target that is cut off");
                assertFalse(fo.codes(target, "web").contains("failover.done"), "never taken over so far");
                ns.ipIn("b", "link", "set", NetNs.DEVICE, "up");
                fo.awaitState(target, "web", "HEALTHY");

                // the source host is cut off from everyone, its agent alive: its presence expires at the witness,
                // the target takes over, and the source fences itself
                ns.ipIn("a", "link", "set", NetNs.DEVICE, "down");
                long cut = System.nanoTime();
                fo.awaitState(target, "web", "FAILED_OVER");
                System.out.println("witness: took over " + (System.nanoTime() - cut) / 1_000_000 + " ms after the "
                        + "source was cut off (probes every 500 ms, 3 misses, witness session 4000 ms)");
                awaitCondition(WAIT, () -> Files.exists(fenced), "the cut-off source to run its fence command");
                String env = Files.readString(fenced);
                assertTrue(env.contains("DOPPEL_AGENT=primary") && env.contains("DOPPEL_WITNESS=" + witness)
                        && env.contains("DOPPEL_FENCE_REASON="), env);
                awaitCondition(WAIT, () -> io.doppel.testing.Cli.in(ns.in("a"), s, "--json", "events", "--limit",
                        "1000").stdout().contains("\"witness.fenced\""), "the source's event that it fenced itself");
                assertTrue(serves(ns, service), "the service address is on the target");
                assertTrue(fo.events(target, "web").stream().anyMatch(e -> e.startsWith("failover.witness: ")
                        && e.contains("has lost 'primary' too")), fo.events(target, "web").toString());
            } finally {
                for (AgentProcess a : Stream.of(source, target).filter(a -> a != null).toList()) {
                    a.close();
                }
                zookeeper.destroyForcibly().waitFor();
            }
        }
    }

    private static String log(AgentProcess agent) {
        try {
            return Files.readString(agent.logFile());
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static long refusals(Failovers fo, AgentProcess target, String why) {
        return fo.events(target, "web").stream().filter(e -> e.startsWith("failover.rolled-back: ") && e.contains(why))
                .count();
    }

    private static boolean serves(NetNs ns, String address) {
        return ns.ipIn("b", "addr", "show", "dev", NetNs.DEVICE).stdout().contains(address + "/");
    }

    /** A real ZooKeeper server from the agent product's own jars, on host c. */
    private static Process startZooKeeper(NetNs ns, Path data) throws Exception {
        Path plugins = AgentProcess.productDir().resolve("plugins");
        List<String> jars = new ArrayList<>();
        try (Stream<Path> all = Files.list(plugins)) {
            all.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("wrapped.org.apache.zookeeper.")
                    || n.startsWith("slf4j.api_") || n.startsWith("slf4j.simple_")).sorted()
                    .forEach(n -> jars.add(plugins.resolve(n).toString()));
        }
        assertEquals(4, jars.size(), "ZooKeeper, its jute and SLF4J in the product: " + jars);
        // and what only the server needs, from the test's own runtime
        for (Class<?> c : List.of(com.codahale.metrics.Reservoir.class, org.xerial.snappy.SnappyInputStream.class)) {
            String jar = c.getProtectionDomain().getCodeSource().getLocation().toString().replaceFirst("^reference:",
                    "");
            jars.add(Path.of(java.net.URI.create(jar)).toString());
        }
        List<String> command = new ArrayList<>(ns.in("c"));
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                String.join(":", jars), "-Dzookeeper.admin.enableServer=false", "-Dzookeeper.4lw.commands.whitelist=",
                "org.apache.zookeeper.server.ZooKeeperServerMain", "2181", data.toString(), "500"));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(data.resolve("server.log").toFile())
                .start();
    }

    private static boolean answers(NetNs ns, String host, String address, int port) {
        return ns.runIn(host, "python3", "-c", "import socket\nsocket.create_connection(('" + address + "', " + port
                + "), 1).close()").exitCode() == 0;
    }
}
