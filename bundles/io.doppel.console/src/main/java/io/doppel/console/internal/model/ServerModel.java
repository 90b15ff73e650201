package io.doppel.console.internal.model;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import io.doppel.management.AgentAddress;

/**
 * The console's list of servers. Thread-safe: jobs update states while the UI reads. Every change
 * of the list itself is saved to the {@link ServerStore} at once.
 */
public final class ServerModel {

    private final ServerStore store;
    private final List<Server> servers = new CopyOnWriteArrayList<>();
    private final List<ServerModelListener> listeners = new CopyOnWriteArrayList<>();

    /** Creates the model with the entries the store holds. */
    public ServerModel(ServerStore store) {
        this.store = store;
        for (ServerEntry entry : store.load()) {
            if (find(entry.address()).isEmpty()) {
                servers.add(new Server(entry));
            }
        }
    }

    /** A snapshot of the servers, in the order they were added. */
    public List<Server> servers() {
        return List.copyOf(servers);
    }

    /** Every job of every server, servers in order. */
    public List<JobRef> jobs() {
        return servers.stream().flatMap(s -> s.jobs().stream()).toList();
    }

    public Optional<Server> find(AgentAddress address) {
        return servers.stream().filter(s -> s.entry().address().equals(address)).findFirst();
    }

    public boolean contains(Server server) {
        return servers.contains(server);
    }

    /**
     * Adds a server and saves the list.
     *
     * @throws IllegalArgumentException if a server with that address is already listed
     * @throws ServerStore.StoreException if the list could not be saved (the server is added anyway)
     */
    public Server add(ServerEntry entry) throws ServerStore.StoreException {
        Server server;
        synchronized (servers) {
            if (find(entry.address()).isPresent()) {
                throw new IllegalArgumentException("the agent at " + entry.address() + " is already in the list");
            }
            server = new Server(entry);
            servers.add(server);
        }
        listeners.forEach(l -> l.serverAdded(server));
        save();
        return server;
    }

    /**
     * Removes a server and saves the list; does nothing if it is not listed.
     *
     * @throws ServerStore.StoreException if the list could not be saved (the server is removed anyway)
     */
    public void remove(Server server) throws ServerStore.StoreException {
        if (servers.remove(server)) {
            listeners.forEach(l -> l.serverRemoved(server));
            save();
        }
    }

    /** Records what the console learned about a server; ignored once the server was removed. */
    public void update(Server server, ServerState state) {
        if (!servers.contains(server)) {
            return;
        }
        java.util.List<io.doppel.api.event.Event> events = server.state(state);
        listeners.forEach(l -> l.serverChanged(server));
        if (!events.isEmpty()) {
            listeners.forEach(l -> l.eventsAdded(server, events));
        }
    }

    /**
     * Pins the agent's certificate fingerprint on the server's entry (the first connection's, when the
     * admin gave none) and saves the list.
     *
     * @throws ServerStore.StoreException if the list could not be saved (pinned for this session anyway)
     */
    public void pin(Server server, String fingerprint) throws ServerStore.StoreException {
        if (!servers.contains(server) || fingerprint.equals(server.entry().fingerprint())) {
            return;
        }
        server.entry(server.entry().pinned(fingerprint));
        save();
    }

    public void addListener(ServerModelListener listener) {
        listeners.add(listener);
    }

    public void removeListener(ServerModelListener listener) {
        listeners.remove(listener);
    }

    private void save() throws ServerStore.StoreException {
        store.save(servers.stream().map(Server::entry).toList());
    }
}
