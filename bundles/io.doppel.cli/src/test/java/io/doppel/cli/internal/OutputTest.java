package io.doppel.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Progress: a bar redrawn in place for a person at a terminal, lines for everyone else. */
class OutputTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Output output(boolean terminal, boolean json) {
        return new Output(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8), json, terminal);
    }

    @Test
    void atATerminalTheBarIsRedrawnInPlaceAndEndsBeforeTheResult() {
        Output o = output(true, false);
        o.progress("copying", 0.5);
        o.progress("copying more", 1.0);
        o.line("mirror: done");
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals("\r\033[K[###############...............]  50% copying"
                + "\r\033[K[##############################] 100% copying more\n", e);
        assertEquals("mirror: done\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void elsewhereProgressIsLinesAndJsonOutputHasNoBar() {
        Output lines = output(false, false);
        lines.progress("copying", 0.5);
        assertEquals("copying\n", err.toString(StandardCharsets.UTF_8));
        assertFalse(output(true, true).terminal(), "--json output is for programs: no bar");
    }

    @Test
    void theEnvironmentChoosesBarOrLines() {
        assertTrue(Output.terminal(Map.of("DOPPEL_PROGRESS", "bar")));
        assertFalse(Output.terminal(Map.of("DOPPEL_PROGRESS", "lines")));
    }
}
