package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.LatencyRelay;
import io.doppel.testing.NetNs;
import io.doppel.testing.Trees;

/**
 * The fault matrix in the bounded form every CI run goes through (docs/RELIABILITY.md): a source on
 * test host a, protected by the FUSE interceptor mounted in place, replicates to a target on host b
 * while a mixed workload changes the source; faults strike one after the other, and after each the
 * image must equal the source (content, modes, links) once the workload paused. Nothing the source
 * wrote may be missing or stale on the target, whatever the fault.
 */
class FaultMatrixTest {

    static final Duration WAIT = Duration.ofSeconds(180);
    private static final String TEMP = ".doppel-";

    @TempDir
    Path dir;

    /** Scenario → what the workload did and how long the image took to equal the source once it paused. */
    private final Map<String, String> results = new LinkedHashMap<>();

    @Test
    void theImageEqualsTheSourceAfterEveryFault() throws Exception {
        Failovers.requireHosts(Files.exists(Path.of("/dev/fuse")) ? null : "/dev/fuse is missing");
        Path data = Files.createDirectories(dir.resolve("data"));
        Path sourceHome = dir.resolve("source");
        Path targetHome = dir.resolve("target");
        Path image = targetHome.resolve("images/primary/web");
        try (NetNs ns = NetNs.create("fm")) {
            Failovers hosts = new Failovers(ns, WAIT);
            AgentProcess[] pair = startPair(ns, targetHome, Map.of(), sourceHome, Map.of());
            AgentProcess[] target = {pair[0]};
            AgentProcess[] source = {pair[1]};
            try {
                hosts.pair(source[0], target[0]);
                Random seed = new Random(1);
                seed(data, seed);
                hosts.ok("a", source[0], "job", "create", "web", "--source", data.toString(), "--target",
                        ns.address(2) + ":7421", "--interceptor", "linux.fuse");
                hosts.ok("a", source[0], "job", "start", "web");
                awaitSame(ns, data, image, "the first copy", source[0], target[0]);

                // kill -9 of the target while the workload runs
                fault(ns, "kill -9 target", data, image, () -> {
                    target[0].kill();
                    target[0] = startTarget(ns, targetHome);
                }, source, target);

                // the link between them goes down for 1 s, then for 30 s (the bounded form of 5 min)
                for (int seconds : partitions()) {
                    fault(ns, "partition " + seconds + " s", data, image, () -> {
                        ns.ipIn("b", "link", "set", NetNs.DEVICE, "down");
                        pause(Duration.ofSeconds(seconds)); // the fault's own length
                        ns.ipIn("b", "link", "set", NetNs.DEVICE, "up");
                    }, source, target);
                }

                // kill -9 of the source: its mount dies with it, the application's writes fail until
                // the restarted agent mounts again and resynchronises what it could not capture
                fault(ns, "kill -9 source", data, image, () -> {
                    source[0].kill();
                    source[0] = startSource(ns, sourceHome);
                }, source, target);

                // kill -9 of both, the target first
                fault(ns, "kill -9 both", data, image, () -> {
                    target[0].kill();
                    source[0].kill();
                    target[0] = startTarget(ns, targetHome);
                    source[0] = startSource(ns, sourceHome);
                }, source, target);
            } finally {
                for (AgentProcess a : new AgentProcess[] {source[0], target[0]}) {
                    if (a != null) {
                        a.close();
                    }
                }
                // a killed source leaves its dead mount behind
                io.doppel.testing.Cli.exec(List.of("umount", "-l", data.toString()), 30);
            }
        }
        StringBuilder table = new StringBuilder("fault matrix (CI form):\n");
        results.forEach((k, v) -> table.append(String.format("  %-16s %s%n", k, v)));
        System.out.println(table);
    }

    /**
     * The same pair over a bad link rather than a broken one: the job's connection goes through a
     * relay of the harness (on the LAN, between host a and host b). One after the other, each under
     * the workload, and each still in force while the image must become equal: 50–200 ms of latency
     * each way; 5 % of host b's packets dropped each way (nftables); the link squeezed to 8 Mbit/s
     * (tbf on both hosts); the source's clock jumping 2 h ahead and the target's 90 min back, then
     * the source's jumping back. The application must never notice.
     */
    @Test
    void theImageEqualsTheSourceOverABadLink() throws Exception {
        Failovers.requireHosts(missingBadLinkTools());
        Path data = Files.createDirectories(dir.resolve("data"));
        Path sourceHome = dir.resolve("source");
        Path targetHome = dir.resolve("target");
        Path image = targetHome.resolve("images/primary/web");
        Path sourceClock = dir.resolve("source.clock");
        Path targetClock = dir.resolve("target.clock");
        Files.writeString(sourceClock, "+0\n");
        Files.writeString(targetClock, "+0\n");
        try (NetNs ns = NetNs.create("bl")) {
            String harness = ns.joinHarness();
            Failovers hosts = new Failovers(ns, WAIT);
            AgentProcess[] pair = startPair(ns, targetHome, clock(targetClock), sourceHome, clock(sourceClock));
            AgentProcess[] target = {pair[0]};
            AgentProcess[] source = {pair[1]};
            try (LatencyRelay relay = new LatencyRelay(new InetSocketAddress(harness, 7421),
                    new InetSocketAddress(ns.address(2), 7421))) {
                hosts.pair(source[0], target[0]);
                seed(data, new Random(2));
                hosts.ok("a", source[0], "job", "create", "web", "--source", data.toString(), "--target",
                        harness + ":7421", "--interceptor", "linux.fuse", "--rpo", "1800");
                hosts.ok("a", source[0], "job", "start", "web");
                awaitSame(ns, data, image, "the first copy through the relay", source[0], target[0]);

                relay.delay(50, 200);
                long delayedBefore = relay.delayedChunks();
                fault(ns, "latency 50-200 ms", data, image, () -> { }, source, target, 400);
                assertTrue(relay.delayedChunks() > delayedBefore, "the latency was in the job's path");
                relay.delay(0, 0);

                fault(ns, "5 % packet loss", data, image, () -> dropFivePercent(ns), source, target, 400);
                stopDropping(ns);

                fault(ns, "8 Mbit/s (tbf)", data, image, () -> squeeze(ns), source, target, 150);
                unsqueeze(ns);

                fault(ns, "clocks jump", data, image, () -> {
                    Files.writeString(sourceClock, "+2h\n");
                    Files.writeString(targetClock, "-90m\n");
                }, source, target, 400);
                fault(ns, "clock jumps back", data, image, () -> Files.writeString(sourceClock, "+0\n"),
                        source, target, 400);

                // the source's clock went back 2 h: a target that falls silent (its process stopped; the kernel
                // still acknowledges TCP) must be noticed after 30 s of silence all the same, not 2 h later
                String pid = Long.toString(target[0].process().pid());
                long stopped = System.nanoTime();
                io.doppel.testing.Cli.ok(io.doppel.testing.Cli.exec(List.of("kill", "-STOP", pid), 10));
                try {
                    awaitCondition(Duration.ofSeconds(90), () -> hosts.ok("a", source[0], "--json", "events", "--job",
                            "web", "--limit", "50").stdout().contains("sent nothing for 30 s"),
                            "the source to notice its silent target");
                } finally {
                    io.doppel.testing.Cli.ok(io.doppel.testing.Cli.exec(List.of("kill", "-CONT", pid), 10));
                }
                results.put("silent target", String.format("noticed %.1f s after the target stopped",
                        (System.nanoTime() - stopped) / 1e9));
                fault(ns, "after the silence", data, image, () -> { }, source, target, 100);
                System.out.println("the source's job around the silence:\n"
                        + hosts.ok("a", source[0], "events", "--job", "web", "--since", "3m").stdout());
                JsonObject job = JsonParser.parseString(hosts.ok("a", source[0], "--json", "job", "list").stdout())
                        .getAsJsonArray().get(0).getAsJsonObject();
                assertTrue("REPLICATING".equals(job.get("state").getAsString()), "the job replicates on: " + job);
                // what the target has not applied never went back 30 min, whatever the clocks said
                String events = hosts.ok("a", source[0], "--json", "events", "--job", "web", "--limit", "1000")
                        .stdout();
                assertTrue(!events.contains("rpo.exceeded"), "no clock jump counts as lag: " + events);
            } finally {
                for (AgentProcess a : new AgentProcess[] {source[0], target[0]}) {
                    a.close();
                }
                io.doppel.testing.Cli.exec(List.of("umount", "-l", data.toString()), 30);
            }
        }
        StringBuilder table = new StringBuilder("fault matrix, bad link (CI form):\n");
        results.forEach((k, v) -> table.append(String.format("  %-18s %s%n", k, v)));
        System.out.println(table);
    }

    /**
     * The faults of space and of restarts, with real agents: the target's images on a file system of
     * 16 MiB that a large file fills (the source keeps every change and retries; once the file system
     * has room again replication resumes by itself); the job's queue over its memory budget (1 MiB:
     * every op is read back from the journal) and its journal over its disk budget (32 MiB) while the
     * link is down, files of 8 and 32 MiB written (what the target lacks is dropped and a difference mirror
     * resynchronises it once the link is back); and the source agent killed in the middle of a
     * throttled full mirror (the restarted agent resumes the mirror where it was). After each, the
     * image equals the source.
     */
    @Test
    void theImageEqualsTheSourceAfterADiskFullAQueueOverflowAndAMirrorCutShort() throws Exception {
        Failovers.requireHosts(Files.exists(Path.of("/dev/fuse")) ? null : "/dev/fuse is missing");
        Path data = Files.createDirectories(dir.resolve("data"));
        Path sourceHome = dir.resolve("source");
        Path targetHome = dir.resolve("target");
        Path images = Files.createDirectories(targetHome.resolve("images"));
        Path image = images.resolve("primary/web");
        io.doppel.testing.Cli.ok(io.doppel.testing.Cli.exec(List.of("mount", "-t", "tmpfs", "-o", "size=16m",
                "doppel-test-images", images.toString()), 30));
        try (NetNs ns = NetNs.create("sp")) {
            Failovers hosts = new Failovers(ns, WAIT);
            AgentProcess[] pair = startPair(ns, targetHome, Map.of(), sourceHome, Map.of());
            AgentProcess[] target = {pair[0]};
            AgentProcess[] source = {pair[1]};
            try {
                hosts.pair(source[0], target[0]);
                seed(data, new Random(3));
                hosts.ok("a", source[0], "job", "create", "web", "--source", data.toString(), "--target",
                        ns.address(2) + ":7421", "--interceptor", "linux.fuse", "--queue-disk-mib", "32",
                        "--queue-memory-mib", "1");
                hosts.ok("a", source[0], "job", "start", "web");
                awaitSame(ns, data, image, "the first copy", source[0], target[0]);

                fault(ns, "target disk full", data, image, () -> {
                    writeLarge(data.resolve("large-1.bin"), 12, 11);
                    awaitEvent(hosts, source[0], "web", "target.full", 0);
                    io.doppel.testing.Cli.ok(io.doppel.testing.Cli.exec(List.of("mount", "-o", "remount,size=512m",
                            images.toString()), 30));
                }, source, target);

                long before = lastEventId(hosts, source[0], "web");
                fault(ns, "queue overflow", data, image, () -> {
                    ns.ipIn("b", "link", "set", NetNs.DEVICE, "down");
                    try {
                        writeLarge(data.resolve("large-2.bin"), 8, 12);
                        assertQueueSpills(hosts, source[0], 4 << 20);
                        writeLarge(data.resolve("large-3.bin"), 32, 13);
                        awaitEvent(hosts, source[0], "web", "queue.overflow", before);
                    } finally {
                        ns.ipIn("b", "link", "set", NetNs.DEVICE, "up");
                    }
                }, source, target);
                String codes = hosts.ok("a", source[0], "--json", "events", "--job", "web", "--limit", "1000").stdout();
                assertTrue(codes.contains("mirror.resync"), "the overflow was resynchronised by a mirror: " + codes);

                // a mirror long enough to be cut short: everything but the seed again, at 4 MB/s (once the
                // overflow's resynchronisation has finished its walk: the image can be equal before it has)
                awaitCondition(WAIT, () -> !mirrorRunning(hosts, source[0]), "the resynchronising mirror to finish");
                hosts.ok("a", source[0], "job", "limit", "web", "4MB/s");
                long cut = lastEventId(hosts, source[0], "web");
                fault(ns, "kill -9 source mid-mirror", data, image, () -> {
                    hosts.ok("a", source[0], "job", "mirror", "web", "--mode", "full");
                    try {
                        awaitCondition(WAIT, () -> mirrorBytes(hosts, source[0]) > 8L << 20, "the mirror to be under way");
                    } catch (AssertionError e) {
                        throw new AssertionError(e.getMessage() + explain(ns, source[0], target[0]), e);
                    }
                    source[0].kill();
                    source[0] = startSource(ns, sourceHome);
                }, source, target);
                awaitEvent(hosts, source[0], "web", "mirror.resumed", cut);
                hosts.ok("a", source[0], "job", "limit", "web", "unlimited");
                awaitSame(ns, data, image, "the image to equal the source after the resumed mirror", source[0],
                        target[0]);
            } finally {
                for (AgentProcess a : new AgentProcess[] {source[0], target[0]}) {
                    if (a != null) {
                        a.close();
                    }
                }
                io.doppel.testing.Cli.exec(List.of("umount", "-l", data.toString()), 30);
            }
        } finally {
            io.doppel.testing.Cli.exec(List.of("umount", "-l", images.toString()), 30);
        }
        StringBuilder table = new StringBuilder("fault matrix, space and restarts (CI form):\n");
        results.forEach((k, v) -> table.append(String.format("  %-26s %s%n", k, v)));
        System.out.println(table);
    }

    /** Writes {@code mib} MiB of random bytes through the protected directory's usual path. */
    private static void writeLarge(Path file, int mib, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] block = new byte[1 << 20];
        try (var out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) {
                random.nextBytes(block);
                out.write(block);
            }
        }
    }

    /**
     * Waits until the queue of the agent's (only) job holds more than {@code bytes}, and asserts that
     * at most its memory budget of 1 MiB of it is held in memory.
     */
    static void assertQueueSpills(Failovers hosts, AgentProcess source, long bytes) {
        try {
            awaitCondition(WAIT, () -> queue(hosts, source)[0] > bytes, "the queue to hold more than " + bytes + " bytes");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nsource job: " + hosts.run("a", source, "--json", "job", "list")
                    .stdout(), e);
        }
        long[] q = queue(hosts, source);
        assertTrue(q[1] <= 1 << 20, "at most the queue's 1 MiB memory budget in memory: " + q[1] + " of " + q[0]
                + " queued bytes");
    }

    /** The queue of the agent's (only) job: {bytes in the journal, bytes of them also in memory}. */
    private static long[] queue(Failovers hosts, AgentProcess source) {
        JsonObject job = JsonParser.parseString(hosts.ok("a", source, "--json", "job", "list").stdout())
                .getAsJsonArray().get(0).getAsJsonObject();
        return new long[] {job.get("queuedBytes").getAsLong(), job.get("queuedMemoryBytes").getAsLong()};
    }

    /** The id of the job's newest event, 0 if it has none. */
    static long lastEventId(Failovers hosts, AgentProcess source, String job) {
        var events = JsonParser.parseString(hosts.ok("a", source, "--json", "events", "--job", job, "--limit", "1")
                .stdout()).getAsJsonArray();
        return events.isEmpty() ? 0 : events.get(0).getAsJsonObject().get("id").getAsLong();
    }

    /** Waits for an event of the job with {@code code} after the event {@code afterId}. */
    static void awaitEvent(Failovers hosts, AgentProcess source, String job, String code, long afterId) {
        try {
            awaitEventOnce(hosts, source, job, code, afterId);
        } catch (AssertionError e) {
            // what the job did instead, and where it stands
            throw new AssertionError(e.getMessage() + " (after event " + afterId + ")\nsource job: "
                    + hosts.run("a", source, "--json", "job", "list").stdout() + "\nits last events:\n"
                    + hosts.run("a", source, "events", "--job", job, "--limit", "15").stdout(), e);
        }
    }

    private static void awaitEventOnce(Failovers hosts, AgentProcess source, String job, String code, long afterId) {
        awaitCondition(WAIT, () -> {
            for (var e : JsonParser.parseString(hosts.ok("a", source, "--json", "events", "--job", job, "--limit",
                    "1000").stdout()).getAsJsonArray()) {
                JsonObject event = e.getAsJsonObject();
                if (event.get("id").getAsLong() > afterId && code.equals(event.get("code").getAsString())) {
                    return true;
                }
            }
            return false;
        }, "the source's event " + code);
    }

    /** Whether a mirror of the agent's (only) job runs. */
    static boolean mirrorRunning(Failovers hosts, AgentProcess source) {
        JsonObject job = JsonParser.parseString(hosts.ok("a", source, "--json", "job", "list").stdout())
                .getAsJsonArray().get(0).getAsJsonObject();
        return job.has("mirror") && !job.get("mirror").isJsonNull()
                && job.getAsJsonObject("mirror").get("finishedAtMillis").getAsLong() == 0;
    }

    /** The bytes the running mirror of the agent's (only) job has done, 0 if none runs. */
    static long mirrorBytes(Failovers hosts, AgentProcess source) {
        JsonObject job = JsonParser.parseString(hosts.ok("a", source, "--json", "job", "list").stdout())
                .getAsJsonArray().get(0).getAsJsonObject();
        if (!job.has("mirror") || job.get("mirror").isJsonNull()) {
            return 0;
        }
        JsonObject mirror = job.getAsJsonObject("mirror");
        return mirror.get("finishedAtMillis").getAsLong() == 0 ? mirror.get("bytesDone").getAsLong() : 0;
    }

    /**
     * The partitions' lengths in seconds: 1 and 30 in CI; {@code -Ddoppel.faults.partitions=1,30,300}
     * adds the 5 min one of the full run.
     */
    static int[] partitions() {
        String lengths = System.getProperty("doppel.faults.partitions", "");
        if (!lengths.matches("\\d+(,\\d+)*")) {
            lengths = "1,30";
        }
        return java.util.Arrays.stream(lengths.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** What the bad-link scenarios need that this machine lacks, or {@code null}. */
    static String missingBadLinkTools() {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            return "/dev/fuse is missing";
        }
        for (String tool : List.of("/usr/sbin/nft", "/usr/sbin/tc", FAKETIME)) {
            if (!Files.exists(Path.of(tool))) {
                return tool + " is missing (packages nftables, iproute2, libfaketime)";
            }
        }
        return null;
    }

    private static final String FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

    /**
     * An agent's environment for a clock of its own: its wall clock is the real one plus the offset
     * written in {@code offsetFile} (read again each second); its monotonic clock is left alone, as an
     * NTP step leaves it. Without {@code FAKETIME_FORCE_MONOTONIC_FIX=0} the library treats the JVM's
     * timed waits on the monotonic clock as waits on the wall clock: every one times out at once, each
     * agent spins on the CPU, and one took 45 s to start on this 2-core machine instead of 4 s.
     */
    static Map<String, String> clock(Path offsetFile) {
        return Map.of("LD_PRELOAD", FAKETIME, "FAKETIME_TIMESTAMP_FILE", offsetFile.toString(),
                "FAKETIME_CACHE_DURATION", "1", "FAKETIME_DONT_FAKE_MONOTONIC", "1",
                "FAKETIME_FORCE_MONOTONIC_FIX", "0");
    }

    /** 5 % of host b's packets dropped each way (nftables). */
    static void dropFivePercent(NetNs ns) {
        nft(ns, "b", "add table inet doppeltest");
        for (String hook : new String[] {"input", "output"}) {
            nft(ns, "b", "add chain inet doppeltest " + hook + " { type filter hook " + hook + " priority 0 ; }");
            nft(ns, "b", "add rule inet doppeltest " + hook + " numgen random mod 100 < 5 counter drop");
        }
    }

    /** Asserts that {@link #dropFivePercent} dropped packets, and ends it. */
    static void stopDropping(NetNs ns) {
        String dropped = ns.runIn("b", "nft", "list", "table", "inet", "doppeltest").stdout();
        assertTrue(java.util.regex.Pattern.compile("counter packets [1-9]").matcher(dropped).find(),
                "packets were dropped: " + dropped);
        nft(ns, "b", "delete table inet doppeltest");
    }

    /** Both hosts' links squeezed to 8 Mbit/s (tbf). */
    static void squeeze(NetNs ns) {
        for (String host : new String[] {"a", "b"}) {
            tc(ns, host, "qdisc", "add", "dev", NetNs.DEVICE, "root", "tbf", "rate", "8mbit", "burst", "32kb",
                    "latency", "400ms");
        }
    }

    static void unsqueeze(NetNs ns) {
        for (String host : new String[] {"a", "b"}) {
            tc(ns, host, "qdisc", "del", "dev", NetNs.DEVICE, "root");
        }
    }

    private static void nft(NetNs ns, String host, String rule) {
        List<String> command = new ArrayList<>(List.of("nft"));
        command.addAll(List.of(rule.split(" ")));
        io.doppel.testing.Cli.Result r = ns.runIn(host, command.toArray(String[]::new));
        assertTrue(r.exitCode() == 0, "nft " + rule + ": " + r);
    }

    private static void tc(NetNs ns, String host, String... args) {
        List<String> command = new ArrayList<>(List.of("tc"));
        command.addAll(List.of(args));
        io.doppel.testing.Cli.Result r = ns.runIn(host, command.toArray(String[]::new));
        assertTrue(r.exitCode() == 0, String.join(" ", command) + ": " + r);
    }

    @FunctionalInterface
    private interface Fault {
        void strike() throws Exception;
    }

    /** Runs the workload, strikes, lets the workload go on a little, pauses it, and awaits equality. */
    private void fault(NetNs ns, String name, Path data, Path image, Fault fault, AgentProcess[] source,
            AgentProcess[] target) throws Exception {
        fault(ns, name, data, image, fault, source, target, 50);
    }

    /** The same, with {@code stepsUnder} workload steps after the fault struck. */
    private void fault(NetNs ns, String name, Path data, Path image, Fault fault, AgentProcess[] source,
            AgentProcess[] target, int stepsUnder) throws Exception {
        // each fault's workload in a directory of its own, beside what the earlier ones left
        Workload w = new Workload(data.resolve("w" + results.size()), new Random(name.hashCode()));
        w.start();
        w.awaitSteps(50);
        fault.strike();
        try {
            awaitCondition(WAIT, () -> mounted(ns, source[0]), "the source to capture again after: " + name);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + explain(ns, source[0], target[0]), e);
        }
        int before = w.steps();
        if (w.failure() == null) {
            w.awaitSteps(before + stepsUnder);
        }
        w.stop();
        if (!name.contains("kill -9 source") && !name.contains("both")) {
            // only the source's own death reaches the application: everything else is the replica's business
            assertTrue(w.failure() == null, "the application saw the fault '" + name + "': " + w.failure());
        }
        long ended = System.nanoTime();
        awaitSame(ns, data, image, "the image to equal the source after: " + name + " (" + w.steps()
                + " workload steps)", source[0], target[0]);
        Throwable seen = w.failure();
        results.put(name, String.format("%4d workload steps, image equal %5d ms after they paused%s", w.steps(),
                Duration.ofNanos(System.nanoTime() - ended).toMillis(), seen == null ? ""
                        : "; the application saw: " + seen.getClass().getSimpleName() + " " + seen.getMessage()));
    }

    static boolean mounted(NetNs ns, AgentProcess source) {
        io.doppel.testing.Cli.Result r = io.doppel.testing.Cli.in(ns.in("a"), source, "--json", "job", "list");
        if (r.exitCode() != 0) {
            return false;
        }
        JsonObject job = JsonParser.parseString(r.stdout()).getAsJsonArray().get(0).getAsJsonObject();
        return job.has("capture") && !job.get("capture").isJsonNull()
                && job.get("capture").getAsString().contains("mounted");
    }

    static void awaitSame(NetNs ns, Path data, Path image, String what, AgentProcess source,
            AgentProcess target) {
        try {
            awaitCondition(WAIT, () -> Trees.same(data, image, TEMP), what);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\ndifferences:\n" + Trees.difference(data, image, TEMP)
                    + explain(ns, source, target), e);
        }
    }

    /** What the agents say, for a failure in CI to explain itself. */
    static String explain(NetNs ns, AgentProcess source, AgentProcess target) {
        return "\nsource job: " + io.doppel.testing.Cli.in(ns.in("a"), source, "--json", "job", "list").stdout()
                + "\nsource output:\n" + source.output() + "\nsource log (end):\n" + tail(source.logFile())
                + "\ntarget log (end):\n" + tail(target.logFile());
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    static AgentProcess startTarget(NetNs ns, Path home) {
        return startTarget(ns, home, Map.of());
    }

    /** The target agent on host b, with {@code env} (a clock of its own, for one). */
    static AgentProcess startTarget(NetNs ns, Path home, Map<String, String> env) {
        return AgentProcess.start(ns.in("b"), env, home, "--name", "replica", "--listen", "127.0.0.1:7420",
                "--replication-listen", "0.0.0.0:7421");
    }

    /**
     * The target agent, then the source agent ({@link #startTarget}, {@link #startSource}): {target,
     * source}. A source that cannot start takes the target down with it, so no agent outlives the test.
     */
    static AgentProcess[] startPair(NetNs ns, Path targetHome, Map<String, String> targetEnv, Path sourceHome,
            Map<String, String> sourceEnv) {
        AgentProcess target = startTarget(ns, targetHome, targetEnv);
        try {
            return new AgentProcess[] {target, startSource(ns, sourceHome, sourceEnv)};
        } catch (RuntimeException | Error e) {
            target.close();
            throw e;
        }
    }

    static AgentProcess startSource(NetNs ns, Path home) {
        return startSource(ns, home, Map.of());
    }

    static AgentProcess startSource(NetNs ns, Path home, Map<String, String> env) {
        return AgentProcess.start(ns.in("a"), env, home, "--name", "primary", "--listen", "127.0.0.1:7420");
    }

    private static void seed(Path data, Random random) throws IOException {
        for (int d = 0; d < 5; d++) {
            Path sub = Files.createDirectories(data.resolve("seed/dir-" + d));
            for (int f = 0; f < 20; f++) {
                byte[] bytes = new byte[random.nextInt(128 * 1024)];
                random.nextBytes(bytes);
                Files.write(sub.resolve("file-" + f + ".bin"), bytes);
            }
        }
        Files.createSymbolicLink(data.resolve("seed/latest"), Path.of("dir-0/file-0.bin"));
    }

    private static void pause(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    /**
     * An application at work on the protected directory, through its usual path: creates, writes at
     * offsets, appends, renames, deletes, chmods, new directories. It stops at the first failure
     * (a killed source's mount fails every call until the agent is back) and says so.
     */
    static final class Workload {
        /**
         * At most this many steps per fault: unbounded, a 30 s partition makes some 26,000 entries,
         * beyond the FUSE interceptor's descriptors under a 20,000 open-files limit (docs/FUSE.md).
         */
        static final int MAX_STEPS = 4000;
        private final Path root;
        private final Random random;
        private final List<Path> files = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile int steps;
        private final Thread thread;
        private int serial;

        Workload(Path root, Random random) throws IOException {
            this.root = Files.createDirectories(root);
            this.random = random;
            try (var s = Files.list(root)) {
                s.filter(Files::isRegularFile).forEach(files::add);
            }
            thread = new Thread(this::run, "workload");
        }

        void start() {
            thread.start();
        }

        private void run() {
            try {
                while (!stop.get() && steps < MAX_STEPS) {
                    step();
                    steps++;
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }

        int steps() {
            return steps;
        }

        Throwable failure() {
            return failure.get();
        }

        /** Waits until {@code n} steps are done or the workload failed. */
        void awaitSteps(int n) {
            awaitCondition(WAIT, () -> steps >= n || failure.get() != null || !thread.isAlive(), n + " workload steps");
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(WAIT.toMillis());
            assertTrue(!thread.isAlive(), "the workload stops");
        }

        private void step() throws IOException {
            int kind = random.nextInt(100);
            if (files.isEmpty() || kind < 20) {
                Path p = root.resolve("f-" + serial++ + ".bin");
                Files.write(p, bytes(random.nextInt(96 * 1024)));
                files.add(p);
            } else if (kind < 55) {
                Path p = files.get(random.nextInt(files.size()));
                try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
                    long at = (long) (random.nextDouble() * (ch.size() + 1));
                    ch.write(java.nio.ByteBuffer.wrap(bytes(1 + random.nextInt(8192))), at);
                }
            } else if (kind < 65) {
                Path p = files.get(random.nextInt(files.size()));
                Files.write(p, bytes(1 + random.nextInt(4096)), java.nio.file.StandardOpenOption.APPEND);
            } else if (kind < 75) {
                int i = random.nextInt(files.size());
                Path to = root.resolve("r-" + serial++ + ".bin");
                Files.move(files.get(i), to);
                files.set(i, to);
            } else if (kind < 85) {
                Files.delete(files.remove(random.nextInt(files.size())));
            } else if (kind < 92) {
                Path p = files.get(random.nextInt(files.size()));
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                        random.nextBoolean() ? "rw-r-----" : "rw-rw-r--"));
            } else {
                Path d = Files.createDirectories(root.resolve("d-" + serial++));
                Path p = d.resolve("inner.bin");
                Files.write(p, bytes(random.nextInt(16 * 1024)));
                files.add(p);
            }
        }

        private byte[] bytes(int n) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            return b;
        }
    }
}
