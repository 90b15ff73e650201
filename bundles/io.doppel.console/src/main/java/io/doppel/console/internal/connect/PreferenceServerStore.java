package io.doppel.console.internal.connect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.eclipse.core.runtime.ILog;
import org.osgi.service.prefs.BackingStoreException;
import org.osgi.service.prefs.Preferences;

import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.model.ServerStore;
import io.doppel.management.AgentAddress;

/**
 * Keeps the server list in the console's instance preferences (inside the {@code -data} folder):
 * one child node per server, named by its position, with the keys {@value #ADDRESS} and
 * {@value #TOKEN_FILE} and, once known, {@value #FINGERPRINT}. Tokens themselves are never stored, only the path to them.
 */
public final class PreferenceServerStore implements ServerStore {

    static final String ADDRESS = "address";
    static final String TOKEN_FILE = "tokenFile";
    static final String FINGERPRINT = "fingerprint";

    private static final ILog LOG = ILog.of(PreferenceServerStore.class);

    private final Preferences node;

    /** @param node the node that holds one child per server and nothing else */
    public PreferenceServerStore(Preferences node) {
        this.node = Objects.requireNonNull(node, "node");
    }

    @Override
    public List<ServerEntry> load() {
        List<ServerEntry> entries = new ArrayList<>();
        try {
            String[] children = node.childrenNames();
            Arrays.sort(children, PreferenceServerStore::byPosition);
            for (String child : children) {
                Preferences server = node.node(child);
                String address = server.get(ADDRESS, "");
                String tokenFile = server.get(TOKEN_FILE, "");
                try {
                    entries.add(new ServerEntry(AgentAddress.parse(address), Path.of(tokenFile),
                            server.get(FINGERPRINT, null)));
                } catch (IllegalArgumentException e) { // also InvalidPathException
                    LOG.warn("Skipping saved server " + child + " in " + node.absolutePath() + ": " + e.getMessage());
                }
            }
        } catch (BackingStoreException e) {
            LOG.error("Cannot read the saved server list from " + node.absolutePath()
                    + "; the console starts with an empty list", e);
        }
        return entries;
    }

    @Override
    public void save(List<ServerEntry> entries) throws StoreException {
        try {
            for (String child : node.childrenNames()) {
                node.node(child).removeNode();
            }
            for (int i = 0; i < entries.size(); i++) {
                Preferences server = node.node(Integer.toString(i));
                server.put(ADDRESS, entries.get(i).address().toString());
                server.put(TOKEN_FILE, entries.get(i).tokenFile().toString());
                if (entries.get(i).fingerprint() != null) {
                    server.put(FINGERPRINT, entries.get(i).fingerprint());
                }
            }
            node.flush();
        } catch (BackingStoreException | IllegalStateException e) {
            throw new StoreException("cannot save the server list to the preferences at " + node.absolutePath()
                    + ": " + e.getMessage(), e);
        }
    }

    private static int byPosition(String a, String b) {
        return Long.compare(position(a), position(b));
    }

    private static long position(String child) {
        try {
            return Long.parseLong(child);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // foreign nodes sort last; they are skipped if they do not parse
        }
    }
}
