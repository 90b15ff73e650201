package io.doppel.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test hosts in network namespaces made by the test, on one LAN: a bridge in a namespace of its
 * own, and hosts {@code a}, {@code b}, {@code c} each with an {@code eth0} on it, addressed
 * {@code 10.213.N.1}, {@code .2}, {@code .3}/24. A host can die (its namespace and link go) and
 * come back. Only these namespaces' own addresses are used; {@link #close()} deletes them all.
 */
public final class NetNs implements AutoCloseable {

    public static final String DEVICE = "eth0";
    private static final List<String> HOSTS = List.of("a", "b", "c");

    private final String prefix;
    private final int subnet;

    private NetNs(String prefix, int subnet) {
        this.prefix = prefix;
        this.subnet = subnet;
    }

    /** Why namespaces cannot be made here, or {@code null} if they can (root, {@code ip}, {@code nsenter}). */
    public static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "network namespaces need root";
        }
        for (String tool : List.of("/usr/sbin/ip", "/usr/bin/nsenter")) {
            if (!Files.isExecutable(Path.of(tool))) {
                return tool + " is missing";
            }
        }
        return null;
    }

    /** Makes the LAN and the three hosts on it. */
    public static NetNs create(String tag) {
        long pid = ProcessHandle.current().pid();
        NetNs ns = new NetNs("dpl-" + tag + (pid % 10000) + "-", 100 + (int) (pid % 100));
        ns.close(); // leftovers of an earlier run that died
        ip("netns", "add", ns.name("lan"));
        ip("-n", ns.name("lan"), "link", "add", "br0", "type", "bridge");
        ip("-n", ns.name("lan"), "link", "set", "br0", "up");
        HOSTS.forEach(ns::addHost);
        return ns;
    }

    private String name(String host) {
        return prefix + host;
    }

    private void addHost(String host) {
        String ns = name(host);
        ip("netns", "add", ns);
        ip("-n", ns, "link", "set", "lo", "up");
        ip("link", "add", DEVICE, "netns", ns, "type", "veth", "peer", "name", "p" + host, "netns", name("lan"));
        ip("-n", name("lan"), "link", "set", "p" + host, "master", "br0", "up");
        ip("-n", ns, "addr", "add", address(HOSTS.indexOf(host) + 1) + "/24", "dev", DEVICE);
        ip("-n", ns, "link", "set", DEVICE, "up");
    }

    /** {@code 10.213.N.host}. */
    public String address(int host) {
        return "10.213." + subnet + "." + host;
    }

    /** The command prefix that runs a program in a host's network (and nothing else of it). */
    public List<String> in(String host) {
        return List.of("nsenter", "--net=/run/netns/" + name(host), "--");
    }

    /**
     * The host dies: its link goes first (nothing leaves it any more), then every process in its
     * network is killed (a process it forked meanwhile too), then its namespace. Killing a process
     * tree by a snapshot of it is not enough: a server forks a child just before it dies, the child
     * is handed to init and keeps the namespace, its addresses and its open connections alive.
     */
    public void kill(String host) {
        String net = netOf(host);
        killed.put(host, net);
        ip("-n", name(host), "link", "del", DEVICE);
        for (int round = 0; round < 50; round++) {
            List<ProcessHandle> left = processes(net);
            if (left.isEmpty()) {
                ip("netns", "del", name(host));
                return;
            }
            left.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle p : left) {
                try {
                    p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("host " + host + " cannot die: process " + p.pid()
                            + " outlives kill -9:\n" + describe(List.of(p)), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while host " + host + " dies", e);
                }
            }
        }
        throw new IllegalStateException("host " + host + " keeps making processes while it dies:\n"
                + describe(processes(net)));
    }

    private final java.util.Map<String, String> killed = new java.util.HashMap<>();

    /** What still runs in the network of a host that was killed (for a failure message; empty if nothing). */
    public String lingering(String host) {
        String net = killed.get(host);
        return net == null ? "" : describe(processes(net));
    }

    private String netOf(String host) {
        try {
            return "net:[" + Files.getAttribute(Path.of("/run/netns", name(host)), "unix:ino") + "]";
        } catch (java.io.IOException e) {
            throw new IllegalStateException("host " + host + " has no namespace: " + e, e);
        }
    }

    /** The processes whose network namespace is {@code net} ({@code net:[inode]}). */
    private static List<ProcessHandle> processes(String net) {
        List<ProcessHandle> found = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String pid = p.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (net.equals(Files.readSymbolicLink(p.resolve("ns/net")).toString())) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(found::add);
                    }
                } catch (java.io.IOException e) {
                    // gone meanwhile, or a zombie without namespaces
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e, e);
        }
        return found;
    }

    private static String describe(List<ProcessHandle> processes) {
        StringBuilder b = new StringBuilder();
        for (ProcessHandle h : processes) {
            Path p = Path.of("/proc", Long.toString(h.pid()));
            try {
                String stat = Files.readString(p.resolve("stat"));
                String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ').strip();
                b.append("  ").append(stat, 0, Math.min(stat.length(), 60)).append(" wchan=")
                        .append(Files.readString(p.resolve("wchan"))).append(' ')
                        .append(cmd, 0, Math.min(cmd.length(), 200)).append('\n');
            } catch (java.io.IOException e) {
                b.append("  ").append(h.pid()).append(" (gone)\n");
            }
        }
        return b.toString();
    }

    /** The host comes back: a new namespace with the same name, address and link. */
    public void revive(String host) {
        addHost(host);
    }

    /**
     * Joins the test's own network to the LAN (a link on the bridge, addressed {@code 10.213.N.254})
     * so that the harness can stand between hosts, e.g. as a relay; returns that address. The link
     * goes with the LAN at {@link #close()}.
     */
    public String joinHarness() {
        String device = harnessDevice();
        ip("link", "add", device, "type", "veth", "peer", "name", "ph", "netns", name("lan"));
        ip("-n", name("lan"), "link", "set", "ph", "master", "br0", "up");
        ip("addr", "add", address(254) + "/24", "dev", device);
        ip("link", "set", device, "up");
        return address(254);
    }

    private String harnessDevice() {
        return "dh" + prefix.substring(4, prefix.length() - 1).replace("-", "");
    }

    /** Runs {@code ip args…} in a host's network. */
    public Cli.Result ipIn(String host, String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name(host)));
        command.addAll(List.of(args));
        return run(command);
    }

    /** Runs a program in a host's network. */
    public Cli.Result runIn(String host, String... command) {
        List<String> all = new ArrayList<>(in(host));
        all.addAll(List.of(command));
        return run(all);
    }

    @Override
    public void close() {
        if (Files.exists(Path.of("/sys/class/net", harnessDevice()))) {
            run(List.of("ip", "link", "del", harnessDevice()));
        }
        for (String host : List.of("a", "b", "c", "lan")) {
            if (Files.exists(Path.of("/run/netns", name(host)))) {
                run(List.of("ip", "netns", "del", name(host)));
            }
        }
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Cli.Result r = run(command);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + r);
        }
    }

    private static Cli.Result run(List<String> command) {
        return Cli.exec(command, 30);
    }
}
