package io.doppel.failover.app.shares.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
 * What the failover's settings ask for ({@code --set shares.KEY=VALUE}), checked against Samba's
 * rules and the replica: every folder exists inside the replicated data once links are followed, and
 * every value that reaches smb.conf or a command line is plain, so nothing later quotes or escapes.
 *
 * @param smb    the Samba shares, in the order of {@code shares.smb}
 * @param config the smb.conf the shares are included into
 * @param start  the command that starts smbd when none runs
 * @param host   where health checks ask smbd for its shares
 * @param nfs    the NFS exports, in the order of {@code shares.nfs}
 */
record Shares(List<SambaShare> smb, Path config, List<String> start, String host, List<NfsExport> nfs) {

    /**
     * A Samba share of a folder in the replica.
     *
     * @param folder the folder's real path (links followed), inside the replicated data
     * @param users  {@code valid users}; empty: whoever Samba admits
     */
    record SambaShare(String name, Path folder, boolean readOnly, boolean guest, List<String> users) {
    }

    /**
     * An NFS export of a folder in the replica to one client (host, network, wildcard or netgroup).
     *
     * @param folder the folder's real path, inside the replicated data
     */
    record NfsExport(Path folder, String client, String options) {

        /** Where an NFSv4 client finds it below NFS-Ganesha's pseudo root: its path in the replicated data. */
        String pseudo(Path root) {
            String relative = root.relativize(folder).toString();
            return "/" + (relative.isEmpty() ? "" : relative);
        }

        /** How exportfs names it: {@code CLIENT:PATH}. */
        String target() {
            return client + ":" + folder;
        }
    }

    static final String DEFAULT_CONFIG = "/etc/samba/smb.conf";
    static final String DEFAULT_NFS_OPTIONS = "ro,sync,no_subtree_check";
    static final String DEFAULT_GANESHA_CONFIG = "/etc/ganesha/ganesha.conf";
    static final String DEFAULT_GANESHA_PID = "/run/ganesha/ganesha.pid";
    static final int DEFAULT_GANESHA_FIRST_ID = 4200;

    /**
     * NFS-Ganesha as the NFS server (setting {@code nfsServer=ganesha}).
     *
     * @param config  its configuration file, which one {@code %include} line makes read the exports' fragment
     * @param pidFile where the running server's process id is, for the SIGHUP that reloads the exports
     * @param firstId the export id of the first folder; the others follow
     */
    record Ganesha(Path config, Path pidFile, int firstId) {
    }

    /** The per-share settings, {@code smb.NAME.KEY}. */
    private static final Set<String> SHARE_KEYS = Set.of("readonly", "writable", "users", "guest");

    /** Sections Samba reserves for itself (or that it fills in for every user or printer). */
    private static final Set<String> RESERVED = Set.of("global", "homes", "printers", "ipc$");

    /** Characters Samba or SMB clients refuse in a share name; '%' would be expanded as a macro. */
    private static final Pattern BAD_NAME = Pattern.compile("[\\[\\]\"/\\\\:|<>+=;,?*%\\p{Cntrl}]");

    /** What smb.conf takes literally in a path: no macro ('%'), no line continuation ('\'), one line. */
    private static final Pattern BAD_FOLDER = Pattern.compile("[%\\\\\\p{Cntrl}]");

    private static final Pattern USER = Pattern.compile("[@+&]*[A-Za-z0-9_][A-Za-z0-9_.$-]*(\\\\[A-Za-z0-9_][A-Za-z0-9_.$-]*)?");
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_.,:/@=+-]+");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:-]+");
    private static final Pattern NFS_CLIENT = Pattern.compile("[A-Za-z0-9.*?:/\\[\\]@_-]+");
    private static final Pattern NFS_OPTIONS = Pattern.compile("[a-z0-9_]+(=[A-Za-z0-9_.:/@-]+)?(,[a-z0-9_]+(=[A-Za-z0-9_.:/@-]+)?)*");

    /** The settings, their meaning and default, as {@code doppel failover plugins} shows them, in this order. */
    private static final String[][] DESCRIPTIONS = {
            { "smb", "Samba shares as NAME:PATH, comma-separated, PATH relative to the replicated data ('.' for "
                    + "all of it), e.g. Finance:finance,Public:public" },
            { "smb.NAME.readonly", "yes or no: share NAME is read only (default yes, as in Samba)" },
            { "smb.NAME.writable", "yes or no: the opposite of smb.NAME.readonly" },
            { "smb.NAME.users", "valid users of share NAME, comma-separated (user, DOMAIN\\user, @group; "
                    + "default: whoever Samba admits)" },
            { "smb.NAME.guest", "yes or no: guest access to share NAME (default no)" },
            { "config", "the smb.conf the shares are included into (default " + DEFAULT_CONFIG + "); one line "
                    + "'include = DIR/doppel-failover-FAILOVER.conf' is added at takeover and removed at fail-back" },
            { "start", "command that starts smbd when none runs, words separated by spaces (default: smbd -D -s "
                    + "CONFIG)" },
            { "host", "address smbclient asks for the share list in health checks (default 127.0.0.1)" },
            { "nfs", "NFS exports as PATH:CLIENT(OPTIONS), comma-separated, several clients separated by spaces, "
                    + "e.g. projects:10.0.0.0/24(rw,sync,no_subtree_check) (default options " + DEFAULT_NFS_OPTIONS
                    + "; default none)" },
            { "nfsServer", "kernel (exportfs, nfs-kernel-server) or ganesha (NFS-Ganesha, a user-space NFSv4 server: the "
                    + "exports are written to a fragment that one %include line adds to its configuration, then it is "
                    + "sent SIGHUP; default kernel)" },
            { "ganesha.config", "NFS-Ganesha's configuration (default " + DEFAULT_GANESHA_CONFIG + ")" },
            { "ganesha.pidfile", "the running NFS-Ganesha's pid file (default " + DEFAULT_GANESHA_PID + ")" },
            { "ganesha.firstExportId", "Export_Id of the first exported folder, the others following (1-65000, "
                    + "default " + DEFAULT_GANESHA_FIRST_ID + "; they must not be used by other exports)" },
    };

    static Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        for (String[] d : DESCRIPTIONS) {
            s.put(d[0], d[1]);
        }
        return s;
    }

    /** Reads and checks the settings against the replica; changes nothing. */
    static Shares of(TakeoverContext context) throws ApplicationException {
        Map<String, String> settings = context.settings();
        Path root = realRoot(context.dataRoot());
        List<SambaShare> smb = smb(settings, root);
        List<NfsExport> nfs = nfs(context.setting("nfs", ""), root);
        if (smb.isEmpty() && nfs.isEmpty()) {
            throw new ApplicationException("shares.smb and shares.nfs are both empty: name the shares, e.g. --set "
                    + "shares.smb=Finance:finance,Public:public");
        }
        Path config = config(context);
        List<String> start = start(context.setting("start", ""), config);
        return new Shares(smb, config, start, host(context), nfs);
    }

    /** Where health checks (and release, waiting for the shares to go) ask smbd for its shares. */
    static String host(TakeoverContext context) throws ApplicationException {
        String host = context.setting("host", "127.0.0.1").strip();
        if (!HOST.matcher(host).matches()) {
            throw new ApplicationException("shares.host must be an address or a host name, not '" + host + "'");
        }
        return host;
    }

    /** NFS-Ganesha's settings when it is the NFS server, or {@code null} for the kernel's (exportfs). */
    static Ganesha ganesha(TakeoverContext context) throws ApplicationException {
        String server = context.setting("nfsServer", "kernel").strip().toLowerCase(Locale.ROOT);
        switch (server) {
            case "kernel" -> {
                return null;
            }
            case "ganesha" -> {
                String id = context.setting("ganesha.firstExportId", String.valueOf(DEFAULT_GANESHA_FIRST_ID)).strip();
                int first;
                try {
                    first = Integer.parseInt(id);
                } catch (NumberFormatException e) {
                    first = -1;
                }
                if (first < 1 || first > 65_000) {
                    throw new ApplicationException("shares.ganesha.firstExportId must be a whole number from 1 to 65000, "
                            + "not '" + id + "'");
                }
                return new Ganesha(absolute(context, "ganesha.config", DEFAULT_GANESHA_CONFIG),
                        absolute(context, "ganesha.pidfile", DEFAULT_GANESHA_PID), first);
            }
            default -> throw new ApplicationException("shares.nfsServer must be kernel or ganesha, not '" + server + "'");
        }
    }

    private static Path absolute(TakeoverContext context, String key, String fallback) throws ApplicationException {
        String value = context.setting(key, fallback).strip();
        Path path;
        try {
            path = Path.of(value);
        } catch (InvalidPathException e) {
            throw new ApplicationException("shares." + key + " is not a path: " + value, e);
        }
        if (!path.isAbsolute() || path.getFileName() == null) {
            throw new ApplicationException("shares." + key + " must be an absolute path, not " + value);
        }
        return path.normalize();
    }

    /** The smb.conf setting alone: what release needs even when the replica's folders are gone. */
    static Path config(TakeoverContext context) throws ApplicationException {
        String value = context.setting("config", DEFAULT_CONFIG).strip();
        Path config;
        try {
            config = Path.of(value);
        } catch (InvalidPathException e) {
            throw new ApplicationException("shares.config is not a path: " + value, e);
        }
        if (!config.isAbsolute() || config.getFileName() == null) {
            throw new ApplicationException("shares.config must be the absolute path of an smb.conf, not " + value);
        }
        return config.normalize();
    }

    /** The folders to protect (for the job), without checking anything. */
    static List<String> paths(Map<String, String> settings) {
        List<String> paths = new ArrayList<>();
        for (String entry : settings.getOrDefault("smb", "").split(",")) {
            int colon = entry.indexOf(':');
            if (colon >= 0 && !entry.substring(colon + 1).isBlank()) {
                paths.add(entry.substring(colon + 1).strip());
            }
        }
        for (String entry : entries(settings.getOrDefault("nfs", ""))) {
            int colon = entry.indexOf(':');
            if (colon > 0) {
                paths.add(entry.substring(0, colon).strip());
            }
        }
        return paths.stream().distinct().toList();
    }

    private static List<SambaShare> smb(Map<String, String> settings, Path root) throws ApplicationException {
        Map<String, String> byKey = new HashMap<>(); // lower-case name -> name as given
        List<SambaShare> shares = new ArrayList<>();
        for (String entry : settings.getOrDefault("smb", "").split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon < 0) {
                throw new ApplicationException("shares.smb: '" + entry.strip() + "' has no path: write NAME:PATH, e.g. "
                        + "Finance:finance");
            }
            String name = shareName(entry.substring(0, colon));
            if (byKey.putIfAbsent(name.toLowerCase(Locale.ROOT), name) != null) {
                throw new ApplicationException("shares.smb names share " + name + " twice (Samba ignores case)");
            }
            Path folder = folder(root, entry.substring(colon + 1), "shares.smb", "share " + name);
            shares.add(new SambaShare(name, folder, readOnly(settings, name), flag(settings, name, "guest").orElse(false),
                    users(settings, name)));
        }
        for (String key : settings.keySet()) {
            if (!key.startsWith("smb.")) {
                continue;
            }
            int dot = key.lastIndexOf('.');
            String share = dot > 4 ? key.substring(4, dot) : "";
            if (!byKey.containsKey(share.toLowerCase(Locale.ROOT)) || !SHARE_KEYS.contains(key.substring(dot + 1))) {
                throw new ApplicationException("shares." + key + " is not a setting of this plugin: per share there "
                        + "are smb.NAME.readonly, .writable, .users and .guest, for a NAME listed in shares.smb");
            }
        }
        return List.copyOf(shares);
    }

    private static String shareName(String raw) throws ApplicationException {
        String name = raw.strip();
        if (name.isEmpty() || name.length() > 80 || BAD_NAME.matcher(name).find() || name.startsWith("#")
                || name.equals(".") || name.equals("..")) {
            throw new ApplicationException("shares.smb: '" + raw.strip() + "' is not a share name Samba accepts: 1 to "
                    + "80 characters, none of [ ] \" / \\ : | < > + = ; , ? * % and no leading #");
        }
        if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
            throw new ApplicationException("shares.smb: [" + name + "] is a section Samba reserves for itself: choose "
                    + "another share name");
        }
        return name;
    }

    /** A folder inside the replicated data, links followed: no absolute path, no '..', no link out of it. */
    private static Path folder(Path root, String raw, String setting, String what) throws ApplicationException {
        String p = raw.strip();
        if (p.isEmpty()) {
            throw new ApplicationException(setting + ": " + what + " has no path: give one relative to the replicated "
                    + "data ('.' for all of it)");
        }
        if (p.startsWith("/")) {
            throw new ApplicationException(setting + ": the path of " + what + " (" + p + ") is absolute: give it "
                    + "relative to the replicated data, e.g. finance");
        }
        for (String part : p.split("/")) {
            if (part.equals("..")) {
                throw new ApplicationException(setting + ": the path of " + what + " (" + p + ") leads out of the "
                        + "replicated data with '..': give a folder inside it");
            }
        }
        Path real;
        try {
            real = root.resolve(p).toRealPath();
        } catch (InvalidPathException | IOException e) {
            throw new ApplicationException(setting + ": the folder of " + what + " (" + p + ") is not in the replica ("
                    + e.getMessage() + "): check the path and that the job protects it", e);
        }
        if (!real.startsWith(root)) {
            throw new ApplicationException(setting + ": the path of " + what + " (" + p + ") is a link that leads out "
                    + "of the replicated data, to " + real + ": share a folder inside it");
        }
        if (!Files.isDirectory(real)) {
            throw new ApplicationException(setting + ": the path of " + what + " (" + p + ") is not a folder");
        }
        if (BAD_FOLDER.matcher(real.toString()).find()) {
            throw new ApplicationException(setting + ": the folder of " + what + " (" + real + ") holds %, \\ or a "
                    + "control character, which smb.conf cannot take literally: rename it on the source");
        }
        return real;
    }

    private static boolean readOnly(Map<String, String> settings, String share) throws ApplicationException {
        Optional<Boolean> readOnly = flag(settings, share, "readonly");
        Optional<Boolean> writable = flag(settings, share, "writable");
        if (readOnly.isPresent() && writable.isPresent() && readOnly.get() == writable.get()) {
            throw new ApplicationException("shares.smb." + share + ".readonly and shares.smb." + share + ".writable "
                    + "contradict each other: give one of them");
        }
        return readOnly.orElse(writable.map(w -> !w).orElse(true));
    }

    private static Optional<Boolean> flag(Map<String, String> settings, String share, String key)
            throws ApplicationException {
        String value = settings.get("smb." + share + "." + key);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "yes", "true", "1" -> Optional.of(true);
            case "no", "false", "0" -> Optional.of(false);
            default -> throw new ApplicationException("shares.smb." + share + "." + key + " must be yes or no, not '"
                    + value.strip() + "'");
        };
    }

    private static List<String> users(Map<String, String> settings, String share) throws ApplicationException {
        List<String> users = new ArrayList<>();
        for (String user : settings.getOrDefault("smb." + share + ".users", "").split(",")) {
            if (user.isBlank()) {
                continue;
            }
            if (!USER.matcher(user.strip()).matches()) {
                throw new ApplicationException("shares.smb." + share + ".users: '" + user.strip() + "' is not a user or "
                        + "group name (user, DOMAIN\\user, @group; letters, digits and _.$-)");
            }
            users.add(user.strip());
        }
        return List.copyOf(users);
    }

    private static List<String> start(String value, Path config) throws ApplicationException {
        if (value.isBlank()) {
            return List.of("smbd", "-D", "-s", config.toString());
        }
        List<String> words = List.of(value.strip().split("\\s+"));
        for (String w : words) {
            if (!WORD.matcher(w).matches()) {
                throw new ApplicationException("shares.start: '" + w + "' is not a plain word (letters, digits and "
                        + "_.,:/@=+-): the command runs without a shell");
            }
        }
        return words;
    }

    private static List<NfsExport> nfs(String value, Path root) throws ApplicationException {
        List<NfsExport> exports = new ArrayList<>();
        for (String entry : entries(value)) {
            int colon = entry.indexOf(':');
            if (colon < 0) {
                throw new ApplicationException("shares.nfs: '" + entry + "' has no client: write PATH:CLIENT(OPTIONS), "
                        + "e.g. projects:10.0.0.0/24(rw,sync,no_subtree_check)");
            }
            String path = entry.substring(0, colon);
            Path folder = folder(root, path, "shares.nfs", "export " + path.strip());
            for (String spec : entry.substring(colon + 1).strip().split("\\s+")) {
                exports.add(export(folder, spec, entry));
            }
        }
        return List.copyOf(exports);
    }

    private static NfsExport export(Path folder, String spec, String entry) throws ApplicationException {
        int open = spec.indexOf('(');
        String client = open < 0 ? spec : spec.substring(0, open);
        String options = DEFAULT_NFS_OPTIONS;
        if (open >= 0) {
            if (!spec.endsWith(")")) {
                throw new ApplicationException("shares.nfs: '" + entry + "': the options of " + client + " lack their ')'");
            }
            options = spec.substring(open + 1, spec.length() - 1);
        }
        if (!NFS_CLIENT.matcher(client).matches()) {
            throw new ApplicationException("shares.nfs: '" + entry + "': '" + client + "' is not a client exportfs "
                    + "takes (a host, an address, a network such as 10.0.0.0/24, a wildcard or @netgroup)");
        }
        if (!NFS_OPTIONS.matcher(options).matches()) {
            throw new ApplicationException("shares.nfs: '" + entry + "': '" + options + "' are not export options "
                    + "(comma-separated, e.g. rw,sync,no_subtree_check)");
        }
        return new NfsExport(folder, client, options);
    }

    /** Splits on the commas outside parentheses: export options hold commas themselves. */
    private static List<String> entries(String value) {
        List<String> entries = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (char c : value.toCharArray()) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (c == ',' && depth <= 0) {
                entries.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        entries.add(current.toString());
        return entries.stream().map(String::strip).filter(e -> !e.isEmpty()).toList();
    }

    private static Path realRoot(Path dataRoot) throws ApplicationException {
        try {
            return dataRoot.toRealPath();
        } catch (IOException e) {
            throw new ApplicationException("the replicated data " + dataRoot + " cannot be read (" + e.getMessage()
                    + "): is the image exposed?", e);
        }
    }
}
