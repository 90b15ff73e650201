package io.doppel.console.internal.connect;

import java.util.Objects;

import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerState;

/** One refresh of one server, start to end, recorded in the model. Blocking. */
public final class ServerConnector {

    private final ServerModel model;
    private final StatusSource source;

    public ServerConnector(ServerModel model, StatusSource source) {
        this.model = Objects.requireNonNull(model, "model");
        this.source = Objects.requireNonNull(source, "source");
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
            outcome = ServerState.connected(source.fetch(server.entry(), server.events().lastId()));
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

    private static String describe(ConnectFailure failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.state().label() : message;
    }
}
