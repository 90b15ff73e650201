package io.doppel.failover.internal.monitor;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

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

    public Prober(int agentPort, List<Integer> hostPorts, boolean icmp) {
        this.agentPort = agentPort;
        this.hostPorts = List.copyOf(hostPorts);
        this.icmp = icmp;
    }

    /** Probes {@code address}, each probe taking at most {@code timeoutMillis}. */
    public Seen probe(String address, int timeoutMillis) {
        InetAddress ip;
        try {
            ip = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            return new Seen(Reach.NONE, "cannot resolve " + address);
        }
        List<String> seen = new ArrayList<>();
        boolean host = false;
        if (agentPort > 0) {
            switch (connect(ip, agentPort, timeoutMillis)) {
                case OPEN -> {
                    return new Seen(Reach.AGENT, "agent answers on port " + agentPort);
                }
                case REFUSED -> {
                    host = true;
                    seen.add("agent port " + agentPort + " refused (host up, agent down)");
                }
                case SILENT -> seen.add("agent port " + agentPort + " silent");
            }
        }
        for (int port : hostPorts) {
            if (host) {
                break;
            }
            switch (connect(ip, port, timeoutMillis)) {
                case OPEN, REFUSED -> {
                    host = true;
                    seen.add("port " + port + " answers");
                }
                case SILENT -> seen.add("port " + port + " silent");
            }
        }
        if (!host && icmp) {
            try {
                host = ip.isReachable(timeoutMillis);
                seen.add(host ? "answers ICMP echo" : "no ICMP echo reply");
            } catch (IOException e) {
                seen.add("ICMP: " + e.getMessage());
            }
        }
        return new Seen(host ? Reach.HOST : Reach.NONE, String.join("; ", seen));
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
