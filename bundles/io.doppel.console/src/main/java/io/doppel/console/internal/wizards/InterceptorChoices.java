package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.console.internal.wizards.CapturePage.Choice;

/** The interceptors an agent lists ({@code capture.interceptors}) as choices for a job. */
final class InterceptorChoices {

    private InterceptorChoices() {
    }

    /**
     * "Best available" first (with the guarantees of the one it uses), then each interceptor the agent has,
     * then {@code current} if the agent does not have it (it cannot run there).
     *
     * @param current the interceptor a job names now, or {@code null}
     * @param where   the agent's name, for the reasons
     */
    static List<Choice> of(JsonElement result, String current, String where) {
        Choice best = null;
        List<Choice> found = new ArrayList<>();
        for (JsonElement e : result.getAsJsonArray()) {
            JsonObject o = e.getAsJsonObject();
            Choice c = new Choice(o.get("id").getAsString(), flag(o, "available"), text(o, "reason"),
                    flag(o, "byteLevel"), flag(o, "totalOrder"), flag(o, "synchronous"), text(o, "limitations"));
            found.add(c);
            if (flag(o, "best")) {
                best = c;
            }
        }
        List<Choice> choices = new ArrayList<>();
        choices.add(best == null ? new Choice(null, false, "no interceptor can run on " + where, false, false, false, "")
                : new Choice(null, true, "uses " + best.id(), best.byteLevel(), best.totalOrder(), best.synchronous(),
                        best.limitations()));
        choices.addAll(found);
        if (current != null && found.stream().noneMatch(c -> c.id().equals(current))) {
            choices.add(new Choice(current, false, "not installed on " + where, false, false, false, ""));
        }
        return choices;
    }

    /** What the list shows for a choice: "Best available (uses watch)", "watch", "fuse (cannot run here)". */
    static String label(Choice c) {
        return c.id() == null ? CapturePage.BEST + (c.reason().isEmpty() ? "" : " (" + c.reason() + ")")
                : c.id() + (c.available() || c.reason().isEmpty() ? "" : " (cannot run here)");
    }

    private static boolean flag(JsonObject o, String field) {
        return o.has(field) && o.get(field).getAsBoolean();
    }

    private static String text(JsonObject o, String field) {
        return o.has(field) && !o.get(field).isJsonNull() ? o.get(field).getAsString() : "";
    }
}
