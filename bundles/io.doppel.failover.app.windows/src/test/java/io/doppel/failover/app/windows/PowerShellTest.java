package io.doppel.failover.app.windows;

import static io.doppel.failover.app.windows.testing.ScriptedRunner.has;
import static io.doppel.failover.app.windows.testing.ScriptedRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.failover.app.windows.testing.FakeContext;
import io.doppel.failover.app.windows.testing.ScriptedRunner;

class PowerShellTest {

    @Test
    void aSingleQuoteIsDoubledAndNothingIsExpanded() {
        assertEquals("'O''Brien'", PowerShell.quote("O'Brien"));
        assertEquals("'MSSQL$SALES'", PowerShell.quote("MSSQL$SALES"));
        assertEquals("'''; Stop-Computer; '''", PowerShell.quote("'; Stop-Computer; '"));
        assertEquals("'a\"b`c'", PowerShell.quote("a\"b`c"));
    }

    @Test
    void typographicSingleQuotesAreDoubledTooBecausePowerShellEndsStringsAtThem() {
        assertEquals("'O\u2019\u2019Brien \u2018\u2018x\u201B\u201B'", PowerShell.quote("O\u2019Brien \u2018x\u201B"));
    }

    @Test
    void anArrayHoldsEachValueQuoted() {
        assertEquals("@('DB01', 'O''Brien Mailboxes')", PowerShell.array(List.of("DB01", "O'Brien Mailboxes")));
        assertEquals("@()", PowerShell.array(List.of()));
    }

    @Test
    void theScriptTravelsEncodedSoTheCommandLineHoldsNoQuotes() throws ApplicationException {
        List<String> command = PowerShell.command("test", "'a \"b\" c'", "write less");
        assertEquals(List.of("powershell.exe", "-NoProfile", "-NonInteractive", "-EncodedCommand"),
                command.subList(0, 4));
        assertTrue(command.get(4).matches("[A-Za-z0-9+/=]+"));
        String script = ScriptedRunner.text(command);
        assertTrue(script.contains("\n'a \"b\" c'\n"), script);
        assertTrue(script.startsWith("$ErrorActionPreference = 'Stop'"), script);
    }

    @Test
    void aScriptTooLongForAWindowsCommandLineIsRefusedWithTheRemedy() {
        ApplicationException e = assertThrows(ApplicationException.class,
                () -> PowerShell.command("create share X", "'" + "x".repeat(12_000) + "'",
                        "configure fewer shares per failover"));
        assertEquals("the PowerShell script to create share X does not fit on a Windows command line: configure "
                + "fewer shares per failover", e.getMessage());
    }

    @Test
    void aFailedScriptIsReportedWithPowerShellsMessage() {
        assertEquals("Cannot find any service", PowerShell.error(result(1, "x\nFAILED|Cannot find any service\n")));
        assertEquals("exit code 2: boom", PowerShell.error(result(2, "boom")));
        assertEquals("exit code 3", PowerShell.error(result(3, " \n")));
        assertTrue(PowerShell.error(result(-1, "(killed after 5 s)")).startsWith("it did not end in time"));
        assertEquals("it did not end in time (killed after 5 s)",
                PowerShell.error(result(-1, "STOPPING\nkilled after 5 s\n")));
        assertEquals(Optional.of("second"), PowerShell.failure(result(1, "FAILED|first\nFAILED|second")));
        assertEquals(Optional.empty(), PowerShell.failure(result(1, "no message")));
    }

    private static CommandRunner.Result result(int exitCode, String output) {
        return new CommandRunner.Result(exitCode, output);
    }

    @Test
    void taggedLinesAreReadWithoutTheirTag() {
        CommandRunner.Result r = result(0, "MOUNTED|DB01\nNOT-MOUNTED|DB02|busy\nMOUNTED|O'Brien \n");
        assertEquals(List.of("DB01", "O'Brien"), PowerShell.tagged(r, "MOUNTED"));
        assertEquals(List.of("DB02|busy"), PowerShell.tagged(r, "NOT-MOUNTED"));
        assertEquals(List.of(), PowerShell.tagged(r, "UNKNOWN"));
    }

    @Test
    void aScriptRunsThroughTheContextsRunnerWithinTheDeadline() throws ApplicationException {
        ScriptedRunner runner = new ScriptedRunner().on("hello", has("'hello'"), ok("hi"));
        FakeContext context = new FakeContext("f", "s", Path.of("image"), Map.of(), Path.of("work"),
                Instant.now().plus(Duration.ofSeconds(30)), runner, new ArrayList<>());
        assertEquals("hi", PowerShell.run(context, Duration.ofHours(1), "greet", "'hello'", "none").output());
        assertEquals(List.of("hello"), runner.answered());
        assertEquals("powershell.exe", runner.runs().getFirst().command().getFirst());
        assertTrue(runner.runs().getFirst().timeout().compareTo(Duration.ofSeconds(30)) <= 0);
    }
}
