package io.doppel.failover.app.windows.sqlserver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.doppel.api.failover.app.CommandRunner;

class OutputTest {

    @Test
    void aFailedScriptIsReportedWithPowerShellsLastMessage() {
        assertEquals("Cannot stop service", Output.error(new CommandRunner.Result(1,
                "STOPPING\nFAILED|Cannot open service\nFAILED|Cannot stop service\n")));
    }

    @Test
    void withoutAMessageTheExitCodeAndTheEndOfWhatWasPrintedAreReported() {
        assertEquals("exit code 2: Msg 18456\nLogin failed", Output.error(new CommandRunner.Result(2,
                "\nMsg 18456\nLogin failed\n")));
    }

    @Test
    void aScriptKilledAtItsTimeoutSaysSoWithWhatItPrinted() {
        assertEquals("it did not end in time (STOPPING\n(killed after 5 s))", Output.error(new CommandRunner.Result(-1,
                "STOPPING\n(killed after 5 s)")));
    }

    @Test
    void longOutputIsCutToItsEnd() {
        String tail = Output.tail("x".repeat(1000) + "y".repeat(300) + "\n");
        assertEquals("…" + "y".repeat(300), tail);
        assertEquals("short", Output.tail("  short \n"));
    }
}
