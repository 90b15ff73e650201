package io.doppel.failover.app.postgresql.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * A PostgreSQL cluster on the replica, as the failover's settings describe it: where its data
 * directory is in the image, which server programs run it, as whom, and how it listens.
 */
record Cluster(Path dataDirectory, String major, Path bin, int uid, int gid, int port, String listen,
        Path socketDirectory, Path log, List<String> options) {

    /** The settings, their meaning and default, as {@code doppel failover plugins} shows them. */
    static Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("datadir", "the data directory, relative to the replicated data (default: the replicated data itself)");
        s.put("bin", "directory of pg_ctl and postgres (default: found from PG_VERSION, e.g. /usr/lib/postgresql/15/bin)");
        s.put("port", "port the server listens on (default 5432)");
        s.put("listen", "listen_addresses (default *: every address, the service address included)");
        s.put("socketdir", "unix_socket_directories (default /tmp)");
        s.put("log", "server log, relative to the data directory or absolute (default log/doppel-failover.log)");
        s.put("options", "more server settings, name=value separated by spaces (default none)");
        return s;
    }

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.,:/@*+=-]*");
    private static final Pattern OPTION = Pattern.compile("[a-z_][a-z0-9_.]*=[A-Za-z0-9_.,:/@*+-]*");

    /** Reads and checks the settings against the replica's data; changes nothing. */
    static Cluster of(TakeoverContext context) throws ApplicationException {
        Path root = context.dataRoot().toAbsolutePath().normalize();
        String dir = context.setting("datadir", "");
        Path data = inside(root, dir, "postgresql.datadir");
        if (!Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
            throw new ApplicationException("the PostgreSQL data directory " + data + " is not in the replica: check "
                    + "postgresql.datadir and that the job protects it");
        }
        Path versionFile = data.resolve("PG_VERSION");
        String major;
        try {
            major = Files.readString(versionFile, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new ApplicationException(data + " holds no PostgreSQL cluster (cannot read PG_VERSION: "
                    + e.getMessage() + "); check postgresql.datadir", e);
        }
        if (!major.matches("[0-9]{1,3}(\\.[0-9]+)?")) {
            throw new ApplicationException(versionFile + " says '" + major + "', not a PostgreSQL version");
        }
        Path bin = bin(context.setting("bin", ""), major);
        int uid;
        int gid;
        try {
            uid = (Integer) Files.getAttribute(data, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            gid = (Integer) Files.getAttribute(data, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            throw new ApplicationException("cannot read the owner of " + data + ": " + e.getMessage(), e);
        }
        if (uid == 0) {
            throw new ApplicationException(data + " is owned by root, and PostgreSQL never runs as root: give the "
                    + "data directory to the server's own user on the source (chown -R postgres)");
        }
        int port = port(context.setting("port", "5432"));
        String listen = safe(context.setting("listen", "*"), "postgresql.listen");
        Path sockets = Path.of(safe(context.setting("socketdir", "/tmp"), "postgresql.socketdir"));
        if (!sockets.isAbsolute()) {
            throw new ApplicationException("postgresql.socketdir must be an absolute path, not " + sockets);
        }
        String logSetting = safe(context.setting("log", "log/doppel-failover.log"), "postgresql.log");
        Path log = data.resolve(logSetting).normalize();
        List<String> options = new ArrayList<>();
        for (String o : context.setting("options", "").strip().split("\\s+")) {
            if (o.isEmpty()) {
                continue;
            }
            if (!OPTION.matcher(o).matches()) {
                throw new ApplicationException("postgresql.options: '" + o + "' is not name=value with a plain value "
                        + "(letters, digits and _.,:/@*+-)");
            }
            options.add(o);
        }
        return new Cluster(data, major, bin, uid, gid, port, listen, sockets, log, List.copyOf(options));
    }

    /** {@code setpriv} to run a program as the data directory's owner. */
    List<String> asOwner(String... command) {
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
                "--"));
        all.addAll(List.of(command));
        return all;
    }

    Path program(String name) {
        return bin.resolve(name);
    }

    /** The server options that pg_ctl passes on through a shell: every value is checked to be plain. */
    String serverOptions() {
        StringBuilder o = new StringBuilder("-p " + port + " -c 'listen_addresses=" + listen + "' -c "
                + "'unix_socket_directories=" + socketDirectory + "'");
        for (String option : options) {
            o.append(" -c '").append(option).append('\'');
        }
        return o.toString();
    }

    private static Path inside(Path root, String relative, String setting) throws ApplicationException {
        if (relative.isEmpty()) {
            return root;
        }
        Path p = Path.of(relative);
        if (p.isAbsolute() || relative.contains("\0")) {
            throw new ApplicationException(setting + " must be relative to the replicated data, not " + relative);
        }
        Path resolved = root.resolve(p).normalize();
        if (!resolved.startsWith(root)) {
            throw new ApplicationException(setting + " leaves the replicated data: " + relative);
        }
        return resolved;
    }

    private static Path bin(String setting, String major) throws ApplicationException {
        List<Path> candidates = new ArrayList<>();
        if (!setting.isEmpty()) {
            candidates.add(Path.of(setting));
        } else {
            // the layouts that name the major version, so the programs match the data
            candidates.add(Path.of("/usr/lib/postgresql", major, "bin")); // Debian, Ubuntu
            candidates.add(Path.of("/usr/pgsql-" + major, "bin")); // PGDG packages on RHEL
        }
        for (Path c : candidates) {
            if (Files.isExecutable(c.resolve("pg_ctl")) && Files.isExecutable(c.resolve("postgres"))) {
                return c;
            }
        }
        throw new ApplicationException("no PostgreSQL " + major + " server programs on this target (looked in "
                + candidates + "): install PostgreSQL " + major + ", the source's major version, or set postgresql.bin");
    }

    private static int port(String value) throws ApplicationException {
        try {
            int p = Integer.parseInt(value.strip());
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new ApplicationException("postgresql.port must be a port number (1-65535), not '" + value + "'");
        }
    }

    private static String safe(String value, String setting) throws ApplicationException {
        if (!SAFE.matcher(value).matches()) {
            throw new ApplicationException(setting + " may hold letters, digits and _.,:/@*+=- only, not '" + value
                    + "'");
        }
        return value;
    }
}
