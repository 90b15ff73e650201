package io.doppel.failover.internal.plan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;

/**
 * The network side of an identity, done with the system's own tools: addresses by {@code ip},
 * gratuitous ARP by {@code arping} (so neighbours learn the address moved at once, not when their
 * caches expire), the host alias in the hosts file.
 */
public final class Network {

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(15);

    private final CommandRunner commands;
    private final Path hostsFile;
    private final Events events;

    /** Where the network steps report what they could not do but did not need (a missing arping, say). */
    public interface Events {
        void warning(String code, String message);
    }

    public Network(CommandRunner commands, Path hostsFile, Events events) {
        this.commands = commands;
        this.hostsFile = hostsFile;
        this.events = events;
    }

    /** {@code ADDRESS/PREFIX@INTERFACE} split. */
    public record Spec(String cidr, String address, String device) {
        public static Spec parse(String spec) {
            int at = spec.lastIndexOf('@');
            String cidr = spec.substring(0, at);
            return new Spec(cidr, cidr.substring(0, cidr.indexOf('/')), spec.substring(at + 1));
        }

        public String text() {
            return cidr + "@" + device;
        }
    }

    /** Brings an address up; returns false if this host had it already (then it is not ours to remove). */
    public boolean add(Spec spec) throws ApplicationException {
        if (present(spec)) {
            return false;
        }
        ip("addr", "add", spec.cidr(), "dev", spec.device());
        announce(spec);
        return true;
    }

    /** Takes an address down; quiet if it is not there. */
    public void remove(Spec spec) throws ApplicationException {
        if (present(spec)) {
            ip("addr", "del", spec.cidr(), "dev", spec.device());
        }
    }

    /** The IPv4 addresses on a device, as specs. */
    public List<Spec> addressesOf(String device) throws ApplicationException {
        CommandRunner.Result r = commands.run(List.of("ip", "-o", "-4", "addr", "show", "dev", device), Map.of(),
                TOOL_TIMEOUT);
        if (!r.ok()) {
            throw new ApplicationException("cannot list the addresses of " + device + ": " + r.output());
        }
        List<Spec> out = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            String[] words = line.trim().split("\\s+");
            for (int i = 0; i + 1 < words.length; i++) {
                if (words[i].equals("inet")) {
                    out.add(new Spec(words[i + 1], words[i + 1].substring(0, words[i + 1].indexOf('/')), device));
                }
            }
        }
        return out;
    }

    private boolean present(Spec spec) throws ApplicationException {
        return addressesOf(spec.device()).stream().anyMatch(s -> s.address().equals(spec.address()));
    }

    /**
     * Gratuitous ARP, twice, a second apart, sent beside the plan rather than in it: the address
     * serves as soon as it is up, and arping takes a second per packet. Without arping the address
     * still works once neighbours' caches expire.
     */
    private void announce(Spec spec) {
        if (spec.address().contains(":")) {
            return; // IPv6: the kernel sends unsolicited neighbour advertisements itself
        }
        Thread.ofPlatform().daemon().name("doppel-arp-" + spec.address()).start(() -> announceNow(spec));
    }

    private void announceNow(Spec spec) {
        CommandRunner.Result r;
        try {
            r = commands.run(List.of("arping", "-U", "-c", "2", "-I", spec.device(), spec.address()), Map.of(),
                    TOOL_TIMEOUT);
        } catch (ApplicationException e) {
            events.warning("failover.arp", "no gratuitous ARP for " + spec.address() + " (install iputils-arping): "
                    + e.getMessage() + "; neighbours learn the new place when their ARP caches expire");
            return;
        }
        if (!r.ok()) {
            events.warning("failover.arp", "gratuitous ARP for " + spec.address() + " on " + spec.device()
                    + " failed: " + r.output());
        }
    }

    private void ip(String... args) throws ApplicationException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        CommandRunner.Result r = commands.run(command, Map.of(), TOOL_TIMEOUT);
        if (!r.ok()) {
            throw new ApplicationException(String.join(" ", command) + " failed: " + r.output());
        }
    }

    // --- the host alias

    private static String marker(String failover) {
        return "# doppel failover " + failover;
    }

    /** Adds {@code address alias} to the hosts file, marked as this failover's. */
    /** The kernel's host name (of this agent's UTS namespace). */
    public String hostName() throws IOException {
        return Files.readString(HOSTNAME, StandardCharsets.US_ASCII).strip();
    }

    /** Sets the kernel's host name (root only); what {@code hostname NAME} does, without the program. */
    public void setHostName(String name) throws IOException {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9.-]{0,63}")) {
            throw new IOException("'" + name + "' is not a host name");
        }
        try {
            Files.writeString(HOSTNAME, name, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("cannot set the host name to " + name + " (" + e.getMessage() + "): the agent "
                    + "must run as root", e);
        }
    }

    private static final Path HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    public void addAlias(String failover, String address, String alias) throws IOException {
        removeAlias(failover);
        List<String> lines = new ArrayList<>(Files.exists(hostsFile)
                ? Files.readAllLines(hostsFile, StandardCharsets.UTF_8) : List.of());
        lines.add(address + "\t" + alias + "\t" + marker(failover));
        write(lines);
    }

    /** Removes this failover's alias from the hosts file; quiet if there is none. */
    public void removeAlias(String failover) throws IOException {
        if (!Files.exists(hostsFile)) {
            return;
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(hostsFile, StandardCharsets.UTF_8));
        if (lines.removeIf(l -> l.endsWith(marker(failover)))) {
            write(lines);
        }
    }

    private void write(List<String> lines) throws IOException {
        Path tmp = hostsFile.resolveSibling(hostsFile.getFileName() + ".doppel-tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        if (Files.exists(hostsFile)) {
            try {
                Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(hostsFile));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the default permissions stay
            }
        }
        try {
            Files.move(tmp, hostsFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // a hosts file bind-mounted into a container cannot be replaced, only rewritten
            Files.write(hostsFile, lines, StandardCharsets.UTF_8);
            Files.deleteIfExists(tmp);
        }
    }
}
