package io.doppel.engine.internal.peers;

import java.time.Instant;

/** Another agent this one trusts for replication, pinned by its certificate fingerprint. */
public record Peer(String name, String fingerprint, Instant trustedAt) {
}
