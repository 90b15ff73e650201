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
        String name = path.name();
        return NAMES.stream().noneMatch(p -> p.matcher(name).matches());
    }
}
