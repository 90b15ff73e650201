package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Cli;
import io.doppel.testing.Trees;

/**
 * Load (docs/RELIABILITY.md): real agent processes on loopback, every source protected by the FUSE
 * interceptor mounted in place, each agent's heap bounded. Eight sources replicate into one target
 * while applications work on all eight; one source is fanned out to three targets through one
 * mount. The lag and every agent's memory are sampled during the run and printed; afterwards every
 * image equals its source.
 *
 * <p>CI runs the eight sources for {@code 60} s; {@code -Ddoppel.load.seconds=1800} is the full
 * run; {@code -Ddoppel.load.rate} sets each application's steps per second (default 40).
 */
class LoadTest {

    private static final Duration WAIT = Duration.ofSeconds(300);
    private static final String TEMP = ".doppel-";
    /** Every agent's bound: its heap. */
    private static final Map<String, String> BOUNDED = Map.of("DOPPEL_AGENT_JAVA_OPTS", "-Xmx256m");

    @TempDir
    Path dir;

    @Test
    void eightSourcesReplicateIntoOneTarget() throws Exception {
        requireFuse();
        int sources = 8;
        long seconds = property("doppel.load.seconds", 60);
        long rate = property("doppel.load.rate", 40);
        List<Path> homes = new ArrayList<>(List.of(dir.resolve("target")));
        List<String[]> args = new ArrayList<>();
        args.add(new String[] {"--name", "replica"});
        for (int i = 1; i <= sources; i++) {
            homes.add(dir.resolve("source-" + i));
            args.add(new String[] {"--name", "server-" + i, "--metrics", "127.0.0.1:0"});
        }
        List<AgentProcess> agents = AgentProcess.startAll(BOUNDED, homes, args);
        AgentProcess target = agents.get(0);
        List<Path> data = new ArrayList<>();
        List<SteadyWorkload> apps = new ArrayList<>();
        try {
            String address = target.replicationAddress();
            for (int i = 1; i <= sources; i++) {
                AgentProcess source = agents.get(i);
                pair(source, target);
                Path d = Files.createDirectories(dir.resolve("data-" + i));
                seed(d, new Random(i));
                data.add(d);
                Cli.ok(Cli.on(source, "job", "create", "app", "--source", d.toString(), "--target", address,
                        "--interceptor", "linux.fuse"));
                Cli.ok(Cli.on(source, "job", "start", "app"));
            }
            for (int i = 1; i <= sources; i++) {
                Path image = target.home().resolve("images/server-" + i + "/app");
                awaitSame(data.get(i - 1), image, "the first copy of server-" + i, agents.get(i), target);
            }
            for (int i = 0; i < sources; i++) {
                SteadyWorkload w = new SteadyWorkload(data.get(i).resolve("work"), new Random(100 + i), rate);
                w.start();
                apps.add(w);
            }
            Samples samples = new Samples();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long next = System.nanoTime();
            while (System.nanoTime() - end < 0) {
                next += TimeUnit.SECONDS.toNanos(2);
                LockSupport.parkNanos(next - System.nanoTime()); // the sampling period, not a synchronisation
                for (int i = 1; i <= sources; i++) {
                    Map<String, Double> m = scrape(agents.get(i));
                    samples.lag(m.getOrDefault("doppel_job_lag_seconds", 0.0),
                            m.getOrDefault("doppel_job_exposure_seconds", 0.0));
                }
                agents.forEach(samples::memory);
                for (SteadyWorkload w : apps) {
                    assertTrue(w.failure() == null, "an application saw an error: " + w.failure());
                }
            }
            long steps = 0;
            for (SteadyWorkload w : apps) {
                w.stop();
                steps += w.steps();
                assertTrue(w.failure() == null, "an application saw an error: " + w.failure());
            }
            long paused = System.nanoTime();
            for (int i = 1; i <= sources; i++) {
                Path image = target.home().resolve("images/server-" + i + "/app");
                awaitSame(data.get(i - 1), image, "server-" + i + "'s image to equal its source", agents.get(i),
                        target);
            }
            long equal = Duration.ofNanos(System.nanoTime() - paused).toMillis();
            for (int i = 1; i <= sources; i++) {
                JsonObject job = job(agents.get(i));
                assertEquals("REPLICATING", job.get("state").getAsString(), "server-" + i + ": " + job);
            }
            agents.forEach(samples::memory);
            for (AgentProcess a : agents) {
                assertTrue(a.process().isAlive(), "every agent lives through the load: " + a.output());
            }
            System.out.printf("load: %d sources into one target for %d s, %d steps/s each (%d steps in all)%n"
                    + "  lag (capture to apply of the newest acknowledged op): max %.1f s; exposure max %.1f s%n"
                    + "  all images equal %d ms after the applications paused%n%s", sources, seconds, rate, steps,
                    samples.maxLag, samples.maxExposure, equal, samples.memoryTable());
        } finally {
            for (SteadyWorkload w : apps) {
                w.stop();
            }
            for (AgentProcess a : agents) {
                a.close();
            }
            for (Path d : data) {
                Cli.exec(List.of("umount", "-l", d.toString()), 30); // only if a source died with its mount
            }
        }
    }

    @Test
    void oneSourceFansOutToThreeTargetsThroughOneMount() throws Exception {
        requireFuse();
        Path data = Files.createDirectories(dir.resolve("data"));
        seed(data, new Random(3));
        Files.createDirectories(data.resolve("private"));
        Files.writeString(data.resolve("private/secret.txt"), "only two targets get this");
        Files.writeString(data.resolve("private/later-public.txt"), "moves into the third target's set");
        Files.createDirectories(data.resolve("public"));
        Files.writeString(data.resolve("public/later-private.txt"), "moves out of the third target's set");
        List<Path> homes = List.of(dir.resolve("source"), dir.resolve("target-1"), dir.resolve("target-2"),
                dir.resolve("target-3"));
        List<AgentProcess> agents = new ArrayList<>(AgentProcess.startAll(BOUNDED, homes, List.of(
                new String[] {"--name", "primary", "--metrics", "127.0.0.1:0"}, new String[] {"--name", "replica-1"},
                new String[] {"--name", "replica-2"}, new String[] {"--name", "replica-3"})));
        Map<String, Path> images = new LinkedHashMap<>();
        try {
            AgentProcess source = agents.get(0);
            for (int t = 1; t <= 3; t++) {
                AgentProcess target = agents.get(t);
                pair(source, target);
                List<String> create = new ArrayList<>(List.of("job", "create", "fan-" + t, "--source",
                        data.toString(), "--target", target.replicationAddress(), "--interceptor", "linux.fuse"));
                if (t == 3) {
                    // a directory-only rule: the mount's workers ask whether a path is a directory, beneath the
                    // mount, while the application makes directories through it
                    create.addAll(List.of("--rule", "- private/"));
                }
                Cli.ok(Cli.on(source, create.toArray(String[]::new)));
                images.put("fan-" + t, target.home().resolve("images/primary/fan-" + t));
            }
            for (int t = 1; t <= 3; t++) {
                Cli.ok(Cli.on(source, "job", "start", "fan-" + t));
            }
            awaitCondition(WAIT, () -> capturing(agents.get(0), 3), "the three jobs to capture");
            assertEquals(1, doppelMounts(data), "one mount captures for the three jobs");
            String shared = job(source, "fan-1").get("capture").getAsString();
            assertTrue(shared.contains("shared with jobs 'fan-2', 'fan-3'"), shared);
            awaitAllSame(data, images, agents, "the first copies");
            assertTrue(!Files.exists(images.get("fan-3").resolve("private")), "the third target's rules exclude it");

            // an application works while one job stops and starts again: the others go on capturing
            FaultMatrixTest.Workload w = new FaultMatrixTest.Workload(data.resolve("work"), new Random(4));
            w.start();
            w.awaitSteps(200);
            Cli.ok(Cli.on(source, "job", "stop", "fan-2"));
            assertEquals(1, doppelMounts(data), "the mount stays for the others");
            w.awaitSteps(w.steps() + 300);
            // across the third job's border: into its set (it resynchronises), and out of it (a removal)
            Files.move(data.resolve("private/later-public.txt"), data.resolve("public/later-public.txt"));
            Files.move(data.resolve("public/later-private.txt"), data.resolve("private/later-private.txt"));
            Cli.ok(Cli.on(source, "job", "start", "fan-2"));
            w.awaitSteps(w.steps() + 300);
            w.stop();
            assertTrue(w.failure() == null, "the application never noticed: " + w.failure());
            awaitAllSame(data, images, agents, "the images after a job stopped and started under the workload");
            assertTrue(Files.exists(images.get("fan-3").resolve("public/later-public.txt"))
                    && !Files.exists(images.get("fan-3").resolve("public/later-private.txt")));
            String events = Cli.ok(Cli.on(source, "--json", "events", "--job", "fan-3")).stdout();
            assertTrue(events.contains("capture.resync"), "the third job said why it mirrored: " + events);

            // kill -9 of the source: after the restart the three jobs share one mount again
            agents.get(0).kill();
            agents.set(0, AgentProcess.start(homes.get(0), "--name", "primary"));
            awaitCondition(WAIT, () -> capturing(agents.get(0), 3), "the three jobs to capture after the restart");
            assertEquals(1, doppelMounts(data), "one mount again");
            FaultMatrixTest.Workload after = new FaultMatrixTest.Workload(data.resolve("after"), new Random(5));
            after.start();
            after.awaitSteps(300);
            after.stop();
            assertTrue(after.failure() == null, String.valueOf(after.failure()));
            awaitAllSame(data, images, agents, "the images after the source was killed and restarted");
            StringBuilder memory = new StringBuilder();
            for (AgentProcess a : agents) {
                long[] kib = a.residentKiB();
                memory.append(String.format("  %-10s resident %4d MiB, peak %4d MiB%n", a.home().getFileName(),
                        kib[0] / 1024, kib[1] / 1024));
            }
            System.out.print("fan-out: one source, three targets, one mount\n" + memory);
        } finally {
            for (AgentProcess a : agents) {
                a.close();
            }
            Cli.exec(List.of("umount", "-l", data.toString()), 30);
        }
    }

    private static void requireFuse() {
        Failovers.requireHosts(Files.exists(Path.of("/dev/fuse")) ? null : "/dev/fuse is missing");
    }

    private static long property(String name, long fallback) {
        String v = System.getProperty(name, "");
        return v.matches("\\d+") ? Long.parseLong(v) : fallback;
    }

    private static void pair(AgentProcess source, AgentProcess target) {
        String[] t = Cli.ok(Cli.on(target, "identity")).stdout().strip().split(" ");
        String[] s = Cli.ok(Cli.on(source, "identity")).stdout().strip().split(" ");
        Cli.ok(Cli.on(source, "peer", "trust", t[0], t[1]));
        Cli.ok(Cli.on(target, "peer", "trust", s[0], s[1]));
    }

    private static JsonObject job(AgentProcess source) {
        return JsonParser.parseString(Cli.ok(Cli.on(source, "--json", "job", "list")).stdout()).getAsJsonArray().get(0)
                .getAsJsonObject();
    }

    private static JsonObject job(AgentProcess source, String name) {
        JsonArray all = JsonParser.parseString(Cli.ok(Cli.on(source, "--json", "job", "list")).stdout()).getAsJsonArray();
        for (var j : all) {
            JsonObject o = j.getAsJsonObject();
            if (name.equals(o.getAsJsonObject("definition").get("name").getAsString())) {
                return o;
            }
        }
        throw new AssertionError("no job " + name + " in " + all);
    }

    /** Whether {@code n} jobs of the agent capture through a mount. */
    private static boolean capturing(AgentProcess source, int n) {
        Cli.Result r = Cli.on(source, "--json", "job", "list");
        if (r.exitCode() != 0) {
            return false;
        }
        int mounted = 0;
        for (var j : JsonParser.parseString(r.stdout()).getAsJsonArray()) {
            JsonObject o = j.getAsJsonObject();
            if (o.has("capture") && !o.get("capture").isJsonNull() && o.get("capture").getAsString().contains("mounted")
                    && !o.get("capture").getAsString().startsWith("not capturing")) {
                mounted++;
            }
        }
        return mounted == n;
    }

    /** How many Doppel FUSE mounts sit on {@code dir}. */
    private static long doppelMounts(Path dir) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(dir.toString()) && l.contains(" - fuse.doppel ")).count();
    }

    private static void awaitAllSame(Path data, Map<String, Path> images, List<AgentProcess> agents, String what) {
        for (Map.Entry<String, Path> e : images.entrySet()) {
            // the third job excludes 'private'
            String[] ignored = e.getKey().equals("fan-3") ? new String[] {TEMP, "private"} : new String[] {TEMP};
            try {
                awaitCondition(WAIT, () -> Trees.same(data, e.getValue(), ignored), what + " (" + e.getKey() + ")");
            } catch (AssertionError failure) {
                // the differences last: a long message is read from its end
                int t = Integer.parseInt(e.getKey().substring("fan-".length()));
                throw new AssertionError(failure.getMessage() + "\nsource jobs: "
                        + Cli.on(agents.get(0), "--json", "job", "list").stdout() + "\nsource log:\n"
                        + tail(agents.get(0).logFile()) + "\ntarget " + t + "'s log:\n" + tail(agents.get(t).logFile())
                        + "\n" + what + ": " + e.getKey() + "'s image differs from the source:\n"
                        + Trees.difference(data, e.getValue(), ignored), failure);
            }
        }
    }

    private static void awaitSame(Path data, Path image, String what, AgentProcess source, AgentProcess target) {
        try {
            awaitCondition(WAIT, () -> Trees.same(data, image, TEMP), what);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\ndifferences:\n" + Trees.difference(data, image, TEMP)
                    + "\nsource job: " + Cli.on(source, "--json", "job", "list").stdout() + "\nsource log:\n"
                    + tail(source.logFile()) + "\ntarget log:\n" + tail(target.logFile()), e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    /** The agent's metrics (the first value of each family), scraped over HTTP. */
    private static Map<String, Double> scrape(AgentProcess agent) throws IOException, InterruptedException {
        String endpoint = Files.readString(agent.home().resolve("run/metrics.endpoint")).strip();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + endpoint + "/metrics")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, Double> values = new LinkedHashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String family = line.split("[{ ]")[0];
            values.putIfAbsent(family, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        }
        return values;
    }

    private static void seed(Path data, Random random) throws IOException {
        for (int d = 0; d < 3; d++) {
            Path sub = Files.createDirectories(data.resolve("seed/dir-" + d));
            for (int f = 0; f < 20; f++) {
                byte[] bytes = new byte[random.nextInt(64 * 1024)];
                random.nextBytes(bytes);
                Files.write(sub.resolve("file-" + f + ".bin"), bytes);
            }
        }
    }

    /** Lag and memory seen during a run. */
    private static final class Samples {
        double maxLag;
        double maxExposure;
        final Map<String, long[]> memory = new LinkedHashMap<>();

        void lag(double lag, double exposure) {
            maxLag = Math.max(maxLag, lag);
            maxExposure = Math.max(maxExposure, exposure);
        }

        void memory(AgentProcess a) {
            long[] kib = a.residentKiB();
            long[] seen = memory.computeIfAbsent(a.home().getFileName().toString(), k -> new long[] {0, 0});
            seen[0] = Math.max(seen[0], kib[0]);
            seen[1] = Math.max(seen[1], kib[1]);
        }

        String memoryTable() {
            StringBuilder out = new StringBuilder("  resident memory (max sampled / peak), heap bounded at 256 MiB:\n");
            memory.forEach((name, kib) -> out.append(String.format("    %-10s %4d MiB / %4d MiB%n", name, kib[0] / 1024,
                    kib[1] / 1024)));
            return out.toString();
        }
    }

    /**
     * An application at a steady pace on a bounded set of files, so that it can run for as long as
     * the load lasts: writes at offsets, appends, truncations, renames, re-creations, mode changes
     * and fsyncs, {@code rate} steps a second.
     */
    static final class SteadyWorkload {
        private static final int FILES = 120;
        private final Path root;
        private final Random random;
        private final long periodNanos;
        private final List<Path> files = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile long steps;
        private int serial;

        SteadyWorkload(Path root, Random random, long rate) throws IOException {
            this.root = Files.createDirectories(root);
            this.random = random;
            this.periodNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, rate);
            thread = new Thread(this::run, "steady-workload");
        }

        void start() {
            thread.start();
        }

        long steps() {
            return steps;
        }

        Throwable failure() {
            return failure.get();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(WAIT.toMillis());
            assertTrue(!thread.isAlive(), "the workload stops");
        }

        private void run() {
            long next = System.nanoTime();
            try {
                while (!stop.get()) {
                    step();
                    steps++;
                    next += periodNanos;
                    LockSupport.parkNanos(next - System.nanoTime()); // the application's pace
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }

        private void step() throws IOException {
            int kind = random.nextInt(100);
            if (files.size() < FILES && (files.isEmpty() || kind < 30)) {
                Path p = root.resolve("f-" + serial++ + ".bin");
                Files.write(p, bytes(random.nextInt(64 * 1024)));
                files.add(p);
                return;
            }
            Path p = files.get(random.nextInt(files.size()));
            if (kind < 50) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(bytes(1 + random.nextInt(8192))), (long) (random.nextDouble() * (ch.size() + 1)));
                }
            } else if (kind < 60) {
                Files.write(p, bytes(1 + random.nextInt(4096)), StandardOpenOption.APPEND);
            } else if (kind < 65) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.truncate(ch.size() / 2);
                }
            } else if (kind < 75) {
                Path to = root.resolve("r-" + serial++ + ".bin");
                Files.move(p, to);
                files.set(files.indexOf(p), to);
            } else if (kind < 85) {
                Files.delete(p);
                files.remove(p);
            } else if (kind < 92) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                        random.nextBoolean() ? "rw-r-----" : "rw-rw-r--"));
            } else {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                    ch.write(ByteBuffer.wrap(bytes(512)));
                    ch.force(true);
                }
            }
        }

        private byte[] bytes(int n) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            return b;
        }
    }
}
