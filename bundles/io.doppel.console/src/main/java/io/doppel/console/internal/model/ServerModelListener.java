package io.doppel.console.internal.model;

/**
 * Hears of changes to the server list. Called on whichever thread made the change (background
 * jobs included): UI listeners must hop to the display thread themselves.
 */
public interface ServerModelListener {

    void serverAdded(Server server);

    void serverRemoved(Server server);

    /** The server's {@link Server#state() state} changed. */
    void serverChanged(Server server);

    /**
     * The agent logged these events since the last refresh, oldest first; {@link #serverChanged} came
     * just before.
     */
    default void eventsAdded(Server server, java.util.List<io.doppel.api.event.Event> events) {
    }
}
