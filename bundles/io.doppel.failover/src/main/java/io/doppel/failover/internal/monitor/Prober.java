package io.doppel.failover.internal.monitor;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.doppel.api.failover.FailoverStatus.Reach;

/**
 * Probes one address of a source: a connection to the agent's port shows the agent alive; a refused
 * connection (the host's kernel answered), an answer on a host port or an ICMP echo shows the host
 * alive. What tells an agent crash on a living host from a dead host.
 */
public final class Prober {

    /** What one address showed in one round. */
    public record Seen(Reach reach, String detail) {
    }

    private final int agentPort;
    private final List<Integer> hostPorts;
    private final boolean icmp;

    private final Executor side;

    /** @param side where the host's probes run beside the agent's (each bounded by the timeout) */
    public Prober(int agentPort, List<Integer> hostPorts, boolean icmp, Executor side) {
        this.agentPort = agentPort;
        this.hostPorts = List.copyOf(hostPorts);
        this.icmp = icmp;
        this.side = side;
    }

    /**
     * Probes {@code address}, each probe taking at most {@code timeoutMillis}. The host's probes (its
     * ports, ICMP) run beside the agent's, so an address where nothing answers is known to be silent
     * after one timeout, not after one per probe.
     */
    public Seen probe(String address, int timeoutMillis) {
        InetAddress ip;
        try {
            ip = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            return new Seen(Reach.NONE, "cannot resolve " + address);
        }
        List<CompletableFuture<HostSeen>> hostProbes = new ArrayList<>();
        for (int port : hostPorts) {
            hostProbes.add(CompletableFuture.supplyAsync(() -> switch (connect(ip, port, timeoutMillis)) {
                case OPEN, REFUSED -> new HostSeen(true, "port " + port + " answers");
                case SILENT -> new HostSeen(false, "port " + port + " silent");
            }, side));
        }
        if (icmp) {
            hostProbes.add(CompletableFuture.supplyAsync(() -> {
                try {
                    boolean echo = ip.isReachable(timeoutMillis);
                    return new HostSeen(echo, echo ? "answers ICMP echo" : "no ICMP echo reply");
                } catch (IOException e) {
                    return new HostSeen(false, "ICMP: " + e.getMessage());
                }
            }, side));
        }
        List<String> seen = new ArrayList<>();
        if (agentPort > 0) {
            switch (connect(ip, agentPort, timeoutMillis)) {
                case OPEN -> {
                    return new Seen(Reach.AGENT, "agent answers on port " + agentPort);
                }
                case REFUSED -> {
                    return new Seen(Reach.HOST, "agent port " + agentPort + " refused (host up, agent down)");
                }
                case SILENT -> seen.add("agent port " + agentPort + " silent");
            }
        }
        boolean host = false;
        for (CompletableFuture<HostSeen> probe : hostProbes) {
            HostSeen h;
            try {
                h = probe.get(timeoutMillis + 1000L, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                h = new HostSeen(false, "probe failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                h = new HostSeen(false, "interrupted");
            }
            host |= h.alive();
            seen.add(h.detail());
        }
        return new Seen(host ? Reach.HOST : Reach.NONE, String.join("; ", seen));
    }

    private record HostSeen(boolean alive, String detail) {
    }

    private enum Connect { OPEN, REFUSED, SILENT }

    private static Connect connect(InetAddress ip, int port, int timeoutMillis) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), timeoutMillis);
            return Connect.OPEN;
        } catch (ConnectException e) {
            // "Connection refused" is the remote kernel's RST: the host lives. Unreachable
            // networks and hosts are ConnectExceptions too, with other messages.
            String m = String.valueOf(e.getMessage());
            return m.contains("refused") ? Connect.REFUSED : Connect.SILENT;
        } catch (IOException e) {
            return Connect.SILENT;
        }
    }
}
