package io.doppel.console.internal.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.doppel.api.agent.AgentIdentity;
import io.doppel.api.agent.AgentStatus;
import io.doppel.console.internal.model.AgentSnapshot;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerModelListener;
import io.doppel.console.internal.model.ServerState;
import io.doppel.console.internal.model.UnsavedStore;
import io.doppel.management.AgentAddress;

class ServerConnectorTest {

    static final String FINGERPRINT = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF"
            + ":01:23:45:67:89";
    static final AgentStatus STATUS = new AgentStatus(new AgentIdentity("alpha", FINGERPRINT), "0.1.0", "alpha.example",
            Instant.parse("2025-01-01T00:00:00Z"), 3_700, List.of(), List.of(), List.of());

    private final ServerModel model = new ServerModel(new UnsavedStore());
    private final List<ConnectionState> seen = new ArrayList<>();

    private Server server() throws Exception {
        model.addListener(new ServerModelListener() {
            @Override
            public void serverAdded(Server server) {
                // only state changes matter here
            }

            @Override
            public void serverRemoved(Server server) {
                // only state changes matter here
            }

            @Override
            public void serverChanged(Server server) {
                seen.add(server.state().connection());
            }
        });
        return model.add(new ServerEntry(AgentAddress.parse("127.0.0.1:7420"), Path.of("/t")));
    }

    @Test
    void aReachableAgentEndsConnectedWithItsStatus() throws Exception {
        Server server = server();
        ServerState outcome = new ServerConnector(model, (entry, after) -> AgentSnapshot.of(STATUS)).refreshNow(server);

        assertEquals(ConnectionState.CONNECTED, outcome.connection());
        assertSame(STATUS, server.state().status());
        assertEquals(List.of(ConnectionState.CONNECTING, ConnectionState.CONNECTED), seen);
        assertEquals(FINGERPRINT, server.entry().fingerprint(), "the first agent that answered is pinned");
    }

    @Test
    void anAgentThatIntroducesItselfWithNoFingerprintIsNotPinned() throws Exception {
        Server server = server();
        AgentStatus odd = new AgentStatus(new AgentIdentity("alpha", "not-a-fingerprint"), "0.1.0", "alpha.example",
                Instant.parse("2025-01-01T00:00:00Z"), 1, List.of(), List.of(), List.of());
        List<String> warnings = new ArrayList<>();
        new ServerConnector(model, (entry, after) -> AgentSnapshot.of(odd), warnings::add).refreshNow(server);
        assertEquals(ConnectionState.CONNECTED, server.state().connection());
        assertNull(server.entry().fingerprint());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("nothing is pinned"), warnings.get(0));
    }

    @Test
    void aFailureEndsInItsStateWithItsMessageAndDropsTheOldStatus() throws Exception {
        Server server = server();
        new ServerConnector(model, (entry, after) -> AgentSnapshot.of(STATUS)).refreshNow(server);
        ServerState outcome = new ServerConnector(model, (entry, after) -> {
            throw new ConnectFailure(ConnectionState.AUTH_FAILED, "agent at 127.0.0.1:7420: token refused", null);
        }).refreshNow(server);

        assertEquals(ConnectionState.AUTH_FAILED, outcome.connection());
        assertEquals("agent at 127.0.0.1:7420: token refused", outcome.problem());
        assertNull(outcome.status());
    }

    @Test
    void aBugIsRecordedAsAConsoleErrorAndRethrown() throws Exception {
        Server server = server();
        IllegalStateException bug = new IllegalStateException("boom");
        assertSame(bug, assertThrows(IllegalStateException.class, () -> new ServerConnector(model, (entry, after) -> {
            throw bug;
        }).refreshNow(server)));
        assertEquals(ConnectionState.CONSOLE_ERROR, server.state().connection());
        assertTrue(server.state().problem().contains("boom"));
    }
}
