package io.doppel.console.internal.model;

import java.util.List;

/** For tests whose servers need not survive: starts empty, keeps nothing. */
public final class UnsavedStore implements ServerStore {

    @Override
    public List<ServerEntry> load() {
        return List.of();
    }

    @Override
    public void save(List<ServerEntry> entries) {
        // nothing is kept: these tests do not restart the console
    }
}
