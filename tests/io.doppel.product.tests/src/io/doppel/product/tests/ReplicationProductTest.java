package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Cli;
import io.doppel.testing.Cli.Result;

/**
 * Two agent processes, a source and a target, paired and driven with the real CLI as an admin
 * would: a job refused while the agents are not paired, replicating once they are, cut off when
 * the target revokes the source.
 */
class ReplicationProductTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void aJobReplicatesOnlyBetweenPairedAgents() throws IOException {
        try (AgentProcess target = AgentProcess.start(dir.resolve("target"), "--name", "replica");
                AgentProcess source = AgentProcess.start(dir.resolve("source"), "--name", "primary")) {
            String[] targetId = Cli.ok(Cli.on(target, "identity")).stdout().strip().split(" ");
            String[] sourceId = Cli.ok(Cli.on(source, "identity")).stdout().strip().split(" ");
            assertEquals("replica", targetId[0]);

            Path data = Files.createDirectories(dir.resolve("data"));
            Cli.ok(Cli.on(source, "job", "create", "web", "--source", data.toString(), "--target",
                    target.replicationAddress()));
            Cli.ok(Cli.on(source, "job", "start", "web"));
            awaitCondition(WAIT, () -> job(source).get("state").getAsString().equals("DISCONNECTED")
                    && lastError(source).contains("TLS"), "the unpaired target to be refused at the TLS handshake");

            Cli.ok(Cli.on(source, "peer", "trust", targetId[0], targetId[1]));
            awaitCondition(WAIT, () -> log(target).contains("Security: TLS source"),
                    "the target to log the unpaired source as a security event");
            Cli.ok(Cli.on(target, "peer", "trust", sourceId[0], sourceId[1]));
            awaitCondition(WAIT, () -> job(source).get("state").getAsString().equals("REPLICATING"),
                    "the job to replicate once both agents trust each other");

            Result list = Cli.ok(Cli.on(source, "job", "list"));
            assertTrue(list.stdout().contains("REPLICATING"), list.toString());
            assertTrue(list.stdout().contains("web"), list.toString());

            // a mirror on demand, followed to its end
            for (int i = 0; i < 50; i++) {
                Files.writeString(data.resolve("page-" + i + ".html"), "page " + i + "\n".repeat(100 * i));
            }
            Result mirrored = Cli.ok(Cli.on(source, "job", "mirror", "web", "--mode", "full", "--wait"));
            assertTrue(mirrored.stdout().startsWith("mirror: full, done: ") && mirrored.stdout().contains("entries"),
                    mirrored.toString());
            JsonObject watched = JsonParser.parseString(Cli.ok(Cli.on(source, "--json", "job", "watch", "web"))
                    .stdout()).getAsJsonObject();
            assertEquals("done", watched.get("phase").getAsString(), watched.toString());
            assertTrue(watched.get("filesDone").getAsLong() >= 50, watched.toString());

            // editing: not while the job runs; when stopped, every value checked before anything changes
            Result running = Cli.on(source, "job", "edit", "web", "--compression", "max");
            assertEquals(7, running.exitCode(), running.toString());
            assertTrue(running.stderr().contains("stop it first"), running.toString());
            Cli.ok(Cli.on(source, "job", "stop", "web"));
            Result wrong = Cli.on(source, "job", "edit", "web", "--rpo", "60", "--compression", "fastest");
            assertEquals(7, wrong.exitCode(), wrong.toString());
            assertTrue(wrong.stderr().contains("compression: 'fastest'"), wrong.toString());
            assertEquals(0, job(source).getAsJsonObject("definition").get("rpoSeconds").getAsInt(),
                    "nothing of a refused edit is applied");
            Cli.ok(Cli.on(source, "job", "edit", "web", "--rpo", "60", "--compression", "max"));
            JsonObject edited = job(source).getAsJsonObject("definition");
            assertEquals(60, edited.get("rpoSeconds").getAsInt(), edited.toString());
            assertEquals("max", edited.get("compression").getAsString(), edited.toString());
            Cli.ok(Cli.on(source, "job", "start", "web"));
            Files.writeString(data.resolve("after-edit.html"), "compressed harder\n");
            Path replicated = target.home().resolve("images/primary/web/after-edit.html");
            try {
                awaitCondition(WAIT, () -> "compressed harder\n".equals(read(replicated)),
                        "the edited job to replicate again");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + state(source) + "\n" + differences(data,
                        replicated.getParent()) + "\nsource log (end):\n" + tail(log(source), 60)
                        + "\ntarget log (end):\n" + tail(log(target), 30) + "\nsource job: " + job(source), e);
            }

            Cli.ok(Cli.on(target, "peer", "revoke", "primary"));
            awaitCondition(WAIT, () -> !job(source).get("state").getAsString().equals("REPLICATING"),
                    "the revoked source to lose its connection");

            Result again = Cli.on(source, "job", "create", "web", "--source", data.toString(), "--target", "x:1");
            assertEquals(7, again.exitCode(), again.toString());
            assertTrue(again.stderr().contains("exists already"), again.toString());
            Result bad = Cli.on(source, "job", "create", "bad name", "--source", "relative", "--target", "x:1");
            assertEquals(7, bad.exitCode(), bad.toString());
            assertTrue(bad.stderr().contains("name:"), bad.toString());
        }
    }



    /** The job's state in one line: what it captured, sent and got acknowledged, and how it captures. */
    private static String state(AgentProcess source) {
        JsonObject j = job(source);
        return "source job: " + j.get("state") + ", ops captured " + j.get("lastSeq") + ", sent " + j.get("sentSeq")
                + ", acknowledged " + j.get("ackedSeq") + ", queued " + j.get("queuedOps") + ", last error "
                + j.get("lastError") + ", capture " + j.get("capture") + ", mirror " + j.get("mirror");
    }

    /** The files of {@code source} that {@code image} lacks or holds with another size or content. */
    private static String differences(Path source, Path image) {
        StringBuilder out = new StringBuilder("files the image lacks or holds otherwise:");
        try (var files = Files.list(source)) {
            for (Path f : files.sorted().toList()) {
                Path copy = image.resolve(f.getFileName().toString());
                String mine = read(f);
                String theirs = read(copy);
                if (mine != null && !mine.equals(theirs)) {
                    out.append(' ').append(f.getFileName()).append(theirs == null ? " (missing)"
                            : " (" + theirs.length() + " of " + mine.length() + " chars)");
                }
            }
        } catch (IOException e) {
            out.append(" (cannot list ").append(source).append(": ").append(e).append(')');
        }
        return out.toString();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return null; // not there yet
        }
    }

    private static JsonObject job(AgentProcess source) {
        Result r = Cli.ok(Cli.on(source, "--json", "job", "list"));
        return JsonParser.parseString(r.stdout()).getAsJsonArray().get(0).getAsJsonObject();
    }

    private static String lastError(AgentProcess source) {
        JsonObject job = job(source);
        return job.get("lastError").isJsonNull() ? "" : job.get("lastError").getAsString();
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

    private static String log(AgentProcess agent) {
        try {
            return Files.readString(agent.logFile());
        } catch (IOException e) {
            return "";
        }
    }
}
