package io.doppel.failover.app.windows.smb.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.ApplicationFailover;
import io.doppel.api.failover.app.Availability;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.Health;
import io.doppel.api.failover.app.TakeoverContext;
import io.doppel.failover.app.windows.PowerShell;

/**
 * The {@code smb} application plugin: the source's Windows file shares, made again on the target
 * for the same folders inside the image, with the access lists from the settings; release removes
 * them.
 */
@Component(service = ApplicationFailover.class)
public final class SmbShareFailover implements ApplicationFailover {

    @Override
    public String id() {
        return "smb";
    }

    @Override
    public String description() {
        return "Windows SMB shares of folders in the replicated data";
    }

    @Override
    public Map<String, String> settings() {
        return SmbSettings.descriptions();
    }

    @Override
    public Availability availability() {
        return availability(System.getProperty("os.name", ""));
    }

    static Availability availability(String osName) {
        return osName.startsWith("Windows") ? Availability.yes()
                : Availability.no("SMB share failover runs only on Windows, and this agent runs on " + osName
                        + ": install the plugin on the agent of a Windows target (Samba shares: use the script plugin)");
    }

    /** @throws IllegalArgumentException if the settings are refused (the message says why) */
    @Override
    public List<String> protectedPaths(Map<String, String> settings) {
        try {
            return SmbSettings.of(settings).shares().stream().map(s -> s.path().equals(".") ? "" : s.path()).toList();
        } catch (ApplicationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public void prepare(TakeoverContext context) throws ApplicationException {
        SmbSettings s = SmbSettings.of(context.settings());
        for (SmbSettings.Share share : s.shares()) {
            folder(context, share);
        }
        CommandRunner.Result r = ok(run(context, s, "list the shares", ShareScripts.list(names(s))), "list the shares");
        for (SmbSettings.Share share : s.shares()) {
            Listed existing = listed(r, share.name());
            if (existing == null) {
                continue;
            }
            if (!existing.path().equalsIgnoreCase(folder(context, share).toString())) {
                throw conflict(share.name(), existing.path());
            }
            context.log("share " + share.name() + " exists already for its folder: the takeover makes it again");
        }
    }

    @Override
    public void takeOver(TakeoverContext context) throws ApplicationException {
        SmbSettings s = SmbSettings.of(context.settings());
        List<Path> folders = new ArrayList<>();
        for (SmbSettings.Share share : s.shares()) {
            folders.add(folder(context, share));
        }
        String description = "Doppel failover " + context.failover() + " (replica of " + context.source() + ")";
        for (int i = 0; i < folders.size(); i++) {
            SmbSettings.Share share = s.shares().get(i);
            String what = "create share " + share.name() + " for " + folders.get(i);
            CommandRunner.Result r = run(context, s, what,
                    ShareScripts.create(share, folders.get(i).toString(), description));
            if (!r.ok()) {
                throw new ApplicationException("cannot " + what + ": " + PowerShell.error(r) + ": check the accounts in "
                        + "smb.fullAccess, smb.changeAccess, smb.readAccess (or smb." + share.name() + ".…)");
            }
            List<String> conflict = PowerShell.tagged(r, "CONFLICT");
            if (!conflict.isEmpty()) {
                throw conflict(share.name(), conflict.getFirst());
            }
            context.log("share " + share.name() + " created for " + folders.get(i));
        }
    }

    @Override
    public Health health(TakeoverContext context) {
        try {
            SmbSettings s = SmbSettings.of(context.settings());
            CommandRunner.Result r = ok(run(context, s, "list the shares", ShareScripts.list(names(s))),
                    "list the shares");
            List<String> problems = new ArrayList<>();
            for (SmbSettings.Share share : s.shares()) {
                String expected = path(context, share).toString();
                Listed listed = listed(r, share.name());
                if (listed == null) {
                    problems.add("share " + share.name() + " does not exist");
                } else if (!listed.path().equalsIgnoreCase(expected)) {
                    problems.add("share " + share.name() + " is for " + listed.path() + ", not " + expected);
                } else if (!listed.state().equals("Online")) {
                    problems.add("share " + share.name() + " is " + listed.state());
                }
            }
            return problems.isEmpty() ? Health.up("shares online: " + String.join(", ", names(s)))
                    : Health.down(String.join("; ", problems));
        } catch (ApplicationException e) {
            return Health.down(e.getMessage());
        }
    }

    @Override
    public void release(TakeoverContext context) throws ApplicationException {
        SmbSettings s = SmbSettings.of(context.settings());
        for (SmbSettings.Share share : s.shares().reversed()) {
            String path = path(context, share).toString();
            CommandRunner.Result r = ok(run(context, s, "remove share " + share.name(),
                    ShareScripts.remove(share.name(), path)), "remove share " + share.name());
            if (r.output().lines().anyMatch(line -> line.strip().equals("REMOVED"))) {
                context.log("share " + share.name() + " removed");
            }
            for (String other : PowerShell.tagged(r, "FOREIGN")) {
                context.log("share " + share.name() + " is for " + other + ", not " + path + ": left as it is");
            }
        }
    }

    /** Where the share points: the image's root and the checked relative path. */
    private static Path path(TakeoverContext context, SmbSettings.Share share) {
        return share.path().equals(".") ? context.dataRoot() : context.dataRoot().resolve(share.path());
    }

    /**
     * The share's folder, which must exist and, links followed, be inside the image: a link in the
     * replicated data must not make a share of the target's own files.
     */
    private static Path folder(TakeoverContext context, SmbSettings.Share share) throws ApplicationException {
        Path folder = path(context, share);
        if (!Files.isDirectory(folder)) {
            throw new ApplicationException("folder " + share.path() + " of share " + share.name() + " is not in the image "
                    + "at " + context.dataRoot() + ": add it to the source's job, or correct smb.shares");
        }
        try {
            Path real = folder.toRealPath();
            if (!real.startsWith(context.dataRoot().toRealPath())) {
                throw new ApplicationException("folder " + share.path() + " of share " + share.name() + " leads out of "
                        + "the image (to " + real + "): a link in the replicated data points there; share a folder "
                        + "inside the image");
            }
        } catch (IOException e) {
            throw new ApplicationException("cannot read folder " + folder + " of share " + share.name() + ": "
                    + e.getMessage(), e);
        }
        return folder;
    }

    /** A share as {@link ShareScripts#list} found it. */
    private record Listed(String state, String path) {
    }

    /** The share of that name in a {@link ShareScripts#list} answer, or null if it does not exist. */
    private static Listed listed(CommandRunner.Result r, String name) {
        return PowerShell.tagged(r, "SHARE").stream().filter(line -> line.startsWith(name + "|"))
                .map(line -> line.split("\\|", 3)).filter(f -> f.length == 3).map(f -> new Listed(f[1], f[2])).findFirst()
                .orElse(null);
    }

    private static ApplicationException conflict(String name, String existing) {
        return new ApplicationException("share " + name + " already exists on this server for " + existing
                + ": remove it (Remove-SmbShare -Name " + name + ") or give the share another name in smb.shares");
    }

    private static List<String> names(SmbSettings s) {
        return s.shares().stream().map(SmbSettings.Share::name).toList();
    }

    private static CommandRunner.Result run(TakeoverContext context, SmbSettings s, String what, String script)
            throws ApplicationException {
        return PowerShell.run(context, s.commandTimeout(), what, script, "configure fewer shares per failover");
    }

    private static CommandRunner.Result ok(CommandRunner.Result r, String what) throws ApplicationException {
        if (!r.ok()) {
            throw new ApplicationException("cannot " + what + ": " + PowerShell.error(r)
                    + ": is the Server service (LanmanServer) running?");
        }
        return r;
    }
}
