package io.doppel.failover.app.shares.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * Samba as its own programs see one smb.conf: {@code testparm} checks it, {@code smbcontrol} finds
 * the smbd that runs with it (through the pid directory the config names), and {@code smbclient}
 * asks that smbd for its shares. Every program runs for at most {@link #PROBE}, never past the
 * step's deadline.
 */
final class Samba {

    /** The longest one program may take: they answer in milliseconds when Samba is well. */
    static final Duration PROBE = Duration.ofSeconds(10);

    /** The programs the plugin needs, and where Debian, Fedora and SUSE install them. */
    static final Map<String, List<String>> PROGRAMS = Map.of(
            "smbd", List.of("/usr/sbin/smbd", "/usr/bin/smbd"),
            "smbcontrol", List.of("/usr/bin/smbcontrol", "/usr/sbin/smbcontrol"),
            "testparm", List.of("/usr/bin/testparm", "/usr/sbin/testparm"),
            "smbclient", List.of("/usr/bin/smbclient"));

    private static final Pattern SECTION = Pattern.compile("(?m)^\\[(.+)\\]\\s*$");
    private static final Pattern LISTED_DISK = Pattern.compile("(?m)^Disk\\|([^|]*)\\|");
    private static final Pattern PORTS = Pattern.compile("(?m)^\\s*(\\d+)(\\s+\\d+)*\\s*$");

    private final TakeoverContext context;
    private final Path config;

    Samba(TakeoverContext context, Path config) {
        this.context = context;
        this.config = config;
    }

    /** The sections of the config as Samba reads it (includes followed), or why testparm refuses it. */
    Set<String> sections(String when) throws ApplicationException {
        CommandRunner.Result r = run(List.of("testparm", "-s", config.toString()));
        if (!r.ok()) {
            throw new ApplicationException("testparm refuses the Samba configuration " + config + " " + when + ": "
                    + Output.last(r.output()) + "; fix it with testparm -s " + config);
        }
        Set<String> sections = new LinkedHashSet<>();
        Matcher m = SECTION.matcher(r.output());
        while (m.find()) {
            sections.add(m.group(1).strip().toLowerCase(Locale.ROOT));
        }
        return sections;
    }

    /** Whether an smbd runs with this config (it answers {@code smbcontrol ping}). */
    boolean running() throws ApplicationException {
        return run(List.of("smbcontrol", "-s", config.toString(), "smbd", "ping")).ok();
    }

    /** Tells the running smbd to read its config again; new connections see the change. */
    void reload() throws ApplicationException {
        require(List.of("smbcontrol", "-s", config.toString(), "smbd", "reload-config"),
                "tell smbd to reload " + config);
    }

    void start(List<String> command) throws ApplicationException {
        require(command, "start smbd");
    }

    void shutdown() throws ApplicationException {
        require(List.of("smbcontrol", "-s", config.toString(), "smbd", "shutdown"), "stop the smbd it started");
        // smbd starts samba-dcerpcd and its workers on demand (share listings); they outlive it unless told
        run(List.of("smbcontrol", "-s", config.toString(), "samba-dcerpcd", "shutdown"));
    }

    /** The disk shares smbd lists to {@code host} (lower case), or why it lists none. */
    Listing listing(String host) throws ApplicationException {
        List<String> command = new ArrayList<>(List.of("smbclient", "-s", config.toString(), "-N", "-g", "-L", host));
        port().ifPresent(p -> command.addAll(List.of("-p", p)));
        CommandRunner.Result r = run(command);
        Set<String> shares = new LinkedHashSet<>();
        Matcher m = LISTED_DISK.matcher(r.output());
        while (m.find()) {
            shares.add(m.group(1).toLowerCase(Locale.ROOT));
        }
        return new Listing(r.ok(), shares, Output.last(r.output()));
    }

    /** What smbclient saw: whether it could list, the disk shares, and what it said. */
    record Listing(boolean answered, Set<String> shares, String output) {
    }

    /** The first of the config's {@code smb ports}, which smbclient does not read from it. */
    private Optional<String> port() throws ApplicationException {
        CommandRunner.Result r = run(List.of("testparm", "-s", "--parameter-name=smb ports", config.toString()));
        Matcher m = PORTS.matcher(r.output());
        return r.ok() && m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private void require(List<String> command, String what) throws ApplicationException {
        CommandRunner.Result r = run(command);
        if (!r.ok()) {
            throw new ApplicationException("cannot " + what + ": " + String.join(" ", command) + " ended with "
                    + r.exitCode() + ": " + Output.last(r.output()));
        }
    }

    private CommandRunner.Result run(List<String> command) throws ApplicationException {
        return context.commands().run(command, Map.of(), Output.within(context, PROBE, String.join(" ", command)));
    }

    /**
     * Waits, polling, until smbd lists every one of {@code names} (or, {@code listed} false, none of
     * them), or throws at the step's deadline.
     */
    void await(String host, Set<String> names, boolean listed) throws ApplicationException {
        Listing last;
        do {
            last = listing(host);
            boolean all = last.answered() && last.shares().containsAll(names);
            boolean none = names.stream().noneMatch(last.shares()::contains);
            if (listed ? all : none) {
                return;
            }
        } while (Output.pause(context));
        throw new ApplicationException("smbd at " + host + " " + (listed ? "does not list" : "still lists") + " the "
                + "shares " + names + " at the step's deadline; smbclient -L said: "
                + last.output());
    }
}
