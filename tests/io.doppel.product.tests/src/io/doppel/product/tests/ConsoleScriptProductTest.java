package io.doppel.product.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Await;

/**
 * The built console's start script, {@code bin/doppel-console}: the console ends with exit code 23
 * when it must start again (Restart Now after Install New Software), and there is no native
 * launcher to do that, so the script does it. The Java runtime is a stand-in here, given through
 * {@code JAVA_HOME} as an admin would give another one: it records how it was started and ends as
 * the test tells it, so the script's own behaviour is what is checked.
 */
class ConsoleScriptProductTest {

    @TempDir
    Path dir;

    /** The materialised console beside the agent product. */
    private static Path console() {
        Path agent = AgentProcess.productDir();
        Path console = Path.of(agent.toString().replace("io.doppel.agent.product", "io.doppel.console.product"));
        assertTrue(Files.isExecutable(console.resolve("bin/doppel-console")), "no built console at " + console);
        return console;
    }

    /** A stand-in {@code java}: answers the version probe, then ends with the codes in {@code codes}, one per start. */
    private Path javaHome(String... codes) throws IOException {
        Path home = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Path java = home.resolve("bin/java");
        Files.writeString(java, """
                #!/bin/sh
                case "$*" in *-XshowSettings*) echo "    java.specification.version = 25" >&2; exit 0 ;; esac
                n=$(cat "$STANDIN_DIR/starts" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$STANDIN_DIR/starts"
                echo "$*" >> "$STANDIN_DIR/args"
                code=$(sed -n "${n}p" "$STANDIN_DIR/codes")
                if [ "$code" = wait ]; then echo $$ > "$STANDIN_DIR/waiting"; exec sleep 120; fi
                exit "$code"
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.write(dir.resolve("codes"), List.of(codes));
        return home;
    }

    private Process start(Path javaHome) throws IOException {
        ProcessBuilder b = new ProcessBuilder(console().resolve("bin/doppel-console").toString(), "-consoleLog")
                .redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile());
        b.environment().put("JAVA_HOME", javaHome.toString());
        b.environment().put("DISPLAY", ":0");
        b.environment().put("DOPPEL_CONSOLE_DATA", dir.resolve("data").toString());
        b.environment().put("STANDIN_DIR", dir.toString());
        return b.start();
    }

    @Test
    void exitCode23StartsTheConsoleAgainWithTheSameArgumentsAndOtherCodesEndTheScript() throws Exception {
        Process script = start(javaHome("23", "23", "7"));
        assertTrue(script.waitFor(60, TimeUnit.SECONDS), "the script ends");
        String out = Files.readString(dir.resolve("out"));
        assertEquals(7, script.exitValue(), "the console's own exit code: " + out);
        List<String> starts = Files.readAllLines(dir.resolve("args"));
        assertEquals(3, starts.size(), "started, restarted twice, then ended: " + starts + "\n" + out);
        assertTrue(starts.stream().allMatch(starts.get(0)::equals), "each start as the first: " + starts);
        assertTrue(starts.get(0).contains("-jar " + console().resolve("plugins")) && starts.get(0).contains("-data "
                + dir.resolve("data")) && starts.get(0).endsWith("-consoleLog"), "launcher, data and arguments: "
                        + starts.get(0));
        assertTrue(out.contains("doppel-console: starting again to complete the restart"), out);
    }

    @Test
    void aSignalToTheScriptEndsTheConsoleItStarted() throws Exception {
        Process script = start(javaHome("23", "wait"));
        Path waiting = dir.resolve("waiting");
        Await.awaitCondition(Duration.ofSeconds(60), () -> Files.exists(waiting) && !readQuietly(waiting).isBlank(),
                "the restarted console to run");
        long console = Long.parseLong(readQuietly(waiting).strip());
        ProcessHandle consoleProcess = ProcessHandle.of(console).orElseThrow();
        new ProcessBuilder("kill", "-TERM", Long.toString(script.pid())).start().waitFor();
        assertTrue(script.waitFor(60, TimeUnit.SECONDS), "the script ends on TERM");
        assertTrue(consoleProcess.onExit().isDone() || !consoleProcess.isAlive(), "the console ended with it");
        assertEquals(143, script.exitValue(), "the console's end by TERM is the script's: "
                + Files.readString(dir.resolve("out")));
        assertEquals(2, Files.readAllLines(dir.resolve("args")).size(), "not started again after a signal");
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
