package io.doppel.failover.app.shares.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;
import io.doppel.failover.app.shares.internal.Shares.Ganesha;
import io.doppel.failover.app.shares.internal.Shares.NfsExport;

/**
 * NFS exports of folders in the replica served by NFS-Ganesha, a user-space NFSv4 server: one
 * {@code EXPORT} block per folder (its pseudo path is its path in the replicated data), with a
 * {@code CLIENT} block per client, in a fragment of the failover's own that one {@code %include}
 * line adds to Ganesha's configuration; a SIGHUP makes the running server read its exports again.
 * Release takes the line and the fragment out and signals again, so a configuration nobody touched
 * meanwhile is back byte for byte. exportfs options are translated; those without an equivalent in
 * Ganesha that change nothing a client sees (sync, no_subtree_check, secure, …) are left out, any
 * other is refused.
 */
final class GaneshaExports {

    /** exportfs options that NFS-Ganesha has no setting for, and that do not widen or narrow access. */
    private static final List<String> WITHOUT_EQUIVALENT = List.of("sync", "async", "subtree_check",
            "no_subtree_check", "secure", "insecure", "wdelay", "no_wdelay", "hide", "nohide", "crossmnt", "no_acl",
            "secure_locks", "insecure_locks");
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,10}");
    private static final Pattern SEC = Pattern.compile("(sys|none|krb5|krb5i|krb5p)(:(sys|none|krb5|krb5i|krb5p))*");
    /** What Ganesha's configuration cannot hold inside a quoted string. */
    private static final Pattern BAD_PATH = Pattern.compile("[\"\\\\\\p{Cntrl}]");

    private final TakeoverContext context;
    private final Ganesha ganesha;
    private final IncludeFile include;

    GaneshaExports(TakeoverContext context, Ganesha ganesha) {
        this.context = context;
        this.ganesha = ganesha;
        this.include = IncludeFile.ganesha(ganesha.config(), context.failover());
    }

    /** The fragment's text: checks every folder and option, changes nothing. */
    static String fragment(List<NfsExport> exports, Path root, int firstId, String failover) throws ApplicationException {
        Map<Path, List<NfsExport>> byFolder = new LinkedHashMap<>();
        for (NfsExport e : exports) {
            byFolder.computeIfAbsent(e.folder(), f -> new ArrayList<>()).add(e);
        }
        StringBuilder s = new StringBuilder();
        s.append("# NFS exports of the replica, written by Doppel's failover ").append(failover.replaceAll("\\p{Cntrl}",
                "?")).append(" (plugin \"shares\"). Removed with its %include line at fail-back: do not edit.\n");
        int id = firstId;
        for (Map.Entry<Path, List<NfsExport>> folder : byFolder.entrySet()) {
            String path = folder.getKey().toString();
            String pseudo = folder.getValue().get(0).pseudo(root);
            if (BAD_PATH.matcher(path).find()) {
                throw new ApplicationException("shares.nfs: NFS-Ganesha's configuration cannot name the folder " + path
                        + " (a quote, a backslash or a control character): export a folder with a plainer name");
            }
            if (pseudo.equals("/")) {
                throw new ApplicationException("shares.nfs: NFS-Ganesha serves its own pseudo root at '/': export a "
                        + "folder inside the replicated data, not all of it");
            }
            s.append("\nEXPORT {\n");
            s.append("\tExport_Id = ").append(id++).append(";\n");
            s.append("\tPath = \"").append(path).append("\";\n");
            s.append("\tPseudo = \"").append(pseudo).append("\";\n");
            s.append("\tProtocols = 4;\n");
            s.append("\tAccess_Type = None;\n"); // only the clients named below
            s.append("\tFSAL { Name = VFS; }\n");
            for (NfsExport e : folder.getValue()) {
                // unquoted: Ganesha takes a quoted string for a name, not for an address or a network
                s.append("\tCLIENT {\n\t\tClients = ").append(e.client()).append(";\n");
                for (String line : clientSettings(e)) {
                    s.append("\t\t").append(line).append(";\n");
                }
                s.append("\t}\n");
            }
            s.append("}\n");
        }
        return s.toString();
    }

    /** A client's exportfs options as Ganesha's CLIENT settings. */
    static List<String> clientSettings(NfsExport e) throws ApplicationException {
        String access = "RO";
        String squash = "Root_Squash";
        List<String> more = new ArrayList<>();
        for (String option : e.options().split(",")) {
            int eq = option.indexOf('=');
            String name = eq < 0 ? option : option.substring(0, eq);
            String value = eq < 0 ? "" : option.substring(eq + 1);
            switch (name) {
                case "ro" -> access = "RO";
                case "rw" -> access = "RW";
                case "root_squash" -> squash = "Root_Squash";
                case "no_root_squash" -> squash = "No_Root_Squash";
                case "all_squash" -> squash = "All_Squash";
                case "anonuid", "anongid" -> {
                    if (!NUMBER.matcher(value).matches()) {
                        throw new ApplicationException("shares.nfs: " + name + " of " + e.target() + " must be a number, "
                                + "not '" + value + "'");
                    }
                    more.add((name.equals("anonuid") ? "Anonymous_Uid = " : "Anonymous_Gid = ") + value);
                }
                case "sec" -> {
                    if (!SEC.matcher(value).matches()) {
                        throw new ApplicationException("shares.nfs: sec of " + e.target() + " must be sys, none, krb5, "
                                + "krb5i or krb5p (several separated by ':'), not '" + value + "'");
                    }
                    more.add("SecType = " + value.replace(':', ','));
                }
                default -> {
                    if (!WITHOUT_EQUIVALENT.contains(option)) {
                        throw new ApplicationException("shares.nfs: the export option '" + option + "' of " + e.target()
                                + " has no equivalent in NFS-Ganesha (it takes ro, rw, root_squash, no_root_squash, "
                                + "all_squash, anonuid, anongid and sec, and leaves out " + String.join(", ",
                                        WITHOUT_EQUIVALENT) + ")");
                    }
                }
            }
        }
        List<String> settings = new ArrayList<>(List.of("Access_Type = " + access, "Squash = " + squash));
        settings.addAll(more);
        return settings;
    }

    /** Writes the fragment, includes it and has the running server read its exports again. */
    void export(List<NfsExport> exports, Path root) throws ApplicationException {
        String text = fragment(exports, root, ganesha.firstId(), context.failover());
        if (!Files.isRegularFile(ganesha.config())) {
            throw new ApplicationException("NFS-Ganesha's configuration " + ganesha.config() + " does not exist: install "
                    + "nfs-ganesha and nfs-ganesha-vfs, or set shares.ganesha.config");
        }
        long pid = runningPid(); // before anything is written: a server that is not running is reported first
        try {
            include.write(text);
            if (include.addLine()) {
                context.log("added '" + include.line() + "' to " + ganesha.config());
            }
        } catch (IOException e) {
            throw new ApplicationException("cannot add the replica's NFS exports to " + ganesha.config() + " ("
                    + include.fragment() + "): " + e.getMessage(), e);
        }
        reload(pid);
        context.log("NFS-Ganesha (pid " + pid + ") exports " + exports.stream().map(NfsExport::target).toList());
    }

    /** What is missing for the exports to be served: the fragment, its line, or the running server (empty: nothing). */
    List<String> missing(List<NfsExport> exports) {
        List<String> missing = new ArrayList<>();
        try {
            if (!Files.isRegularFile(include.fragment())) {
                missing.add(include.fragment().toString());
            }
            if (!include.present() || !Files.readString(ganesha.config().toRealPath(), StandardCharsets.ISO_8859_1)
                    .contains(include.line())) {
                missing.add("'" + include.line() + "' in " + ganesha.config());
            }
        } catch (IOException e) {
            missing.add(ganesha.config() + " (" + e.getMessage() + ")");
        }
        try {
            runningPid();
        } catch (ApplicationException e) {
            missing.add("a running NFS-Ganesha (" + e.getMessage() + ")");
        }
        return missing.isEmpty() ? List.of() : missing.stream().map(m -> m + " for " + exports.size() + " export(s)")
                .toList();
    }

    /** Takes the line and the fragment out and has a running server read its exports again; quiet if none was added. */
    void unexport() throws ApplicationException {
        boolean removed;
        try {
            removed = Files.exists(ganesha.config()) && include.removeLine();
            removed |= include.deleteFragment();
        } catch (IOException e) {
            throw new ApplicationException("cannot take the replica's NFS exports out of " + ganesha.config() + " ("
                    + include.line() + ", " + include.fragment() + "): " + e.getMessage(), e);
        }
        if (!removed) {
            return;
        }
        context.log("removed '" + include.line() + "' from " + ganesha.config() + " and " + include.fragment());
        long pid;
        try {
            pid = runningPid();
        } catch (ApplicationException e) {
            context.log("NFS-Ganesha is not running (" + e.getMessage() + "): nothing to reload");
            return;
        }
        reload(pid);
    }

    private long runningPid() throws ApplicationException {
        String text;
        try {
            text = Files.readString(ganesha.pidFile(), StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            throw new ApplicationException("NFS-Ganesha is not running: there is no " + ganesha.pidFile()
                    + " (start it, e.g. systemctl start nfs-ganesha, or set shares.ganesha.pidfile)");
        } catch (IOException e) {
            throw new ApplicationException("cannot read NFS-Ganesha's pid file " + ganesha.pidFile() + ": "
                    + e.getMessage(), e);
        }
        long pid;
        try {
            pid = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ApplicationException("NFS-Ganesha's pid file " + ganesha.pidFile() + " holds '" + text
                    + "', not a process id");
        }
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new ApplicationException("NFS-Ganesha is not running: process " + pid + " of " + ganesha.pidFile()
                    + " is gone (start it, e.g. systemctl start nfs-ganesha)");
        }
        return pid;
    }

    private void reload(long pid) throws ApplicationException {
        List<String> command = List.of("kill", "-HUP", Long.toString(pid));
        CommandRunner.Result r = context.commands().run(command, Map.of(), Output.within(context, Samba.PROBE,
                String.join(" ", command)));
        if (!r.ok()) {
            throw new ApplicationException("cannot make NFS-Ganesha (pid " + pid + ") read its exports again: "
                    + String.join(" ", command) + " ended with " + r.exitCode() + ": " + Output.last(r.output()));
        }
    }
}
