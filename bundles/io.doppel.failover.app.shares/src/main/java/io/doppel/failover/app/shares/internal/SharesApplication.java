package io.doppel.failover.app.shares.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.ApplicationFailover;
import io.doppel.api.failover.app.Availability;
import io.doppel.api.failover.app.Health;
import io.doppel.api.failover.app.TakeoverContext;
import io.doppel.failover.app.shares.internal.Shares.SambaShare;

/**
 * File shares on the replica ({@code shares}): Samba shares of folders in the replicated data,
 * written to a fragment of the failover's own that one line includes in the admin's smb.conf,
 * checked with testparm and served by the running smbd (reloaded) or one started for them; and NFS
 * exports of such folders. Fail-back takes the line, the fragment and the exports away again.
 */
@Component(service = ApplicationFailover.class)
public final class SharesApplication implements ApplicationFailover {

    private static final Logger LOG = LoggerFactory.getLogger(SharesApplication.class);

    /** Present in the work directory while an smbd that this failover started serves. */
    static final String STARTED = "smbd.started";

    @Override
    public String id() {
        return "shares";
    }

    @Override
    public String description() {
        return "File shares: Samba shares (and NFS exports) served from the replica";
    }

    @Override
    public Map<String, String> settings() {
        return Shares.settings();
    }

    @Override
    public Availability availability() {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, List<String>> p : new TreeMap<>(Samba.PROGRAMS).entrySet()) {
            if (!installed(p.getKey(), p.getValue())) {
                missing.add(p.getKey());
            }
        }
        return missing.isEmpty() ? Availability.yes()
                : Availability.no("Samba's " + String.join(", ", missing) + " " + (missing.size() == 1 ? "is" : "are")
                        + " missing: install samba and smbclient (apt install samba smbclient)");
    }

    @Override
    public List<String> protectedPaths(Map<String, String> settings) {
        return Shares.paths(settings);
    }

    @Override
    public void prepare(TakeoverContext context) throws ApplicationException {
        Shares s = Shares.of(context);
        if (!s.smb().isEmpty()) {
            IncludeFile include = new IncludeFile(s.config(), context.failover());
            checkConfig(include);
            refuseTaken(s, include, new Samba(context, s.config()).sections("as it is"));
        }
        Shares.Ganesha ganesha = Shares.ganesha(context);
        if (!s.nfs().isEmpty() && ganesha != null) {
            GaneshaExports.fragment(s.nfs(), realData(context), ganesha.firstId(), context.failover());
            if (!installed("ganesha.nfsd", List.of("/usr/bin/ganesha.nfsd", "/usr/sbin/ganesha.nfsd"))) {
                throw new ApplicationException("shares.nfs asks for NFS exports by NFS-Ganesha, but ganesha.nfsd is "
                        + "missing: install nfs-ganesha and nfs-ganesha-vfs (apt install nfs-ganesha nfs-ganesha-vfs)");
            }
        } else if (!s.nfs().isEmpty() && !installed("exportfs", List.of("/usr/sbin/exportfs", "/sbin/exportfs"))) {
            throw new ApplicationException("shares.nfs asks for NFS exports, but exportfs is missing: install "
                    + "nfs-kernel-server (apt install nfs-kernel-server), or use NFS-Ganesha (shares.nfsServer=ganesha)");
        }
    }

    @Override
    public void takeOver(TakeoverContext context) throws ApplicationException {
        Shares s = Shares.of(context);
        if (!s.smb().isEmpty()) {
            takeSamba(context, s);
        }
        if (!s.nfs().isEmpty()) {
            Shares.Ganesha ganesha = Shares.ganesha(context);
            if (ganesha != null) {
                new GaneshaExports(context, ganesha).export(s.nfs(), realData(context));
            } else {
                new NfsExports(context).export(s.nfs());
            }
        }
    }

    private static Path realData(TakeoverContext context) throws ApplicationException {
        try {
            return context.dataRoot().toRealPath();
        } catch (IOException e) {
            throw new ApplicationException("the replicated data " + context.dataRoot() + " cannot be read: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Health health(TakeoverContext context) {
        try {
            Shares s = Shares.of(context);
            List<String> seen = new ArrayList<>();
            if (!s.smb().isEmpty()) {
                Samba.Listing listing = new Samba(context, s.config()).listing(s.host());
                List<String> missing = s.smb().stream().map(SambaShare::name)
                        .filter(n -> !listing.shares().contains(n.toLowerCase(Locale.ROOT))).toList();
                if (!missing.isEmpty()) {
                    return Health.down("smbd at " + s.host() + " does not list " + missing + ": " + listing.output());
                }
                seen.add("smbd lists " + s.smb().stream().map(SambaShare::name).toList());
            }
            if (!s.nfs().isEmpty()) {
                Shares.Ganesha ganesha = Shares.ganesha(context);
                List<String> missing = ganesha != null ? new GaneshaExports(context, ganesha).missing(s.nfs())
                        : new NfsExports(context).missing(s.nfs());
                if (!missing.isEmpty()) {
                    return Health.down("the NFS server does not export " + missing);
                }
                seen.add("NFS exports " + s.nfs().size() + " folder(s)");
            }
            return Health.up(String.join("; ", seen));
        } catch (ApplicationException e) {
            return Health.down(e.getMessage());
        }
    }

    @Override
    public void release(TakeoverContext context) throws ApplicationException {
        new NfsExports(context).unexport();
        Shares.Ganesha ganesha = Shares.ganesha(context);
        if (ganesha != null) {
            new GaneshaExports(context, ganesha).unexport();
        }
        IncludeFile include = new IncludeFile(Shares.config(context), context.failover());
        Path started = context.workDirectory().resolve(STARTED);
        Set<String> names;
        boolean removed;
        try {
            names = include.shares();
            removed = include.removeLine() | include.deleteFragment();
        } catch (IOException e) {
            throw new ApplicationException("cannot take the replica's shares out of " + include.config() + " ("
                    + include.line() + ", " + include.fragment() + "): " + e.getMessage(), e);
        }
        if (!removed && !Files.exists(started)) {
            return; // nothing was taken
        }
        Samba samba = new Samba(context, include.config());
        if (samba.running()) {
            if (Files.exists(started)) {
                samba.shutdown(); // it did not run before the takeover
                awaitStopped(context, samba);
                context.log("stopped the smbd that the takeover started");
            } else {
                samba.reload();
                samba.await(Shares.host(context), names, false);
            }
        }
        try {
            Files.deleteIfExists(started);
        } catch (IOException e) {
            throw new ApplicationException("the shares are gone, but " + started + " cannot be removed: "
                    + e.getMessage(), e);
        }
        if (removed) {
            context.log("removed the Samba shares " + names + " (" + include.line() + " out of " + include.config()
                    + ")");
        }
    }

    private static void takeSamba(TakeoverContext context, Shares s) throws ApplicationException {
        IncludeFile include = new IncludeFile(s.config(), context.failover());
        checkConfig(include);
        Samba samba = new Samba(context, s.config());
        refuseTaken(s, include, samba.sections("before the replica's shares are added"));
        try {
            include.write(s.smb(), context.failover());
            include.addLine();
        } catch (IOException e) {
            undo(include);
            throw new ApplicationException("cannot add the replica's shares to " + s.config() + ": " + e.getMessage()
                    + " (the agent must be able to write to " + s.config().getParent() + ")", e);
        }
        Set<String> names = names(s);
        try {
            Set<String> sections = samba.sections("with the replica's shares included (" + include.fragment() + ")");
            if (!sections.containsAll(names)) {
                throw new ApplicationException("testparm does not show the replica's shares " + names + " in " + s.config()
                        + " although " + include.line() + " was added: does the config include another file last, or "
                        + "set 'config file'?");
            }
        } catch (ApplicationException e) {
            undo(include);
            throw e;
        }
        context.log("added " + include.line() + " to " + s.config() + " for the shares " + names);
        if (samba.running()) {
            samba.reload();
            context.log("smbd reloads " + s.config());
        } else {
            samba.start(s.start());
            try {
                Files.writeString(context.workDirectory().resolve(STARTED), String.join(" ", s.start()) + "\n");
            } catch (IOException e) {
                throw new ApplicationException("smbd started, but this cannot be noted in " + context.workDirectory()
                        + ": " + e.getMessage(), e);
            }
            context.log("started smbd: " + String.join(" ", s.start()));
        }
        samba.await(s.host(), names, true);
        LOG.info("failover {}: smbd serves {} from the replica", context.failover(), names);
        context.log("smbd serves " + s.smb().stream().map(SambaShare::name).toList() + " from the replica");
    }

    /** A share name the config has already (the admin's, or another failover's) is refused, untouched. */
    private static void refuseTaken(Shares s, IncludeFile include, Set<String> sections) throws ApplicationException {
        Set<String> ours;
        try {
            ours = include.shares();
        } catch (IOException e) {
            throw new ApplicationException("cannot read " + include.fragment() + ": " + e.getMessage(), e);
        }
        List<String> taken = s.smb().stream().map(SambaShare::name)
                .filter(n -> sections.contains(n.toLowerCase(Locale.ROOT)) && !ours.contains(n.toLowerCase(Locale.ROOT)))
                .toList();
        if (!taken.isEmpty()) {
            throw new ApplicationException("shares.smb: " + taken + " " + (taken.size() == 1 ? "is a share" : "are "
                    + "shares") + " of " + s.config() + " already (Samba ignores case): rename the replica's share or "
                    + "remove the section from the config");
        }
    }

    private static void checkConfig(IncludeFile include) throws ApplicationException {
        if (!Files.isRegularFile(include.config())) {
            throw new ApplicationException("shares.config: " + include.config() + " is not a file: install samba, or "
                    + "name the smb.conf that smbd runs with");
        }
    }

    /** Takes back what a takeover wrote, so a refused config is left as it was. */
    private static void undo(IncludeFile include) throws ApplicationException {
        try {
            include.removeLine();
            include.deleteFragment();
        } catch (IOException e) {
            throw new ApplicationException("the replica's shares are refused, and " + include.line() + " cannot be "
                    + "taken out of " + include.config() + " again (" + e.getMessage() + "): remove it by hand", e);
        }
    }

    private static void awaitStopped(TakeoverContext context, Samba samba) throws ApplicationException {
        while (samba.running()) {
            if (!Output.pause(context)) {
                throw new ApplicationException("the smbd that the takeover started still runs at the step's deadline "
                        + "after smbcontrol smbd shutdown: stop it by its pid file");
            }
        }
    }

    private static Set<String> names(Shares s) {
        Set<String> names = new LinkedHashSet<>();
        s.smb().forEach(share -> names.add(share.name().toLowerCase(Locale.ROOT)));
        return names;
    }

    /** Whether the program is in one of its usual places or on the PATH. */
    private static boolean installed(String program, List<String> places) {
        List<Path> candidates = new ArrayList<>(places.stream().map(Path::of).toList());
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, program));
            }
        }
        return candidates.stream().anyMatch(Files::isExecutable);
    }
}
