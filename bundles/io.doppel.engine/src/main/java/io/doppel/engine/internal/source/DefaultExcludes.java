package io.doppel.engine.internal.source;

import java.util.List;
import java.util.regex.Pattern;

import io.doppel.api.op.RelPath;

/**
 * What no job replicates: editor swap and backup files, office lock files, and the file system's
 * {@code lost+found}. Admin-defined rules ({@link ReplicationRules}) come on top.
 */
final class DefaultExcludes {

    private static final List<Pattern> NAMES = List.of(Pattern.compile(".*\\.sw[a-p]"), Pattern.compile(".*~"),
            Pattern.compile("\\.#.*"), Pattern.compile("\\.~lock\\..*#"), Pattern.compile("#.*#"));

    /** How a preview names these excludes. */
    static final String RULE = "default exclude (swap, backup and lock files, lost+found)";

    private DefaultExcludes() {
    }

    static boolean included(RelPath path) {
        if (path.value().equals("lost+found")) {
            return false;
        }
        return !excludedName(path.name());
    }

    /**
     * Whether a name matches one of {@link #NAMES}: compared character by character (a walk asks
     * this of every entry), by the patterns only for a name with a line terminator, which their
     * {@code .} does not match.
     */
    static boolean excludedName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                return byPattern(name);
            }
        }
        int n = name.length();
        if (n >= 4 && name.charAt(n - 4) == '.' && name.charAt(n - 3) == 's' && name.charAt(n - 2) == 'w'
                && name.charAt(n - 1) >= 'a' && name.charAt(n - 1) <= 'p') {
            return true; // .*\.sw[a-p]
        }
        if (n >= 1 && name.charAt(n - 1) == '~') {
            return true; // .*~
        }
        if (name.startsWith(".#")) {
            return true; // \.#.*
        }
        if (n >= 8 && name.startsWith(".~lock.") && name.charAt(n - 1) == '#') {
            return true; // \.~lock\..*#
        }
        return n >= 2 && name.charAt(0) == '#' && name.charAt(n - 1) == '#'; // #.*#
    }

    /** {@link #excludedName} by the patterns themselves. */
    static boolean byPattern(String name) {
        return NAMES.stream().anyMatch(p -> p.matcher(name).matches());
    }
}
