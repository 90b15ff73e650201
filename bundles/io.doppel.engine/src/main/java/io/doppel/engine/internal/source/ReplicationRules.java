package io.doppel.engine.internal.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.doppel.api.op.RelPath;

/**
 * A job's replication set: ordered include ({@code +}) and exclude ({@code -}) rules, the first
 * that matches a path decides, and a path no rule matches is included (after the default
 * excludes). Written as admins write rsync filters:
 *
 * <pre>
 * - *.tmp              a name anywhere
 * - cache/             a directory (and everything in it) anywhere
 * + logs/keep/**       anchored at the protected root (the pattern has a '/')
 * - logs/**
 * - @other-volumes     directories on another file system than the root (mount points)
 * </pre>
 *
 * {@code *} matches within one path component, {@code **} across components, {@code ?} one
 * character. Excluding a directory excludes what is beneath it.
 */
public final class ReplicationRules {

    private record Rule(boolean include, Pattern pattern, boolean directoryOnly, String text) {
    }

    private final List<String> texts;
    private final List<Rule> rules;
    private final boolean sameVolumeOnly;
    private final java.util.function.Supplier<Path> root;
    private final Map<RelPath, Boolean> volumeCache = new ConcurrentHashMap<>();

    private ReplicationRules(List<String> texts, List<Rule> rules, boolean sameVolumeOnly,
            java.util.function.Supplier<Path> root) {
        this.texts = texts;
        this.rules = rules;
        this.sameVolumeOnly = sameVolumeOnly;
        this.root = root;
    }

    /**
     * The same rules, looking at the tree (is it a directory, which volume) through {@code root} as it
     * is at each question: a job whose interceptor is mounted over its directory reads beneath the
     * mount, since the interceptor asks from within a mount worker, which must never wait on itself.
     */
    public ReplicationRules readingFrom(java.util.function.Supplier<Path> root) {
        return new ReplicationRules(texts, rules, sameVolumeOnly, root);
    }

    /** Parses rules; the exception names the rule and what is wrong with it. */
    public static ReplicationRules parse(List<String> lines, Path root) {
        List<Rule> rules = new ArrayList<>();
        boolean sameVolume = false;
        List<String> texts = lines == null ? List.of() : List.copyOf(lines);
        for (String line : texts) {
            String t = line.strip();
            if (t.length() < 3 || (t.charAt(0) != '+' && t.charAt(0) != '-') || t.charAt(1) != ' ') {
                throw new IllegalArgumentException("rules: '" + line + "' must be '+ PATTERN' (include) or "
                        + "'- PATTERN' (exclude)");
            }
            boolean include = t.charAt(0) == '+';
            String pattern = t.substring(2).strip();
            if (pattern.equals("@other-volumes")) {
                if (include) {
                    throw new IllegalArgumentException("rules: '" + line + "': @other-volumes can only be excluded");
                }
                sameVolume = true;
                continue;
            }
            if (pattern.isEmpty() || pattern.startsWith("/") && pattern.length() == 1) {
                throw new IllegalArgumentException("rules: '" + line + "' has no pattern");
            }
            boolean dirOnly = pattern.endsWith("/");
            String p = dirOnly ? pattern.substring(0, pattern.length() - 1) : pattern;
            boolean anchored = p.contains("/");
            if (p.startsWith("/")) {
                p = p.substring(1);
            }
            rules.add(new Rule(include, Pattern.compile((anchored ? "" : "(?:.*/)?") + glob(p)), dirOnly, t));
        }
        return new ReplicationRules(texts, List.copyOf(rules), sameVolume, () -> root);
    }

    public List<String> texts() {
        return texts;
    }

    /**
     * Whether {@code path} is replicated. Called for each entry; a directory that is excluded is not
     * descended into by interceptors, so its contents need no separate answer.
     */
    public boolean included(RelPath path) {
        return excludedBy(path) == null;
    }

    /**
     * Why {@code path} is not replicated: the text of the rule that excluded it, or the default
     * exclude; {@code null} if it is replicated. The one place the decision is made, so that a
     * preview says exactly what the job does.
     */
    public String excludedBy(RelPath path) {
        if (path.isRoot()) {
            return null;
        }
        if (!DefaultExcludes.included(path)) {
            return DefaultExcludes.RULE;
        }
        Path from = root.get();
        // whether the path is a directory is looked up once, and only if a rule for directories
        // matches its name (interceptors ask for every component of every changed path)
        Boolean isDir = null;
        for (Rule r : rules) {
            if (!r.pattern().matcher(path.value()).matches()) {
                continue;
            }
            if (r.directoryOnly()) {
                if (isDir == null) {
                    isDir = Files.isDirectory(from.resolve(path.value()), LinkOption.NOFOLLOW_LINKS);
                }
                if (!isDir) {
                    continue;
                }
            }
            return r.include() ? null : r.text();
        }
        if (!sameVolumeOnly) {
            return null;
        }
        if (isDir == null) {
            isDir = Files.isDirectory(from.resolve(path.value()), LinkOption.NOFOLLOW_LINKS);
        }
        return isDir && onOtherVolume(from, path) ? "- @other-volumes" : null;
    }

    /** Whether a directory is on another file system than the root (its device differs). */
    private boolean onOtherVolume(Path from, RelPath dir) {
        return volumeCache.computeIfAbsent(dir, d -> {
            try {
                return !Files.getAttribute(from, "unix:dev").equals(Files.getAttribute(from.resolve(d.value()), "unix:dev",
                        LinkOption.NOFOLLOW_LINKS));
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        });
    }

    private static String glob(String p) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '*' && i + 1 < p.length() && p.charAt(i + 1) == '*') {
                re.append(".*");
                i++;
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }

    @Override
    public String toString() {
        return texts.isEmpty() ? "(default excludes only)" : String.join("; ", texts);
    }
}
