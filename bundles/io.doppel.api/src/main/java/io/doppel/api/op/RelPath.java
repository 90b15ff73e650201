package io.doppel.api.op;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A path relative to a protected root, as it travels in an op.
 *
 * <p>This is the only way a path enters the replication stream, so it is where hostile input stops:
 * a {@code RelPath} can never name its root's parent, an absolute location, or anything through
 * an empty, {@code .} or {@code ..} component. Components are separated by {@code /} whatever the
 * operating system, may not contain NUL, and obey the usual Linux limits (255 bytes per component,
 * 4095 bytes in all, counted in UTF-8).
 *
 * <p>The root itself is the empty path.
 */
public record RelPath(String value) implements Comparable<RelPath> {

    /** Longest component in bytes (NAME_MAX on Linux). */
    public static final int MAX_COMPONENT_BYTES = 255;
    /** Longest path in bytes (PATH_MAX on Linux, less the terminating NUL). */
    public static final int MAX_PATH_BYTES = 4095;

    /** The protected root itself. */
    public static final RelPath ROOT = new RelPath("");

    public RelPath {
        String problem = problemWith(value);
        if (problem != null) {
            throw new InvalidPathException(value, problem);
        }
    }

    /** Parses a relative path, refusing anything that could leave the root. */
    public static RelPath of(String value) {
        return value.isEmpty() ? ROOT : new RelPath(value);
    }

    /**
     * Says what is wrong with {@code value} as a relative path, or {@code null} if nothing is.
     * Callers that must not throw (decoders of untrusted frames) use this to turn bad input into an
     * error message.
     */
    public static String problemWith(String value) {
        if (value == null) {
            return "no path given";
        }
        if (value.isEmpty()) {
            return null;
        }
        if (value.indexOf('\0') >= 0) {
            return "contains a NUL character";
        }
        if (value.startsWith("/")) {
            return "is absolute; only paths relative to the protected root are allowed";
        }
        if (value.indexOf('\\') >= 0) {
            return "contains a backslash; components are separated by '/'";
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            return "is longer than " + MAX_PATH_BYTES + " bytes";
        }
        int start = 0;
        while (start <= value.length()) {
            int end = value.indexOf('/', start);
            if (end < 0) {
                end = value.length();
            }
            String component = value.substring(start, end);
            if (component.isEmpty()) {
                return "has an empty component";
            }
            if (component.equals(".") || component.equals("..")) {
                return "has a '" + component + "' component";
            }
            if (component.getBytes(StandardCharsets.UTF_8).length > MAX_COMPONENT_BYTES) {
                return "has a component longer than " + MAX_COMPONENT_BYTES + " bytes";
            }
            start = end + 1;
        }
        return null;
    }

    public boolean isRoot() {
        return value.isEmpty();
    }

    /** The components, root first; empty for the root. */
    public List<String> components() {
        return isRoot() ? List.of() : List.of(value.split("/"));
    }

    /** The last component; empty for the root. */
    public String name() {
        int slash = value.lastIndexOf('/');
        return value.substring(slash + 1);
    }

    /** The parent path; the root is its own parent. */
    public RelPath parent() {
        int slash = value.lastIndexOf('/');
        return slash < 0 ? ROOT : new RelPath(value.substring(0, slash));
    }

    /** This path with one more component. */
    public RelPath resolve(String component) {
        return isRoot() ? new RelPath(component) : new RelPath(value + "/" + component);
    }

    /** Whether {@code other} is this path or lies beneath it. */
    public boolean contains(RelPath other) {
        return isRoot() || other.value.equals(value) || other.value.startsWith(value + "/");
    }

    @Override
    public int compareTo(RelPath o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value.isEmpty() ? "." : value;
    }
}
