package io.doppel.cli.internal;

import java.io.PrintStream;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.protocol.Json;

/** Where results and errors go: human text, or JSON on standard output with {@code --json}. */
final class Output {

    private static final int BAR = 30;

    private final PrintStream out;
    private final PrintStream err;
    private final boolean json;
    private final boolean terminal;
    private boolean barShown;

    Output(PrintStream out, PrintStream err, boolean json) {
        this(out, err, json, false);
    }

    /** {@code terminal}: a person watches a terminal, so progress is a bar redrawn in place. */
    Output(PrintStream out, PrintStream err, boolean json, boolean terminal) {
        this.out = out;
        this.err = err;
        this.json = json;
        this.terminal = terminal;
    }

    /**
     * Whether progress goes to a terminal: {@code DOPPEL_PROGRESS=bar} or {@code lines} decides;
     * otherwise a bar when the process runs in a terminal.
     */
    static boolean terminal(java.util.Map<String, String> env) {
        String wanted = env.getOrDefault("DOPPEL_PROGRESS", "");
        if (wanted.equals("bar") || wanted.equals("lines")) {
            return wanted.equals("bar");
        }
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try { // Java 22 and later: a console exists without a terminal too
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before Java 22 a console means a terminal
        }
    }

    boolean json() {
        return json;
    }

    /** Whether progress is drawn as a bar (a person at a terminal). */
    boolean terminal() {
        return terminal && !json;
    }

    void line(String text) {
        endProgress();
        out.println(text);
    }

    void json(JsonElement element) {
        endProgress();
        out.println(Json.PRETTY.toJson(element));
    }

    /** A line of progress for a person watching (on stderr, so that stdout stays the result). */
    void progress(String text) {
        progress(text, -1);
    }

    /**
     * Progress, {@code fraction} done (0..1, or negative if unknown): at a terminal a bar redrawn in
     * place on stderr, otherwise a line.
     */
    void progress(String text, double fraction) {
        if (!terminal()) {
            err.println(text);
            return;
        }
        StringBuilder b = new StringBuilder("\r\033[K");
        if (fraction >= 0) {
            int filled = (int) Math.round(Math.min(1, fraction) * BAR);
            b.append('[').append("#".repeat(filled)).append(".".repeat(BAR - filled)).append("] ")
                    .append(String.format("%3d%% ", (int) Math.floor(Math.min(1, fraction) * 100)));
        }
        b.append(text);
        err.print(b);
        err.flush();
        barShown = true;
    }

    /** Ends a bar drawn in place, so that what follows starts on a line of its own. */
    void endProgress() {
        if (barShown) {
            err.println();
            barShown = false;
        }
    }

    void error(CliException e) {
        endProgress();
        if (json && e.exit() == Exit.DIFFERENCES) {
            return; // the report printed on stdout says what differs
        }
        if (json) {
            JsonObject error = new JsonObject();
            error.addProperty("code", e.code());
            error.addProperty("exitCode", e.exit().code);
            error.addProperty("message", e.getMessage());
            JsonObject wrapper = new JsonObject();
            wrapper.add("error", error);
            out.println(Json.PRETTY.toJson(wrapper));
        } else {
            err.println("doppel: " + e.getMessage());
        }
    }
}
