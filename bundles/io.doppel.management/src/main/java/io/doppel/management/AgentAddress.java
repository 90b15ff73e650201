package io.doppel.management;

/**
 * Where an agent's management endpoint listens: {@code host:port}, {@code [ipv6]:port}, or a bare
 * host (port {@value #DEFAULT_PORT}).
 */
public record AgentAddress(String host, int port) {

    public static final int DEFAULT_PORT = 7420;

    public AgentAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("no host given");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
    }

    /**
     * Parses an address as an admin types it.
     *
     * @throws IllegalArgumentException with a message that says what is wrong and what is expected
     */
    public static AgentAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no agent address given; expected HOST:PORT, e.g. 127.0.0.1:"
                    + DEFAULT_PORT);
        }
        String s = text.strip();
        String host;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw bad(text, "an IPv6 address in brackets lacks its ']'");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw bad(text, "expected ':' and a port after ']'");
                }
                port = rest.substring(1);
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf(':') != colon) {
                throw bad(text, "an IPv6 address must be written in brackets, e.g. [::1]:" + DEFAULT_PORT);
            }
            host = colon < 0 ? s : s.substring(0, colon);
            port = colon < 0 ? null : s.substring(colon + 1);
        }
        if (host.isEmpty() || host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/' || c == '@')) {
            throw bad(text, "'" + host + "' is not a host name or address");
        }
        if (port == null) {
            return new AgentAddress(host, DEFAULT_PORT);
        }
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw bad(text, "port " + p + " is outside 1..65535");
            }
            return new AgentAddress(host, p);
        } catch (NumberFormatException e) {
            throw bad(text, "port '" + port + "' is not a number");
        }
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("bad agent address '" + text + "': " + why);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
