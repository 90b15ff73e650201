package io.doppel.console.internal.model;

import java.util.List;

/** Where the server list survives restarts. Only entries are kept, never learned state. */
public interface ServerStore {

    /** The saved entries, in the order they were saved; entries that no longer parse are skipped. */
    List<ServerEntry> load();

    void save(List<ServerEntry> entries) throws StoreException;

    /** Saving failed; the message says where and why. */
    final class StoreException extends Exception {

        private static final long serialVersionUID = 1L;

        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
