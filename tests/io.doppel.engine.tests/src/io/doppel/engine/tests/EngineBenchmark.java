package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

import io.doppel.agent.AgentHome;
import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.ReplicationEngine;
import io.doppel.engine.internal.codec.SequencedOp;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.source.JobManager;
import io.doppel.engine.internal.transport.Frame;
import io.doppel.testing.Services;

/**
 * The engine's figures for docs/BENCHMARKS.md, measured side by side in one run over real loopback
 * TLS. Runs only with {@code -Ddoppel.benchmark=true}; prints its results and asserts nothing about
 * time.
 */
@EnabledIfSystemProperty(named = "doppel.benchmark", matches = "true")
class EngineBenchmark {

    private static final Duration WAIT = Duration.ofMinutes(10);
    private static AgentHome home;
    private static JobManager jobs;
    private static ReplicationEngine engine;
    private static String target;
    private static PeerStore peers;

    @BeforeAll
    static void setUp() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(EngineBenchmark.class).getBundleContext();
        home = Services.await(context, AgentHome.class, Duration.ofSeconds(30));
        jobs = Services.await(context, JobManager.class, Duration.ofSeconds(30));
        engine = Services.await(context, ReplicationEngine.class, Duration.ofSeconds(30));
        peers = Services.await(context, PeerStore.class, Duration.ofSeconds(30));
        peers.trust("self", home.identity().fingerprint());
        Path endpoint = home.runDir().resolve("replication.endpoint");
        awaitCondition(Duration.ofSeconds(30), () -> Files.exists(endpoint), "receiver");
        target = Files.readString(endpoint).strip();
    }

    /** {@code -Ddoppel.benchmark.only=throughput} runs only the benchmarks whose method name contains that. */
    @BeforeEach
    void onlyThoseAskedFor(TestInfo test) {
        String only = System.getProperty("doppel.benchmark.only", "all");
        Assumptions.assumeTrue(only.equals("all") || test.getTestMethod().orElseThrow().getName().contains(only),
                "not asked for by doppel.benchmark.only");
    }

    private static JobStatus job(String name) {
        return engine.jobs().stream().filter(j -> j.definition().name().equals(name)).findFirst().orElseThrow();
    }

    private static void start(String name, String compression) {
        // -Ddoppel.benchmark.queueMemoryMiB=N: the jobs' queue memory (0: the default budget)
        jobs.create(new JobDefinition(name, "/bench/" + name, target, null, null, false, "none", compression, null, 0, null,
                Integer.getInteger("doppel.benchmark.queueMemoryMiB", 0)));
        jobs.start(name);
        awaitCondition(Duration.ofSeconds(30), () -> job(name).state() == JobState.REPLICATING, name);
    }

    private static void report(String line) {
        System.out.println("BENCHMARK [" + java.time.LocalTime.now().withNano(0) + "] " + line);
    }

    @Test
    void throughputAgainstCp() throws Exception {
        // The same work once before measuring, so that the figures are those of a running agent, not
        // of a JVM still compiling its hot paths (the compiler took a quarter of the CPU otherwise).
        replicate("warmup1m", 1024 * 1024, 512L << 20);
        replicate("warmup4k", 4096, 64L << 20);
        jobs.stop("warmup1m");
        jobs.stop("warmup4k");
        // -Ddoppel.benchmark.throughputRuns=N measures each size N times (a median needs several:
        // runs on this VM differ by a third from one to the next)
        int runs = Integer.getInteger("doppel.benchmark.throughputRuns", 1);
        java.util.Map<Integer, java.util.List<double[]>> results = new java.util.TreeMap<>();
        for (int run = 0; run < runs * 2; run++) {
            int size = run < runs ? 1024 * 1024 : 4096;
            long total = size == 4096 ? 64L << 20 : 512L << 20;
            byte[] block = new byte[size];
            new Random(1).nextBytes(block);
            double cpSeconds = cpSeconds(block, total);
            String name = "tp" + size + "-" + run;
            var threads0 = cpuTicksByThread();
            long cpu0 = processCpuNanos();
            double seconds = replicate(name, size, total);
            // the CPU both ends took (one process, without the JIT compiler): steadier than the time on this VM
            double cpuPerGiB = (processCpuNanos() - cpu0) / 1e9 * (1024.0 / (total >> 20));
            String byThread = perGiB(threads0, cpuTicksByThread(), total);
            JobStatus s = job(name);
            report(String.format("throughput %d-byte writes: %d MiB in %.2f s = %.1f MiB/s; cp of the same bytes "
                    + "%.2f s = %.1f MiB/s; ratio %.2fx; %d ops, %d MiB on the wire; %.2f CPU-s per GiB (%s)", size,
                    total >> 20, seconds, (total >> 20) / seconds, cpSeconds, (total >> 20) / cpSeconds,
                    cpSeconds / seconds, s.lastSeq(), s.bytesSent() >> 20, cpuPerGiB, byThread));
            results.computeIfAbsent(size, k -> new java.util.ArrayList<>())
                    .add(new double[] {(total >> 20) / seconds, (total >> 20) / cpSeconds, cpSeconds / seconds, cpuPerGiB});
            jobs.stop(name);
        }
        if (runs > 1) {
            results.forEach((size, r) -> report(String.format("throughput %d-byte writes, medians of %d runs: "
                    + "%.1f MiB/s, cp %.1f MiB/s, ratio %.2fx (ratios %s), %.2f CPU-s per GiB", size, r.size(),
                    median(r, 0), median(r, 1), median(r, 2),
                    r.stream().map(x -> String.format("%.2f", x[2])).toList(), median(r, 3))));
        }
    }

    /**
     * The same 512 MiB of 1 MiB writes through {@link TransportFloor}, without the engine: a journal
     * append, TLS over loopback with the agent's identity, the target's write and its final force,
     * with the encryption and the journal each left out once; side by side with {@code cp}.
     */
    @Test
    void throughputFloorWithoutTheEngine() throws Exception {
        javax.net.ssl.SSLContext tls = io.doppel.engine.internal.transport.Tls.context(home, peers, null);
        long total = 512L << 20;
        byte[] block = new byte[1024 * 1024];
        new Random(1).nextBytes(block);
        String[] variants = {"TLS + journal", "TLS", "journal", "neither"};
        for (int v = 0; v < variants.length; v++) { // the same work once, for the JIT compiler
            TransportFloor.run(tls, home.root(), block, total, v < 2, v % 2 == 0);
        }
        int runs = Integer.getInteger("doppel.benchmark.throughputRuns", 1);
        java.util.Map<String, java.util.List<double[]>> results = new java.util.LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            double cpSeconds = cpSeconds(block, total);
            for (int v = 0; v < variants.length; v++) {
                long cpu0 = processCpuNanos();
                double seconds = TransportFloor.run(tls, home.root(), block, total, v < 2, v % 2 == 0);
                double cpuPerGiB = (processCpuNanos() - cpu0) / 1e9 * (1024.0 / (total >> 20));
                report(String.format("floor, %s: %d MiB in %.2f s = %.1f MiB/s; cp %.1f MiB/s; ratio %.2fx; %.2f CPU-s per GiB",
                        variants[v], total >> 20, seconds, (total >> 20) / seconds, (total >> 20) / cpSeconds,
                        cpSeconds / seconds, cpuPerGiB));
                results.computeIfAbsent(variants[v], k -> new java.util.ArrayList<>())
                        .add(new double[] {(total >> 20) / seconds, (total >> 20) / cpSeconds, cpSeconds / seconds, cpuPerGiB});
            }
        }
        if (runs > 1) {
            results.forEach((variant, r) -> report(String.format("floor, %s, medians of %d runs: %.1f MiB/s, cp %.1f MiB/s, "
                    + "ratio %.2fx (ratios %s), %.2f CPU-s per GiB", variant, r.size(), median(r, 0), median(r, 1),
                    median(r, 2), r.stream().map(x -> String.format("%.2f", x[2])).toList(), median(r, 3))));
        }
    }

    /**
     * The reference: {@code total} bytes written to a file on the agent's disk in pieces of {@code block},
     * then copied with {@code cp}'s semantics and forced; seconds of the copy and the force.
     */
    private static double cpSeconds(byte[] block, long total) throws java.io.IOException {
        Path src = Files.createTempFile(home.root(), "src", ".bin");
        Path plain = Files.createTempFile(home.root(), "plain", ".bin");
        try {
            try (var out = Files.newOutputStream(src)) {
                for (long w = 0; w < total; w += block.length) {
                    out.write(block);
                }
            }
            long start = System.nanoTime();
            Files.copy(src, plain, StandardCopyOption.REPLACE_EXISTING);
            try (var ch = java.nio.channels.FileChannel.open(plain, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            Files.deleteIfExists(src);
            Files.deleteIfExists(plain);
        }
    }

    /**
     * User and system CPU of this process so far, less its JIT compiler threads' (from /proc, in
     * clock ticks of 10 ms): what the work took, not how much compiling happened to fall into the run.
     */
    private static long processCpuNanos() throws java.io.IOException {
        long ticks = cpuTicks(Files.readString(Path.of("/proc/self/stat")));
        for (var thread : cpuTicksByThread().values()) {
            if (thread.getKey().startsWith("C1 Compiler") || thread.getKey().startsWith("C2 Compiler")) {
                ticks -= thread.getValue();
            }
        }
        return ticks * 10_000_000L;
    }

    /**
     * CPU clock ticks of this process's threads so far, by thread id, with the name the kernel
     * knows without a trailing number (the workers of one pool are one kind). By id, since a pool's
     * thread takes the name of what it runs (MINA's I/O threads do).
     */
    private static java.util.Map<String, java.util.Map.Entry<String, Long>> cpuTicksByThread() throws java.io.IOException {
        java.util.Map<String, java.util.Map.Entry<String, Long>> byId = new java.util.HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (java.io.IOException gone) {
                    continue; // the thread ended meanwhile
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                byId.put(task.getFileName().toString(),
                        java.util.Map.entry(comm.replaceAll("[-#]?\\d+$", ""), cpuTicks(stat)));
            }
        }
        return byId;
    }

    /**
     * The kinds of threads that took CPU between two {@link #cpuTicksByThread} looks, in CPU-s per
     * GiB, most first (threads that ended in between are not counted).
     */
    private static String perGiB(java.util.Map<String, java.util.Map.Entry<String, Long>> before,
            java.util.Map<String, java.util.Map.Entry<String, Long>> after, long bytes) {
        double scale = 0.01 * (1L << 30) / bytes; // clock ticks of 10 ms
        java.util.Map<String, Long> byKind = new java.util.HashMap<>();
        after.forEach((id, now) -> {
            var then = before.get(id);
            byKind.merge(now.getKey(), now.getValue() - (then == null ? 0 : then.getValue()), Long::sum);
        });
        return byKind.entrySet().stream()
                .filter(e -> e.getValue() * scale >= 0.05)
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> String.format("%s %.2f", e.getKey(), e.getValue() * scale))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** utime + stime of a /proc stat line. */
    private static long cpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static double median(java.util.List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(x -> x[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Creates a file and writes {@code total} bytes into it in {@code size} pieces, then an fsync; seconds until applied. */
    private static double replicate(String name, int size, long total) throws Exception {
        byte[] block = new byte[size];
        new Random(1).nextBytes(block);
        start(name, "none");
        RelPath f = RelPath.of("big.bin");
        long t0 = System.nanoTime();
        engine.capture(name, new Op.Create(f, 0644, -1, -1));
        for (long off = 0; off < total; off += size) {
            engine.capture(name, new Op.Write(f, off, block));
        }
        long last = engine.capture(name, new Op.Fsync(f));
        awaitCondition(WAIT, () -> job(name).ackedSeq() >= last, "applied");
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * A mirror of a real tree (the system's C headers and documentation) against rsync in the same
     * run, warm page cache on both: the initial copy, a no-change comparison of every block, and the
     * delta after 2 % of the files changed.
     */
    @Test
    void mirrorOfARealTreeAgainstRsync() throws Exception {
        Path work = home.root().resolveSibling("bench-mirror");
        Path source = work.resolve("source");
        Files.createDirectories(source);
        String tree0 = System.getProperty("doppel.benchmark.tree", "");
        if (tree0.isBlank()) {
            run("rsync", "-a", "/usr/include", "/usr/share/doc", source + "/");
        } else {
            run("rsync", "-a", tree0 + "/", source + "/");
        }
        long[] tree = new long[2];
        try (var walk = Files.walk(source)) {
            walk.filter(Files::isRegularFile).forEach(f -> {
                tree[0]++;
                tree[1] += f.toFile().length();
            });
        }
        jobs.create(new JobDefinition("realtree", source.toString(), target, null, null, false, "none", "none", null, 0,
                null, 0, "full"));
        jobs.start("realtree");
        awaitCondition(Duration.ofSeconds(30), () -> job("realtree").state() == JobState.REPLICATING, "realtree");
        double mirror = timedMirror("full", false);
        Path copy = work.resolve("rsync-copy");
        long t0 = System.nanoTime();
        run("rsync", "-a", source + "/", copy + "/");
        double rsync = (System.nanoTime() - t0) / 1e9;
        report(String.format("mirror of a real tree (%,d files, %,d bytes): full mirror %.2f s, rsync -a %.2f s (%.2fx)",
                tree[0], tree[1], mirror, rsync, mirror / rsync));
        int checksumAllRuns = Integer.getInteger("doppel.benchmark.checksumAllRuns", 0);
        if (checksumAllRuns > 0) {
            // only the no-change checksum-all mirror, several times (a warm agent)
            for (int i = 1; i <= checksumAllRuns; i++) {
                timedChecksumAll(source, copy);
            }
            jobs.stop("realtree");
            return;
        }
        int verifyRuns = Integer.getInteger("doppel.benchmark.verifyRuns", 0);
        if (verifyRuns > 0) {
            // only the no-change verification, several times (a warm agent, for profiles and medians)
            for (int i = 1; i <= verifyRuns; i++) {
                t0 = System.nanoTime();
                run("rsync", "-a", "-c", "-n", source + "/", copy + "/");
                double rsyncVerify = (System.nanoTime() - t0) / 1e9;
                timedVerify(rsyncVerify);
            }
            jobs.stop("realtree");
            return;
        }
        // the first mirror ran on a fresh agent (its code not compiled yet): a second full mirror of
        // the same tree, and a second rsync into a new directory, for the figures of a warm agent
        double warm = timedMirror("full", false);
        t0 = System.nanoTime();
        run("rsync", "-a", source + "/", work.resolve("rsync-copy-2") + "/");
        double rsyncWarm = (System.nanoTime() - t0) / 1e9;
        report(String.format("full mirror again (warm agent, the image already there): %.2f s, rsync -a into a new "
                + "directory %.2f s (%.2fx)", warm, rsyncWarm, warm / rsyncWarm));

        double rsyncVerify = timedChecksumAll(source, copy);

        timedVerify(rsyncVerify);

        int changed = 0;
        try (var walk = Files.walk(source)) {
            List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
            for (int i = 0; i < files.size(); i += 50) {
                Files.writeString(files.get(i), "/* changed */\n", java.nio.file.StandardOpenOption.APPEND);
                changed++;
            }
        }
        double delta = timedMirror("diff", false);
        long deltaSent = job("realtree").mirror().bytesSent();
        t0 = System.nanoTime();
        String stats = run("rsync", "-a", "--stats", source + "/", copy + "/");
        double rsyncDelta = (System.nanoTime() - t0) / 1e9;
        String rsyncSent = stats.lines().filter(l -> l.startsWith("Total bytes sent")).findFirst().orElse("?");
        report(String.format("delta after changing %d files (2 %%): diff mirror %.2f s, %,d bytes of content sent; "
                + "rsync -a %.2f s, %s", changed, delta, deltaSent, rsyncDelta, rsyncSent));
        jobs.stop("realtree");
    }

    /**
     * Times a no-change {@code diff --checksum-all} mirror of the real tree and {@code rsync -a -c -n}
     * of the same tree against rsync's copy, reports both, and returns rsync's seconds.
     */
    private static double timedChecksumAll(Path source, Path copy) throws Exception {
        double mirror = timedMirror("diff", true);
        long t0 = System.nanoTime();
        run("rsync", "-a", "-c", "-n", source + "/", copy + "/");
        double rsync = (System.nanoTime() - t0) / 1e9;
        report(String.format("no-change comparison of every block: diff mirror with checksum-all %.2f s (%,d bytes sent),"
                + " rsync -a -c -n %.2f s (%.2fx)", mirror, job("realtree").mirror().bytesSent(), rsync, mirror / rsync));
        return rsync;
    }

    /** Times a no-change {@code job verify} of the real tree and reports it beside rsync's time. */
    private static void timedVerify(double rsyncVerify) throws Exception {
        double cpu0 = processCpuSeconds();
        long t0 = System.nanoTime();
        jobs.verify("realtree", false, "report", 0);
        io.doppel.api.job.VerifyReport verified = jobs.verifyDone("realtree").get(WAIT.toSeconds(),
                java.util.concurrent.TimeUnit.SECONDS);
        double verifyRun = (System.nanoTime() - t0) / 1e9;
        double cpu = processCpuSeconds() - cpu0;
        report(String.format("no-change verification (job verify): %.2f s, %.2f CPU-s (both agents), %,d entries, "
                + "%,d bytes compared, %s; rsync -a -c -n %.2f s (%.2fx)", verifyRun, cpu, verified.entriesCompared(),
                verified.bytesCompared(), verified.equal() ? "equal" : "DIFFERENT", rsyncVerify, verifyRun / rsyncVerify));
    }

    /** CPU time of this process so far (user and system), from {@code /proc/self/stat}, in seconds. */
    private static double processCpuSeconds() throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime: clock ticks of 1/100 s
    }

    private static double timedMirror(String mode, boolean checksumAll) {
        var before = job("realtree").mirror();
        long t0 = System.nanoTime();
        jobs.mirror("realtree", mode, checksumAll);
        awaitCondition(WAIT, () -> {
            var m = job("realtree").mirror();
            return m != null && m != before && !m.equals(before) && !m.running();
        }, "the " + mode + " mirror");
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    @Test
    void coalescingOfSmallContiguousWrites() throws Exception {
        start("coalesce", "none");
        jobs.pause("coalesce"); // queued, so that batches hold many writes, as under load
        RelPath f = RelPath.of("append.log");
        engine.capture("coalesce", new Op.Create(f, 0644, -1, -1));
        byte[] chunk = new byte[100];
        long oneByOne = 0;
        int count = 200_000;
        for (int i = 0; i < count; i++) {
            Op.Write w = new Op.Write(f, i * 100L, chunk);
            oneByOne += 4 + io.doppel.engine.internal.codec.OpCodec.size(new SequencedOp(i + 2, 0, w));
            engine.capture("coalesce", w);
        }
        long last = engine.capture("coalesce", new Op.Fsync(f));
        long t0 = System.nanoTime();
        jobs.start("coalesce");
        awaitCondition(WAIT, () -> job("coalesce").ackedSeq() >= last, "applied");
        double seconds = (System.nanoTime() - t0) / 1e9;
        long sent = job("coalesce").bytesSent();
        report(String.format("coalescing: %,d queued 100-byte appends to one file (%,d bytes of data): %,d bytes in "
                + "frames, against %,d bytes as single ops (%.1fx less); applied in %.2f s", count, count * 100L, sent,
                oneByOne, (double) oneByOne / sent, seconds));
        jobs.stop("coalesce");
    }

    @Test
    void bandwidthLimitHeldOverTwentySeconds() throws Exception {
        long limit = 10_000_000; // 10MB/s
        jobs.create(new JobDefinition("limited", "/bench/limited", target, null, null, false, "none", "none",
                "10MB/s", 0, null, 0));
        jobs.start("limited");
        awaitCondition(Duration.ofSeconds(30), () -> job("limited").state() == JobState.REPLICATING, "limited");
        jobs.pause("limited");
        RelPath f = RelPath.of("limited.bin");
        engine.capture("limited", new Op.Create(f, 0644, -1, -1));
        byte[] block = new byte[1024 * 1024];
        new Random(2).nextBytes(block);
        for (long off = 0; off < 300L << 20; off += block.length) {
            engine.capture("limited", new Op.Write(f, off, block)); // 300 MiB: more than 20 s at the limit
        }
        jobs.start("limited");
        awaitCondition(Duration.ofSeconds(30), () -> job("limited").bytesSent() > 0, "sending");
        // skip the start (connection, first burst of the bucket), then measure 20 s of wall-clock time
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < settle) {
            LockSupport.parkNanos(settle - System.nanoTime());
        }
        long b0 = job("limited").bytesSent();
        long t0 = System.nanoTime();
        long until = t0 + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
            LockSupport.parkNanos(until - System.nanoTime());
        }
        long b1 = job("limited").bytesSent();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double rate = (b1 - b0) / seconds;
        report(String.format("bandwidth limit 10MB/s, 1 MiB writes queued: %,d bytes in %.2f s of wall-clock time = "
                + "%,.0f B/s, %+.2f %% of the limit", b1 - b0, seconds, rate, (rate - limit) * 100.0 / limit));
        jobs.stop("limited");
    }

    @Test
    void spillOfAOneGiBBurstWithAOneMiBQueueBudget() throws Exception {
        jobs.create(new JobDefinition("spill", "/bench/spill", target, null, null, false, "none", "none", null, 0,
                null, 1));
        jobs.start("spill");
        awaitCondition(Duration.ofSeconds(30), () -> job("spill").state() == JobState.REPLICATING, "spill");
        jobs.pause("spill");
        RelPath f = RelPath.of("burst.bin");
        engine.capture("spill", new Op.Create(f, 0644, -1, -1));
        java.security.MessageDigest expected = java.security.MessageDigest.getInstance("SHA-256");
        byte[][] blocks = new byte[16][1024 * 1024];
        Random random = new Random(11);
        for (byte[] b : blocks) {
            random.nextBytes(b);
        }
        long total = 1L << 30;
        long maxMemory = 0;
        System.gc();
        long heapBefore = used();
        long t0 = System.nanoTime();
        for (long off = 0, i = 0; off < total; off += 1024 * 1024, i++) {
            byte[] data = blocks[(int) (i % blocks.length)].clone();
            java.nio.ByteBuffer.wrap(data).putLong(0, i); // every MiB distinct
            expected.update(data);
            engine.capture("spill", new Op.Write(f, off, data));
            if (i % 64 == 0) {
                maxMemory = Math.max(maxMemory, job("spill").queuedMemoryBytes());
            }
        }
        double captureSeconds = (System.nanoTime() - t0) / 1e9;
        JobStatus queued = job("spill");
        System.gc();
        long heapQueued = used();
        long t1 = System.nanoTime();
        jobs.start("spill");
        long last = queued.lastSeq();
        awaitCondition(WAIT, () -> job("spill").ackedSeq() >= last, "the burst applied");
        double sendSeconds = (System.nanoTime() - t1) / 1e9;
        java.security.MessageDigest actual = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(home.root().resolve("images/self/spill/burst.bin"))) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                actual.update(buffer, 0, n);
            }
        }
        boolean identical = java.util.Arrays.equals(expected.digest(), actual.digest());
        report(String.format("spill: 1 GiB burst (1,024 1 MiB writes, job paused) with a 1 MiB queue budget: queue "
                + "memory at most %,d bytes, journal %d MiB on disk, heap %+d MiB; captured in %.1f s, sent and "
                + "applied in %.1f s after resume; image identical to what was written: %s", maxMemory,
                queued.queuedBytes() >> 20, (heapQueued - heapBefore) >> 20, captureSeconds, sendSeconds, identical));
        jobs.stop("spill");
        jobs.delete("spill");
    }

    @Test
    void lagAtFiveThousandOpsPerSecond() throws Exception {
        start("lag", "fast");
        RelPath f = RelPath.of("lag.bin");
        engine.capture("lag", new Op.Create(f, 0644, -1, -1));
        int rate = 5000;
        int seconds = 10;
        List<Long> lags = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Long>> pending = new ArrayList<>();
        byte[] data = new byte[100];
        long begin = System.nanoTime();
        for (int i = 0; i < rate * seconds; i++) {
            long due = begin + i * (1_000_000_000L / rate);
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(due - now);
            }
            long captured = System.nanoTime();
            CompletableFuture<Long> done = engine.captureAndWait("lag", new Op.Write(f, (i % 1000) * 100L, data))
                    .toCompletableFuture();
            done.thenRun(() -> lags.add(System.nanoTime() - captured));
            pending.add(done);
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        List<Long> sorted = new ArrayList<>(lags);
        Collections.sort(sorted);
        double avg = sorted.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
        double p50 = sorted.get(sorted.size() / 2) / 1e6;
        double p99 = sorted.get((int) (sorted.size() * 0.99)) / 1e6;
        double achieved = rate * seconds / ((System.nanoTime() - begin) / 1e9);
        report(String.format("lag at %d ops/s (100-byte writes, capture to applied on the target): avg %.2f ms, "
                + "p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d ops (offered rate held: %.0f ops/s)", rate, avg, p50,
                p99, sorted.get(sorted.size() - 1) / 1e6, sorted.size(), achieved));
        jobs.stop("lag");
    }

    @Test
    void bytesOnTheWireForAOneByteChange() {
        RelPath f = RelPath.of("var/lib/db/base/16384/2619");
        Frame.Ops one = new Frame.Ops(List.of(new SequencedOp(123_456_789, 1_700_000_000_000_000L,
                new Op.Write(f, 987_654_321L, new byte[] {42}))));
        int frame = 4 + 1 + Frame.body(one).length; // length prefix, type, body
        // TLS 1.3 record: 5-byte header, 1-byte inner content type, 16-byte AEAD tag
        report(String.format("one-byte write at offset 987654321 of '%s': frame %d bytes, %d bytes in a TLS 1.3 "
                + "record (a 1 GiB file or a 1 KiB file alike: only the op travels)", f, frame, frame + 22));
    }

    @Test
    void heapWithAMillionQueuedOps() throws Exception {
        start("heap", "fast");
        jobs.pause("heap");
        RelPath f = RelPath.of("q.bin");
        System.gc();
        long before = used();
        byte[] data = new byte[16];
        for (int i = 0; i < 1_000_000; i++) {
            engine.capture("heap", new Op.Write(f, i * 16L, data));
        }
        System.gc();
        long after = used();
        JobStatus s = job("heap");
        report(String.format("1,000,000 queued 16-byte writes while paused: heap %+d MiB (before %d MiB, after %d MiB); "
                + "journal on disk %d MiB; queued ops %d", (after - before) >> 20, before >> 20, after >> 20,
                s.queuedBytes() >> 20, s.queuedOps()));
        jobs.stop("heap");
    }

    private static long used() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
