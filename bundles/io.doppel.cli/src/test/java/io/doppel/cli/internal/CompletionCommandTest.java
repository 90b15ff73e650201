package io.doppel.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The completion script, loaded into a real bash and asked what it completes. */
class CompletionCommandTest {

    @TempDir
    Path dir;

    private Path script() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = DoppelCli.run(new String[] {"completion", "bash"}, Map.of(), new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, code);
        Path p = dir.resolve("doppel-completion.bash");
        Files.writeString(p, out.toString(StandardCharsets.UTF_8));
        return p;
    }

    /** What bash completes for the words typed (the last one being completed). */
    private List<String> complete(Path script, String... words) throws Exception {
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append(" '").append(w).append('\'');
        }
        String program = "source '" + script + "'\nCOMP_WORDS=(" + array + ")\nCOMP_CWORD=" + (words.length - 1)
                + "\n_doppel\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
        Process p = new ProcessBuilder("bash", "--norc", "-c", program).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        List<String> lines = new ArrayList<>(output.lines().filter(l -> !l.isEmpty()).toList());
        return lines;
    }

    @Test
    void commandsVerbsAndOptionsComplete() throws Exception {
        Path s = script();
        assertEquals(List.of("job"), complete(s, "doppel", "jo"));
        assertEquals(List.of("failover"), complete(s, "doppel", "--home", "/var/lib/doppel", "fail"));
        assertEquals(List.of("--home"), complete(s, "doppel", "--ho"));
        assertEquals(List.of("create"), complete(s, "doppel", "job", "cr"));
        assertEquals(List.of("restore", "restore-report", "resume"), complete(s, "doppel", "job", "res"));
        assertEquals(List.of("--accept-loss"), complete(s, "doppel", "failover", "now", "db", "--acc"));
        assertEquals(List.of("--checksum-all"), complete(s, "doppel", "job", "restore", "db", "--checksum"));
        assertTrue(complete(s, "doppel", "settings", "").containsAll(List.of("list", "show", "set", "reset")));
    }

    @Test
    void anotherShellIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DoppelCli.run(new String[] {"completion", "fish"}, Map.of(), new PrintStream(
                new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(err, true,
                        StandardCharsets.UTF_8));
        assertEquals(Exit.USAGE.code, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("bash only"), err.toString(StandardCharsets.UTF_8));
    }
}
