package io.doppel.console.internal.connect;

import java.util.Objects;
import java.util.function.Consumer;

import org.eclipse.core.runtime.ILog;

import io.doppel.console.internal.model.AgentSnapshot;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerState;
import io.doppel.console.internal.model.ServerStore;

/** One refresh of one server, start to end, recorded in the model. Blocking. */
public final class ServerConnector {

    private final ServerModel model;
    private final StatusSource source;
    private final Consumer<String> warnings;

    public ServerConnector(ServerModel model, StatusSource source) {
        this.model = Objects.requireNonNull(model, "model");
        this.source = Objects.requireNonNull(source, "source");
        this.warnings = message -> ILog.of(ServerConnector.class).warn(message);
    }

    /** @param warnings told what the admin should know but that does not fail the refresh (the log) */
    public ServerConnector(ServerModel model, StatusSource source, Consumer<String> warnings) {
        this.model = Objects.requireNonNull(model, "model");
        this.source = Objects.requireNonNull(source, "source");
        this.warnings = Objects.requireNonNull(warnings, "warnings");
    }

    /**
     * Shows the server as connecting, asks the agent and records the outcome, which it returns.
     *
     * @throws RuntimeException a bug met on the way, after recording it as a console error so the
     *                          row does not stay "Connecting"; callers log it
     */
    public ServerState refreshNow(Server server) {
        return refresh(server, true);
    }

    /**
     * Asks the agent again without showing the server as connecting first: the periodic refresh, which
     * must not make every row flicker.
     */
    public ServerState refreshQuietly(Server server) {
        return refresh(server, false);
    }

    private ServerState refresh(Server server, boolean showConnecting) {
        if (showConnecting) {
            model.update(server, server.state().connecting());
        }
        ServerState outcome;
        try {
            AgentSnapshot snapshot = source.fetch(server.entry(), server.events().lastId());
            if (server.entry().fingerprint() == null) {
                pin(server, snapshot.status().identity().fingerprint());
            }
            outcome = ServerState.connected(snapshot);
        } catch (ConnectFailure e) {
            outcome = ServerState.failed(e.state(), describe(e));
        } catch (RuntimeException e) {
            model.update(server, ServerState.failed(ConnectionState.CONSOLE_ERROR,
                    "the console failed while talking to " + server.entry().address() + ": " + e));
            throw e;
        }
        model.update(server, outcome);
        return outcome;
    }

    /** Trust on first use: the agent that answered the first time is the one this server must stay. */
    private void pin(Server server, String fingerprint) {
        try {
            model.pin(server, fingerprint);
        } catch (ServerStore.StoreException e) {
            warnings.accept("The fingerprint of the agent at " + server.entry().address() + " is pinned for this session only: "
                    + e.getMessage());
        } catch (IllegalArgumentException e) {
            warnings.accept("The agent at " + server.entry().address() + " introduced itself with '" + fingerprint
                    + "', which is no certificate fingerprint; nothing is pinned: " + e.getMessage());
        }
    }

    private static String describe(ConnectFailure failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.state().label() : message;
    }
}
