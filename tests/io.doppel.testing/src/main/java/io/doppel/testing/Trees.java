package io.doppel.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Compares directory trees as replication must keep them: entries, types, content, modes, link targets. */
public final class Trees {

    private Trees() {
    }

    /**
     * Every entry under {@code root} (relative path → {@code dir rwxr-xr-x}, {@code file rw-r--r-- <sha-256>}
     * or {@code link <target>}), skipping names that start with one of {@code ignoredPrefixes}.
     */
    public static SortedMap<String, String> describe(Path root, String... ignoredPrefixes) {
        SortedMap<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(root) || ignored(root.relativize(p), ignoredPrefixes)) {
                    continue;
                }
                entries.put(root.relativize(p).toString(), entry(p));
            }
        } catch (NoSuchFileException e) {
            return entries;
        } catch (IOException | UncheckedIOException e) {
            // a tree changing while it is read: report what was readable; callers compare again
            entries.put("(unreadable)", String.valueOf(e.getMessage()));
        }
        return entries;
    }

    /** Deletes {@code root} and everything beneath it (symlinks are not followed); nothing if it is absent. */
    public static void delete(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Whether the two trees are equal; false (not an exception) while either is changing. */
    public static boolean same(Path a, Path b, String... ignoredPrefixes) {
        return describe(a, ignoredPrefixes).equals(describe(b, ignoredPrefixes));
    }

    /** A readable difference, for failure messages. */
    public static String difference(Path a, Path b, String... ignoredPrefixes) {
        Map<String, String> left = describe(a, ignoredPrefixes);
        Map<String, String> right = describe(b, ignoredPrefixes);
        StringBuilder out = new StringBuilder();
        for (String k : new java.util.TreeSet<>(union(left, right))) {
            String l = left.get(k);
            String r = right.get(k);
            if (l == null || !l.equals(r)) {
                out.append(k).append(": ").append(l).append(" vs ").append(r).append('\n');
                if (out.length() > 4000) {
                    break;
                }
            }
        }
        return out.toString();
    }

    private static java.util.Set<String> union(Map<String, String> a, Map<String, String> b) {
        java.util.Set<String> keys = new java.util.HashSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    private static boolean ignored(Path relative, String[] prefixes) {
        for (Path part : relative) {
            for (String prefix : prefixes) {
                if (part.toString().startsWith(prefix)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String entry(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) {
            return "link " + Files.readSymbolicLink(p);
        }
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return "dir " + mode;
        }
        return "file " + mode + " " + sha256(p);
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0;) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
