package io.doppel.console.internal.model;

import java.nio.file.Path;
import java.util.Objects;

import io.doppel.management.AgentAddress;

/**
 * What the admin entered for one server, and all that is persisted of it: where its management
 * endpoint listens and which token file grants access.
 *
 * @param address   the agent's management address
 * @param tokenFile the agent's management token, as a file readable by the console user
 */
public record ServerEntry(AgentAddress address, Path tokenFile) {

    public ServerEntry {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tokenFile, "tokenFile");
    }
}
