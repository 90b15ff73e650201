package io.doppel.engine.internal.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.reflect.TypeToken;

import io.doppel.agent.AgentHome;
import io.doppel.management.protocol.Json;

/**
 * The agents this one trusts for replication (pairing), persisted in
 * {@code <home>/state/peers/peers.json}. Replication connections are mutual TLS; a peer whose
 * certificate fingerprint is not here is refused at the handshake, in both directions.
 */
@Component(service = PeerStore.class)
public final class PeerStore {

    private static final Logger LOG = LoggerFactory.getLogger(PeerStore.class);
    private static final Pattern FINGERPRINT = Pattern.compile("([0-9A-F]{2}:){31}[0-9A-F]{2}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Path file;
    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private final List<Consumer<Peer>> revocationListeners = new CopyOnWriteArrayList<>();

    @Activate
    public PeerStore(@Reference AgentHome home) throws IOException {
        this.file = home.area("peers").resolve("peers.json");
        if (Files.exists(file)) {
            List<Peer> loaded = Json.GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8),
                    new TypeToken<List<Peer>>() { }.getType());
            if (loaded != null) {
                peers.addAll(loaded);
            }
        }
    }

    /** Normalises a fingerprint as admins paste it (any case, with or without colons). */
    public static String normalise(String fingerprint) {
        String hex = fingerprint.strip().replace(":", "").toUpperCase(Locale.ROOT);
        if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("'" + fingerprint + "' is not a SHA-256 fingerprint (64 hex digits, "
                    + "colons optional); 'doppel status' on the other agent shows it");
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 64; i += 2) {
            b.append(i == 0 ? "" : ":").append(hex, i, i + 2);
        }
        String result = b.toString();
        if (!FINGERPRINT.matcher(result).matches()) {
            throw new IllegalStateException(result);
        }
        return result;
    }

    public List<Peer> list() {
        return List.copyOf(peers);
    }

    public boolean isTrusted(String fingerprint) {
        return peers.stream().anyMatch(p -> p.fingerprint().equals(fingerprint));
    }

    public String nameOf(String fingerprint) {
        return peers.stream().filter(p -> p.fingerprint().equals(fingerprint)).map(Peer::name).findFirst()
                .orElse("unknown peer " + fingerprint);
    }

    /** Trusts a peer; replaces an earlier entry of the same name or fingerprint. */
    public synchronized Peer trust(String name, String fingerprint) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("peer name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        String fp = normalise(fingerprint);
        Peer peer = new Peer(name, fp, Instant.now());
        List<Peer> next = new ArrayList<>(peers);
        next.removeIf(p -> p.name().equals(name) || p.fingerprint().equals(fp));
        next.add(peer);
        save(next);
        LOG.info("Security: peer '{}' ({}) is now trusted for replication", name, fp);
        return peer;
    }

    /** Revokes a peer by name or fingerprint; open connections of that peer are closed. */
    public synchronized Peer revoke(String nameOrFingerprint) {
        Peer found = peers.stream().filter(p -> p.name().equals(nameOrFingerprint)
                || p.fingerprint().equalsIgnoreCase(nameOrFingerprint)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no trusted peer '" + nameOrFingerprint + "'"));
        List<Peer> next = new ArrayList<>(peers);
        next.remove(found);
        save(next);
        LOG.warn("Security: peer '{}' ({}) revoked", found.name(), found.fingerprint());
        revocationListeners.forEach(l -> l.accept(found));
        return found;
    }

    /** Called with each revoked peer, so open sessions can be closed. */
    public void onRevocation(Consumer<Peer> listener) {
        revocationListeners.add(listener);
    }

    public void removeRevocationListener(Consumer<Peer> listener) {
        revocationListeners.remove(listener);
    }

    private void save(List<Peer> next) {
        try {
            Path tmp = file.resolveSibling("peers.json.tmp");
            Files.writeString(tmp, Json.PRETTY.toJson(next), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save trusted peers to " + file + ": " + e.getMessage(), e);
        }
        peers.clear();
        peers.addAll(next);
    }
}
