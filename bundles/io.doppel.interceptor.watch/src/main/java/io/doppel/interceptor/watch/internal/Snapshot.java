package io.doppel.interceptor.watch.internal;

import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The tree as the target holds it once all emitted ops are applied, keyed by relative path. Keys
 * sort as strings, so a directory comes before everything beneath it (its path is a prefix of
 * theirs): forward order creates parents first, reverse order deletes children first. The root
 * itself is not an entry.
 */
final class Snapshot {

    private final int blockSize;
    private final TreeMap<String, Entry> entries;

    Snapshot(int blockSize) {
        this(blockSize, new TreeMap<>());
    }

    private Snapshot(int blockSize, TreeMap<String, Entry> entries) {
        this.blockSize = blockSize;
        this.entries = entries;
    }

    int blockSize() {
        return blockSize;
    }

    NavigableMap<String, Entry> entries() {
        return entries;
    }

    Entry get(String path) {
        return entries.get(path);
    }

    Snapshot copy() {
        return new Snapshot(blockSize, new TreeMap<>(entries));
    }

    /** The entries strictly beneath {@code path}. */
    NavigableMap<String, Entry> below(String path) {
        // "/" + 1 is "0"; siblings such as "a b" or "a.b" sort outside ["a/", "a0")
        return path.isEmpty() ? entries : entries.subMap(path + "/", true, path + "0", false);
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }
}
