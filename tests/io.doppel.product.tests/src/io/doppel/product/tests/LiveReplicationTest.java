package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.Test;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Cli;
import io.doppel.testing.Cli.Result;
import io.doppel.testing.Trees;

/**
 * A protected directory replicated between two agent processes as it changes, through faults:
 * kill -9 of the target mid-stream, kill -9 of the source mid-stream. Afterwards the image equals
 * the source, content and modes.
 */
class LiveReplicationTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String TEMP = ".doppel-";
    private static final String SCRATCH = "scratch-";

    @TempDir
    Path dir;

    @Test
    void theImageFollowsTheSourceThroughKillsOfEitherAgent() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path targetHome = dir.resolve("target");
        Path sourceHome = dir.resolve("source");
        AgentProcess target = AgentProcess.start(targetHome, "--name", "replica");
        AgentProcess source = AgentProcess.start(sourceHome, "--name", "primary");
        try {
            String replicationAddress = target.replicationAddress();
            pair(source, target);
            Cli.ok(Cli.on(source, "job", "create", "web", "--source", data.toString(), "--target", replicationAddress,
                    "--interceptor", "watch", "--rule", "- scratch-*"));
            Cli.ok(Cli.on(source, "job", "start", "web"));
            Path image = targetHome.resolve("images/primary/web");
            Random random = new Random(7);

            write(data, random, "site", 30);
            Files.createSymbolicLink(data.resolve("site/latest"), Path.of("file-0.bin"));
            Files.writeString(data.resolve("site/scratch-1"), "excluded by the job's rules");
            awaitSame(data, image, "the first files to be replicated");
            assertFalse(Files.exists(image.resolve("site/scratch-1")), "an excluded file stays on the source");

            // kill -9 of the target while a large file and more files stream
            write(data, random, "big", 3);
            Files.write(data.resolve("big/large.bin"), bytes(random, 24 * 1024 * 1024));
            target.kill();
            write(data, random, "while-target-down", 20);
            Files.delete(data.resolve("site/file-3.bin"));
            target = AgentProcess.start(targetHome, "--replication-listen", replicationAddress);
            awaitSame(data, image, "the image to catch up after the target was killed");

            // kill -9 of the source in the middle of a burst
            write(data, random, "burst", 40);
            source.kill();
            write(data, random, "while-source-down", 10);
            Files.move(data.resolve("site/file-5.bin"), data.resolve("site/renamed.bin"));
            source = AgentProcess.start(sourceHome, "--metrics", "127.0.0.1:0");
            awaitSame(data, image, "the image to catch up after the source was killed");

            // the replication set changes while the job runs: the file excluded so far follows
            Cli.ok(Cli.on(source, "job", "rules", "web"));
            Path scratch = image.resolve("site/scratch-1");
            awaitCondition(WAIT, () -> Files.exists(scratch), "the newly included file to be replicated");

            Result list = Cli.ok(Cli.on(source, "job", "list"));
            assertTrue(list.stdout().contains("REPLICATING"), list.toString());
            assertTrue(list.stdout().contains("watch"), list.toString());

            // verification by the CLI: equal, then an image damaged behind the agents' backs, then repaired
            Result equal = Cli.on(source, "--json", "job", "verify", "web", "--wait");
            assertEquals(0, equal.exitCode(), equal.toString());
            assertEquals(0, JsonParser.parseString(equal.stdout()).getAsJsonObject().get("different").getAsLong());
            Files.writeString(image.resolve("site/orphan.txt"), "only on the target");
            Path damaged = image.resolve("site/file-1.bin");
            byte[] content = Files.readAllBytes(damaged);
            content[content.length / 2] ^= 1;
            java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(damaged);
            Files.write(damaged, content);
            Files.setLastModifiedTime(damaged, mtime);
            Result found = Cli.on(source, "job", "verify", "web", "--wait");
            assertEquals(8, found.exitCode(), "exit 8: the target differs\n" + found);
            assertTrue(found.stdout().contains("site/orphan.txt") && found.stdout().contains("extra"), found.toString());
            assertTrue(found.stdout().contains("site/file-1.bin") && found.stdout().contains("content (1 of"),
                    found.toString());
            Result repaired = Cli.on(source, "job", "verify", "web", "--repair", "--orphans", "delete", "--wait");
            assertEquals(8, repaired.exitCode(), repaired.toString());
            assertTrue(repaired.stdout().contains("deleted") && repaired.stdout().contains("repaired"), repaired.toString());
            Result after = Cli.on(source, "job", "verify-report", "web");
            assertTrue(after.stdout().contains("repaired"), after.toString());
            Result clean = Cli.on(source, "job", "verify", "web", "--wait");
            assertEquals(0, clean.exitCode(), clean.toString());
            assertTrue(clean.stdout().contains("the target equals the source"), clean.toString());
            assertFalse(Files.exists(image.resolve("site/orphan.txt")));

            // restore by the CLI: part of the source is wiped and a stray file appears; the stopped job
            // rebuilds it from the image, then captures and replicates again
            Cli.ok(Cli.on(source, "job", "stop", "web"));
            Trees.delete(data.resolve("site"));
            Files.writeString(data.resolve("stray.txt"), "only on the source");
            Result restored = Cli.on(source, "job", "restore", "web", "--wait");
            assertEquals(0, restored.exitCode(), restored.toString());
            assertTrue(restored.stdout().contains("the job replicates again"), restored.toString());
            assertFalse(Files.exists(data.resolve("stray.txt")), "the image is the authority");
            awaitSame(data, image, "the source to equal the image after the restore");
            Files.writeString(data.resolve("site/after-restore.txt"), "captured again");
            awaitSame(data, image, "a change after the restore to be replicated");
            Result report = Cli.ok(Cli.on(source, "--json", "job", "restore-report", "web"));
            assertEquals("done", JsonParser.parseString(report.stdout()).getAsJsonObject().get("phase").getAsString());

            // the event log, through the CLI: the restore's story, filters, and following
            Result events = Cli.ok(Cli.on(source, "--json", "events", "--job", "web"));
            java.util.List<String> codes = new java.util.ArrayList<>();
            JsonParser.parseString(events.stdout()).getAsJsonArray()
                    .forEach(e -> codes.add(e.getAsJsonObject().get("code").getAsString()));
            assertTrue(codes.containsAll(java.util.List.of("mirror.started", "verify.differences", "verify.done",
                    "restore.started", "restore.done", "job.state")), codes.toString());
            Result human = Cli.ok(Cli.on(source, "events", "--job", "web", "--severity", "warning"));
            assertTrue(human.stdout().contains("restore.started") && !human.stdout().contains("restore.done"),
                    "warnings and worse only\n" + human);
            var all = JsonParser.parseString(events.stdout()).getAsJsonArray();
            var lastTwo = JsonParser.parseString(Cli.ok(Cli.on(source, "--json", "events", "--job", "web", "--limit", "2"))
                    .stdout()).getAsJsonArray();
            assertEquals(2, lastTwo.size(), lastTwo.toString());
            long before = all.get(all.size() - 2).getAsJsonObject().get("id").getAsLong();
            long first = lastTwo.get(0).getAsJsonObject().get("id").getAsLong();
            assertTrue(first >= before && lastTwo.get(1).getAsJsonObject().get("id").getAsLong() > first,
                    "--limit 2 shows the newest two, oldest first: " + lastTwo + " of " + all);
            Result followed = Cli.ok(Cli.on(source, "events", "--follow", "--limit", "2", "--since", "1h"));
            assertEquals(2, followed.stdout().strip().lines().count(), followed.toString());
            // export and import: a job's definition as a file, for review or another agent
            Path exported = dir.resolve("web.json");
            Cli.ok(Cli.on(source, "job", "export", "web", "--output", exported.toString()));
            String json = Files.readString(exported);
            assertTrue(json.contains("\"source\": \"" + data + "\"") && json.contains("- scratch-*") == false, json);
            Cli.ok(Cli.on(source, "job", "import", exported.toString(), "--name", "web-copy"));
            assertTrue(Cli.ok(Cli.on(source, "job", "list")).stdout().contains("web-copy"));
            Files.writeString(dir.resolve("typo.json"), "{\"name\": \"x\", \"bandwith\": \"1MB/s\"}");
            Result typo = Cli.on(source, "job", "import", dir.resolve("typo.json").toString());
            assertEquals(2, typo.exitCode(), typo.toString());
            assertTrue(typo.stderr().contains("unknown field 'bandwith'"), typo.toString());

            // the metrics endpoint of the start script's --metrics, scraped over HTTP
            String metrics = Files.readString(sourceHome.resolve("run/metrics.endpoint")).strip();
            java.net.http.HttpResponse<String> scrape = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + metrics + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.body().contains("doppel_agent_up{agent=\"primary\"} 1")
                    && scrape.body().contains("doppel_job_state{job=\"web\",state=\"REPLICATING\"} 1"), scrape.body());

            // a security refusal is an event on the agent that refused: the target stops trusting the source
            Cli.ok(Cli.on(target, "peer", "revoke", "primary"));
            AgentProcess refusing = target;
            awaitCondition(WAIT, () -> Cli.on(refusing, "events", "--severity", "error").stdout()
                    .contains("security.refused"), "the target to refuse the revoked source and log it");
            Result bad = Cli.on(source, "events", "--since", "yesterday");
            assertEquals(2, bad.exitCode(), "a usage error\n" + bad);
        } finally {
            source.close();
            target.close();
        }
    }

    private void awaitSame(Path data, Path image, String what) {
        try {
            awaitCondition(WAIT, () -> Trees.same(data, image, TEMP, SCRATCH), what);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + Trees.difference(data, image, TEMP, SCRATCH), e);
        }
    }

    private static void pair(AgentProcess source, AgentProcess target) {
        String[] t = Cli.ok(Cli.on(target, "identity")).stdout().strip().split(" ");
        String[] s = Cli.ok(Cli.on(source, "identity")).stdout().strip().split(" ");
        Cli.ok(Cli.on(source, "peer", "trust", t[0], t[1]));
        Cli.ok(Cli.on(target, "peer", "trust", s[0], s[1]));
    }

    private static void write(Path data, Random random, String dirName, int files) throws IOException {
        Path d = Files.createDirectories(data.resolve(dirName));
        for (int i = 0; i < files; i++) {
            Files.write(d.resolve("file-" + i + ".bin"), bytes(random, 1 + random.nextInt(200_000)));
        }
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }


}
