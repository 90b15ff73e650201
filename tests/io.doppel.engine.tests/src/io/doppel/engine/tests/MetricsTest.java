package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.doppel.api.job.JobState;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/** The agent's metrics endpoint, scraped over real HTTP while a job replicates. */
class MetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern SAMPLE = Pattern.compile("[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? -?[0-9.]+(E-?[0-9]+)?");

    @Test
    void aScrapeShowsEveryJobsFiguresInThePrometheusTextFormat() throws Exception {
        SelfPair pair = SelfPair.open(MetricsTest.class, "metrics-work");
        String name = "metered";
        Path source = pair.create(name, null);
        pair.jobs.start(name);
        awaitCondition(WAIT, () -> pair.job(name).state() == JobState.REPLICATING, "the job to replicate");
        Files.writeString(source.resolve("a.txt"), "measured");
        pair.engine.capture(name, new Op.Create(RelPath.of("a.txt"), 0644, -1, -1));
        pair.engine.capture(name, new Op.Write(RelPath.of("a.txt"), 0, "measured".getBytes(StandardCharsets.UTF_8)));
        pair.awaitApplied(name, WAIT);
        long applied = pair.job(name).ackedSeq();

        String endpoint = Files.readString(pair.home.runDir().resolve("metrics.endpoint")).strip();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        String body = page.body();
        assertTrue(body.contains("doppel_agent_up{agent=\"engine-test-agent\"} 1\n"), body);
        assertTrue(body.contains("doppel_job_state{job=\"metered\",state=\"REPLICATING\"} 1\n"), body);
        assertTrue(body.contains("doppel_job_state{job=\"metered\",state=\"ERROR\"} 0\n"), body);
        assertTrue(body.contains("doppel_job_sequence{job=\"metered\",kind=\"applied\"} " + applied + "\n"), body);
        assertTrue(body.contains("doppel_job_exposure_seconds{job=\"metered\"} 0.0\n"), body);
        assertTrue(body.contains("doppel_job_queue_bytes{job=\"metered\",where=\"disk\"} "), body);
        // the format: a family is declared (HELP, TYPE) before its samples, and every sample parses
        Set<String> declared = new HashSet<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                declared.add(line.split(" ")[2]);
            } else if (!line.startsWith("# HELP ")) {
                assertTrue(SAMPLE.matcher(line).matches(), "a sample line: " + line);
                String family = line.split("[{ ]")[0];
                assertTrue(declared.contains(family), "declared before its samples: " + line);
            }
        }

        HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint + "/admin")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, other.statusCode());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint + "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertTrue(raw(endpoint, "HELLO\r\n\r\n").startsWith("HTTP/1.1 400 "), "not HTTP: refused");
        try {
            // a huge request is refused; the endpoint closes with the rest unread, which may reset the connection
            String huge = raw(endpoint, "GET /metrics HTTP/1.1\r\nX: " + "y".repeat(10_000) + "\r\n\r\n");
            assertTrue(huge.startsWith("HTTP/1.1 431 "), huge);
        } catch (java.net.SocketException reset) {
            // refused by closing the connection: as good
        }
        pair.jobs.stop(name);
    }

    /** Sends bytes as they are and reads the answer to the end (the endpoint closes after answering). */
    private static String raw(String endpoint, String request) throws Exception {
        int colon = endpoint.lastIndexOf(':');
        try (Socket s = new Socket(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)))) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
