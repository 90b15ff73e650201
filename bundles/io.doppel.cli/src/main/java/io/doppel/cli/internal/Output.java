package io.doppel.cli.internal;

import java.io.PrintStream;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.protocol.Json;

/** Where results and errors go: human text, or JSON on standard output with {@code --json}. */
final class Output {

    private final PrintStream out;
    private final PrintStream err;
    private final boolean json;

    Output(PrintStream out, PrintStream err, boolean json) {
        this.out = out;
        this.err = err;
        this.json = json;
    }

    boolean json() {
        return json;
    }

    void line(String text) {
        out.println(text);
    }

    void json(JsonElement element) {
        out.println(Json.PRETTY.toJson(element));
    }

    /** A line of progress for a person watching (on stderr, so that stdout stays the result). */
    void progress(String text) {
        err.println(text);
    }

    void error(CliException e) {
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
