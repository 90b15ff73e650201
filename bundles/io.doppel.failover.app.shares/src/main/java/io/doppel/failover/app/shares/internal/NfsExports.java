package io.doppel.failover.app.shares.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;
import io.doppel.failover.app.shares.internal.Shares.NfsExport;

/**
 * NFS exports of folders in the replica, made with {@code exportfs -o OPTIONS CLIENT:PATH} and
 * removed with {@code exportfs -u}; /etc/exports is never written, so the exports last until
 * fail-back or the NFS server's restart. Each export made is noted in the work directory before the
 * next, so a release after a partial takeover removes exactly those.
 */
final class NfsExports {

    /** The exports this failover made ({@code CLIENT:PATH}, one a line), in its work directory. */
    static final String MADE = "nfs-exports";

    private final TakeoverContext context;

    NfsExports(TakeoverContext context) {
        this.context = context;
    }

    void export(List<NfsExport> exports) throws ApplicationException {
        for (NfsExport e : exports) {
            List<String> command = List.of("exportfs", "-o", e.options(), e.target());
            CommandRunner.Result r = run(command);
            if (!r.ok()) {
                throw new ApplicationException("cannot export " + e.folder() + " to " + e.client() + " over NFS: "
                        + String.join(" ", command) + " ended with " + r.exitCode() + ": " + Output.last(r.output())
                        + (r.output().contains("nfsd") ? "; is nfs-kernel-server installed and running?" : ""));
            }
            try {
                Files.writeString(made(), e.target() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException x) {
                throw new ApplicationException("exported " + e.target() + ", but cannot note it in " + made() + ": "
                        + x.getMessage(), x);
            }
            context.log("exported " + e.folder() + " to " + e.client() + " (" + e.options() + ") over NFS");
        }
    }

    /** Which of the exports the NFS server does not have (empty: all are there). */
    List<String> missing(List<NfsExport> exports) throws ApplicationException {
        CommandRunner.Result r = run(List.of("exportfs", "-s"));
        if (!r.ok()) {
            throw new ApplicationException("exportfs -s ended with " + r.exitCode() + ": " + Output.last(r.output()));
        }
        List<String> missing = new ArrayList<>();
        for (NfsExport e : exports) {
            boolean found = r.output().lines().map(l -> List.of(l.strip().split("\\s+"))).anyMatch(words ->
                    words.get(0).equals(e.folder().toString())
                            && words.stream().anyMatch(w -> w.startsWith(e.client() + "(")));
            if (!found) {
                missing.add(e.target());
            }
        }
        return missing;
    }

    /** Removes the exports this failover made, last first; quiet if it made none. */
    void unexport() throws ApplicationException {
        List<String> made;
        try {
            made = Files.exists(made()) ? new ArrayList<>(Files.readAllLines(made(), StandardCharsets.UTF_8)) : List.of();
        } catch (IOException e) {
            throw new ApplicationException("cannot read the exports this failover made from " + made() + ": "
                    + e.getMessage(), e);
        }
        Collections.reverse(made);
        for (String target : made) {
            if (target.isBlank()) {
                continue;
            }
            CommandRunner.Result r = run(List.of("exportfs", "-u", target));
            if (!r.ok() && !r.output().contains("Could not find")) {
                throw new ApplicationException("cannot remove the NFS export " + target + ": exportfs -u ended with "
                        + r.exitCode() + ": " + Output.last(r.output()));
            }
            context.log("removed the NFS export " + target);
        }
        try {
            Files.deleteIfExists(made());
        } catch (IOException e) {
            throw new ApplicationException("the NFS exports are removed, but " + made() + " cannot be: "
                    + e.getMessage(), e);
        }
    }

    private Path made() {
        return context.workDirectory().resolve(MADE);
    }

    private CommandRunner.Result run(List<String> command) throws ApplicationException {
        return context.commands().run(command, Map.of(), Output.within(context, Samba.PROBE, String.join(" ", command)));
    }
}
