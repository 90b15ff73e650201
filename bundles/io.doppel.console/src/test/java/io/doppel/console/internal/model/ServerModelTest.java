package io.doppel.console.internal.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.doppel.management.AgentAddress;

class ServerModelTest {

    private static final ServerEntry A = entry("10.0.0.1:7420");
    private static final ServerEntry B = entry("10.0.0.2:7420");

    static ServerEntry entry(String address) {
        return new ServerEntry(AgentAddress.parse(address), Path.of("/tokens/" + address));
    }

    /** Keeps what was saved, like preferences would. */
    static final class MemoryStore implements ServerStore {
        List<ServerEntry> saved = new ArrayList<>();

        @Override
        public List<ServerEntry> load() {
            return List.copyOf(saved);
        }

        @Override
        public void save(List<ServerEntry> entries) {
            saved = new ArrayList<>(entries);
        }
    }

    @Test
    void addedAndRemovedServersAreSavedInOrder() throws Exception {
        MemoryStore store = new MemoryStore();
        ServerModel model = new ServerModel(store);
        Server a = model.add(A);
        model.add(B);
        assertEquals(List.of(A, B), store.saved);

        model.remove(a);
        assertEquals(List.of(B), store.saved);
    }

    @Test
    void aNewModelStartsWithTheSavedServersNotYetConnected() throws Exception {
        MemoryStore store = new MemoryStore();
        store.save(List.of(A, B, A));
        ServerModel model = new ServerModel(store);
        assertEquals(List.of(A, B), model.servers().stream().map(Server::entry).toList());
        assertTrue(model.servers().stream().allMatch(s -> s.state().connection() == ConnectionState.NEW));
    }

    @Test
    void theSameAddressCannotBeAddedTwice() throws Exception {
        ServerModel model = new ServerModel(new MemoryStore());
        model.add(A);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.add(new ServerEntry(A.address(), Path.of("/other"))));
        assertEquals("the agent at 10.0.0.1:7420 is already in the list", e.getMessage());
    }

    @Test
    void listenersHearOfEveryChangeAndUpdatesOfRemovedServersAreDropped() throws Exception {
        ServerModel model = new ServerModel(new MemoryStore());
        List<String> heard = new ArrayList<>();
        model.addListener(new ServerModelListener() {
            @Override
            public void serverAdded(Server server) {
                heard.add("added " + server.entry().address());
            }

            @Override
            public void serverRemoved(Server server) {
                heard.add("removed " + server.entry().address());
            }

            @Override
            public void serverChanged(Server server) {
                heard.add("changed " + server.entry().address() + " " + server.state().connection());
            }
        });
        Server a = model.add(A);
        model.update(a, a.state().connecting());
        model.remove(a);
        model.update(a, ServerState.failed(ConnectionState.UNREACHABLE, "gone"));

        assertEquals(List.of("added 10.0.0.1:7420", "changed 10.0.0.1:7420 CONNECTING", "removed 10.0.0.1:7420"), heard);
        assertEquals(ConnectionState.CONNECTING, a.state().connection());
    }
}
