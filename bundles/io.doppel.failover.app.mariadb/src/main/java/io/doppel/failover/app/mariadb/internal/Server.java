package io.doppel.failover.app.mariadb.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * A MariaDB (or MySQL) server on the replica, as the failover's settings describe it: which data
 * directory of the image it serves, which programs run and ask it, as whom, and where it listens.
 * Every value that reaches a command line is checked here, so nothing later quotes or escapes.
 */
record Server(Path dataDirectory, Path program, Path admin, String user, int port, String bind, Path socket,
        Optional<Path> defaultsFile, List<String> options) {

    /** Where the server writes its pid and its error log: in the data directory, which its user owns. */
    static final String PID_FILE = "doppel-failover.pid";
    static final String ERROR_LOG = "doppel-failover.err";

    /** The server programs looked for, in order, when {@code mariadb.server} is not set. */
    static final List<Path> SERVERS = List.of(Path.of("/usr/sbin/mariadbd"), Path.of("/usr/sbin/mysqld"),
            Path.of("/usr/libexec/mariadbd"), Path.of("/usr/libexec/mysqld"));

    /** The settings, their meaning and default, as {@code doppel failover plugins} shows them. */
    static Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("datadir", "the data directory (holding mysql/ or ibdata1), relative to the replicated data "
                + "(default: the replicated data itself)");
        s.put("server", "the server program (default: mariadbd, else mysqld, in /usr/sbin or /usr/libexec)");
        s.put("port", "TCP port the server listens on (default 3306)");
        s.put("bind", "bind-address (default 0.0.0.0: every address, the service address included)");
        s.put("socket", "the server's Unix socket, an absolute path of at most 107 bytes that the server's user "
                + "can create (default /run/mysqld/doppel-PORT.sock)");
        s.put("user", "the user the server runs as (default: the owner of the data directory; never root)");
        s.put("options", "more server options, --name=value separated by spaces (default none)");
        s.put("defaults-file", "an option file (my.cnf) for this server, absolute path (default: none, the server "
                + "starts with --no-defaults so this target's own configuration cannot point it at other data)");
        return s;
    }

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_.,:/@+-]+");
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9.:*%-]+");
    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");
    private static final Pattern OPTION = Pattern.compile("--[a-z][a-z0-9_-]*(=[A-Za-z0-9_.,:/@+-]*)?");

    /** Options this plugin sets itself: given in {@code options} they would override its own. */
    private static final Set<String> OWN = Set.of("datadir", "user", "port", "bind-address", "socket", "pid-file",
            "log-error", "no-defaults", "defaults-file", "defaults-extra-file", "defaults-group-suffix", "daemonize",
            "basedir", "skip-networking", "bootstrap");

    /** Reads and checks the settings against the replica's data and this target's programs; changes nothing. */
    static Server of(TakeoverContext context) throws ApplicationException {
        Path data = dataDirectory(context);
        Path program = program(context.setting("server", ""));
        Path admin = admin(program);
        String user = user(context.setting("user", ""), data);
        int port = port(context.setting("port", "3306"));
        String bind = context.setting("bind", "0.0.0.0");
        if (!ADDRESS.matcher(bind).matches()) {
            throw new ApplicationException("mariadb.bind must be an address or a host name, not '" + bind + "'");
        }
        Path socket = socket(context.setting("socket", "/run/mysqld/doppel-" + port + ".sock"));
        Optional<Path> defaults = defaultsFile(context.setting("defaults-file", ""));
        return new Server(data, program, admin, user, port, bind, socket, defaults,
                options(context.setting("options", "")));
    }

    /** The server's command line: the option file first, as the server requires, then this plugin's options. */
    List<String> command() {
        List<String> c = new ArrayList<>();
        c.add(program.toString());
        c.add(defaultsFile.map(f -> "--defaults-file=" + f).orElse("--no-defaults"));
        c.add("--datadir=" + dataDirectory);
        c.add("--user=" + user);
        c.add("--port=" + port);
        c.add("--bind-address=" + bind);
        c.add("--socket=" + socket);
        c.add("--pid-file=" + pidFile());
        c.add("--log-error=" + errorLog());
        c.addAll(options);
        return c;
    }

    /** {@code mariadb-admin} on this server's socket, never reading this target's client configuration. */
    List<String> admin(String... arguments) {
        List<String> c = new ArrayList<>(List.of(admin.toString(), "--no-defaults", "--socket=" + socket,
                "--connect-timeout=2"));
        c.addAll(List.of(arguments));
        return c;
    }

    Path pidFile() {
        return dataDirectory.resolve(PID_FILE);
    }

    Path errorLog() {
        return dataDirectory.resolve(ERROR_LOG);
    }

    private static Path dataDirectory(TakeoverContext context) throws ApplicationException {
        Path root = context.dataRoot().toAbsolutePath().normalize();
        String relative = context.setting("datadir", "");
        Path data = root;
        if (!relative.isEmpty()) {
            if (relative.indexOf('\0') >= 0 || Path.of(relative).isAbsolute()) {
                throw new ApplicationException("mariadb.datadir must be relative to the replicated data, not '"
                        + relative + "'");
            }
            data = root.resolve(relative).normalize();
            if (!data.startsWith(root)) {
                throw new ApplicationException("mariadb.datadir leaves the replicated data: '" + relative + "'");
            }
        }
        if (!Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
            throw new ApplicationException("the MariaDB data directory " + data + " is not in the replica: check "
                    + "mariadb.datadir and that the job protects it");
        }
        if (!Files.isDirectory(data.resolve("mysql"), LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(data.resolve("ibdata1"), LinkOption.NOFOLLOW_LINKS)) {
            throw new ApplicationException(data + " holds no MariaDB or MySQL data directory (neither the mysql/ "
                    + "system schema nor ibdata1): check mariadb.datadir");
        }
        return data;
    }

    private static Path program(String setting) throws ApplicationException {
        if (!setting.isEmpty()) {
            Path p = Path.of(plain(setting, "mariadb.server"));
            if (!p.isAbsolute() || !Files.isExecutable(p) || Files.isDirectory(p)) {
                throw new ApplicationException("mariadb.server must be the server program's absolute path, and "
                        + setting + " is not an executable file here");
            }
            return p;
        }
        return installed().orElseThrow(() -> new ApplicationException(notInstalled()));
    }

    /** The server program of this target's packages, if one is installed. */
    static Optional<Path> installed() {
        return SERVERS.stream().filter(Files::isExecutable).findFirst();
    }

    static String notInstalled() {
        return "no MariaDB or MySQL server is installed (looked for " + SERVERS + "): install it (Debian: apt install "
                + "mariadb-server mariadb-client), or set mariadb.server";
    }

    /** The admin client: next to the server (custom installs), then where the packages put it. */
    private static Path admin(Path program) throws ApplicationException {
        Path dir = program.toAbsolutePath().getParent();
        List<Path> dirs = List.of(dir, dir.resolveSibling("bin"), Path.of("/usr/bin"), Path.of("/usr/local/bin"));
        for (Path d : dirs) {
            for (String name : List.of("mariadb-admin", "mysqladmin")) {
                if (Files.isExecutable(d.resolve(name))) {
                    return d.resolve(name);
                }
            }
        }
        throw new ApplicationException("no mariadb-admin or mysqladmin next to " + program + " or in /usr/bin: install "
                + "the client (Debian: apt install mariadb-client)");
    }

    private static String user(String setting, Path data) throws ApplicationException {
        String user = setting;
        if (user.isEmpty()) {
            int uid;
            try {
                uid = (Integer) Files.getAttribute(data, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                user = Files.getOwner(data, LinkOption.NOFOLLOW_LINKS).getName();
            } catch (IOException | UnsupportedOperationException e) {
                throw new ApplicationException("cannot read the owner of " + data + ": " + e.getMessage(), e);
            }
            if (uid == 0) {
                throw new ApplicationException(data + " is owned by root, and this plugin does not run MariaDB as "
                        + "root: give the data directory to the server's own user on the source (chown -R mysql:mysql), "
                        + "or set mariadb.user");
            }
            if (user.chars().allMatch(Character::isDigit)) {
                throw new ApplicationException(data + " is owned by uid " + user + ", which has no user name on this "
                        + "target: create the source's server user here with the same uid, or set mariadb.user");
            }
        }
        if (!USER.matcher(user).matches() || user.equals("root")) {
            throw new ApplicationException("mariadb.user must be a plain user name other than root, not '" + user
                    + "'");
        }
        return user;
    }

    private static int port(String value) throws ApplicationException {
        int port;
        try {
            port = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new ApplicationException("mariadb.port must be a port number (1-65535), not '" + value + "'");
        }
        return port;
    }

    private static Path socket(String value) throws ApplicationException {
        Path p = Path.of(plain(value, "mariadb.socket"));
        if (!p.isAbsolute() || p.getParent() == null || !p.normalize().equals(p)) {
            throw new ApplicationException("mariadb.socket must be an absolute, normalised path, not '" + value + "'");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > 107) {
            throw new ApplicationException("mariadb.socket is longer than a Unix socket path may be (107 bytes): "
                    + value);
        }
        return p;
    }

    private static Optional<Path> defaultsFile(String value) throws ApplicationException {
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Path p = Path.of(plain(value, "mariadb.defaults-file"));
        if (!p.isAbsolute() || !Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new ApplicationException("mariadb.defaults-file must be the absolute path of a readable option file, "
                    + "and " + value + " is not one");
        }
        return Optional.of(p);
    }

    private static List<String> options(String value) throws ApplicationException {
        List<String> options = new ArrayList<>();
        for (String o : value.strip().split("\\s+")) {
            if (o.isEmpty()) {
                continue;
            }
            if (!OPTION.matcher(o).matches()) {
                throw new ApplicationException("mariadb.options: '" + o + "' is not --name or --name=value with a "
                        + "plain value (letters, digits and _.,:/@+-)");
            }
            String name = o.substring(2, o.contains("=") ? o.indexOf('=') : o.length()).replace('_', '-')
                    .toLowerCase(Locale.ROOT).replaceFirst("^loose-", "");
            if (OWN.contains(name)) {
                throw new ApplicationException("mariadb.options: --" + name + " is not for options: the plugin sets "
                        + "it (use the settings datadir, user, port, bind, socket or defaults-file)");
            }
            options.add(o);
        }
        return List.copyOf(options);
    }

    private static String plain(String value, String setting) throws ApplicationException {
        if (!PLAIN.matcher(value).matches()) {
            throw new ApplicationException(setting + " may hold letters, digits and _.,:/@+- only, not '" + value + "'");
        }
        return value;
    }
}
