package io.doppel.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonParser;

/** The CLI's behaviour that needs no agent: usage, errors, exit codes. Agent-facing runs are in tests/. */
class DoppelCliTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return DoppelCli.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private int run(String... args) {
        return run(Map.of(), args);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsCommandsAndExitCodes() {
        assertEquals(0, run("--help"));
        assertTrue(stdout().contains("status"));
        assertTrue(stdout().contains("Exit codes"));
    }

    @Test
    void everyCommandHasHelp() {
        assertEquals(0, run("status", "--help"));
        assertTrue(stdout().contains("Usage: doppel"));
        assertEquals(0, run("help", "commands"));
        assertTrue(stdout().contains("commands"));
    }

    @Test
    void noCommandIsAUsageError() {
        assertEquals(Exit.USAGE.code, run());
    }

    @Test
    void unknownCommandIsOneLineAndUsageExit() {
        assertEquals(Exit.USAGE.code, run("--agent", "127.0.0.1:1", "frobnicate"));
        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().startsWith("doppel: unknown command 'frobnicate'"), stderr());
    }

    @Test
    void unknownOptionAndMissingValueAreUsageErrors() {
        assertEquals(Exit.USAGE.code, run("--frob", "status"));
        assertEquals(Exit.USAGE.code, run("--agent"));
        assertEquals(Exit.USAGE.code, run("--timeout", "-3", "status"));
    }

    @Test
    void badAddressIsAUsageError() {
        assertEquals(Exit.USAGE.code, run("--agent", "host:notaport", "--token-file", "x", "status"));
        assertTrue(stderr().contains("bad agent address 'host:notaport'"), stderr());
    }

    @Test
    void missingAgentIsAUsageError() {
        assertEquals(Exit.USAGE.code, run("status"));
        assertTrue(stderr().contains("which agent?"), stderr());
    }

    @Test
    void missingTokenFileSaysWhereTokensComeFrom() {
        assertEquals(Exit.CREDENTIALS.code, run("--agent", "127.0.0.1:1", "--token-file",
                dir.resolve("none").toString(), "status"));
        assertTrue(stderr().contains("at first start"), stderr());
    }

    @Test
    void unreachableAgentHasItsOwnExitCode() throws Exception {
        Path token = dir.resolve("t");
        Files.writeString(token, "ab".repeat(32));
        int freePort;
        try (ServerSocket s = new ServerSocket(0)) {
            freePort = s.getLocalPort();
        }
        assertEquals(Exit.UNREACHABLE.code, run("--agent", "127.0.0.1:" + freePort, "--token-file", token.toString(),
                "status"));
        assertTrue(stderr().contains("connection refused"), stderr());
        assertEquals(1, stderr().lines().count(), stderr());
    }

    @Test
    void jsonErrorsAreJsonOnStdout() {
        assertEquals(Exit.USAGE.code, run("--json", "status"));
        var error = JsonParser.parseString(stdout()).getAsJsonObject().getAsJsonObject("error");
        assertEquals(Exit.USAGE.code, error.get("exitCode").getAsInt());
        assertTrue(error.get("message").getAsString().contains("which agent?"));
        assertEquals("", stderr());
    }

    @Test
    void environmentNamesTheAgentAndOptionsWin() {
        assertEquals(Exit.USAGE.code, run(Map.of("DOPPEL_AGENT", "bad:addr"), "status"));
        assertTrue(stderr().contains("bad:addr"));
    }

    @Test
    void homeWithoutRunningAgentSaysSo() {
        assertEquals(Exit.UNREACHABLE.code, run("--home", dir.toString(), "status"));
        assertTrue(stderr().contains("no agent is running with home"), stderr());
    }

    @Test
    void formatsUptime() {
        assertEquals("0m 59s", StatusCommand.duration(59));
        assertEquals("1h 01m 01s", StatusCommand.duration(3661));
        assertEquals("2d 00h 00m", StatusCommand.duration(172800));
    }
}
