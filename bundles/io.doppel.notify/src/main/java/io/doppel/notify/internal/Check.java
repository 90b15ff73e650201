package io.doppel.notify.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.doppel.api.event.Severity;

/** Reads and checks settings, with errors that name the setting and say what it must be. */
final class Check {

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(?::([0-9]{1,5}))?");

    private final String pid;

    Check(String pid) {
        this.pid = pid;
    }

    IllegalArgumentException bad(String field, String what) {
        return new IllegalArgumentException(pid + ": " + field + ": " + what);
    }

    /** The values of a list setting: the elements, each also split at commas and blanks, blanks dropped. */
    static List<String> list(String[] values) {
        return split(values, "[,\\s]+");
    }

    static List<String> split(String[] values, String separators) {
        List<String> out = new ArrayList<>();
        if (values != null) {
            for (String v : values) {
                if (v == null) {
                    continue;
                }
                for (String part : v.split(separators)) {
                    if (!part.isBlank()) {
                        out.add(part.strip());
                    }
                }
            }
        }
        return out;
    }

    static String text(String value) {
        return value == null ? "" : value.strip();
    }

    String required(String field, String value, String what) {
        String v = text(value);
        if (v.isEmpty()) {
            throw bad(field, "must be set: " + what);
        }
        return v;
    }

    Severity severity(String field, String value) {
        try {
            return Severity.parse(value == null ? "" : value);
        } catch (IllegalArgumentException e) {
            throw bad(field, e.getMessage());
        }
    }

    int range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw bad(field, "must be " + min + ".." + max + ", not " + value);
        }
        return value;
    }

    /** {@code host:port}, {@code host} (with {@code defaultPort}), {@code [v6]:port}. */
    HostPort hostPort(String field, String value, int defaultPort) {
        Matcher m = HOST_PORT.matcher(value);
        if (!m.matches()) {
            throw bad(field, "'" + value + "' is not host:port (e.g. nms.example.org:162 or [2001:db8::5]:162)");
        }
        int port = m.group(2) == null ? defaultPort : Integer.parseInt(m.group(2));
        if (port < 1 || port > 65535) {
            throw bad(field, "'" + value + "': the port must be 1..65535");
        }
        String host = m.group(1);
        return new HostPort(host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port);
    }

    /** A host and a port. */
    record HostPort(String host, int port) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }
}
