package io.doppel.console.internal.ui;

import java.util.function.Function;

import io.doppel.api.agent.AgentStatus;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerState;

/** The columns of the Servers view: header, initial width and the text of a server's cell. */
public enum ServerColumn {

    NAME("Name", 150, s -> known(s, st -> st.identity().name())),
    ADDRESS("Address", 150, s -> s.entry().address().toString()),
    STATE("State", 130, s -> s.state().connection().label()),
    VERSION("Version", 150, s -> known(s, AgentStatus::version)),
    UPTIME("Uptime", 90, s -> known(s, st -> Durations.brief(st.uptimeSeconds()))),
    JOBS("Jobs", 50, s -> known(s, st -> Integer.toString(st.jobs().size()))),
    FINGERPRINT("Fingerprint", 220, s -> known(s, st -> st.identity().fingerprint())),
    PROBLEM("Problem", 420, s -> {
        String problem = s.state().problem();
        return problem == null ? "" : problem;
    });

    /** Shown where a value is not known (yet). */
    public static final String UNKNOWN = "\u2014";

    private final String header;
    private final int width;
    private final Function<Server, String> text;

    ServerColumn(String header, int width, Function<Server, String> text) {
        this.header = header;
        this.width = width;
        this.text = text;
    }

    public String header() {
        return header;
    }

    /** Initial width in pixels at 100% scale. */
    public int width() {
        return width;
    }

    public String text(Server server) {
        return text.apply(server);
    }

    private static String known(Server server, Function<AgentStatus, String> field) {
        ServerState state = server.state();
        if (state.status() == null) {
            return UNKNOWN;
        }
        String value = field.apply(state.status());
        return value == null || value.isBlank() ? UNKNOWN : value;
    }
}
