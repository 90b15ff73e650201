package io.doppel.failover.internal.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.doppel.api.failover.FailoverStatus.Reach;

/** The probes against real sockets on the loopback: an agent that listens, a host whose agent is down, host ports. */
class ProberTest {

    private final ExecutorService side = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        side.shutdownNow();
    }

    @Test
    void anAgentThatListensIsAliveAndARefusedPortShowsTheHostAlive() throws Exception {
        try (ServerSocket agent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int closed = freePort();
            Prober.Seen up = new Prober(agent.getLocalPort(), List.of(), true, side).probe("127.0.0.1", 2000);
            assertEquals(Reach.AGENT, up.reach(), up.detail());

            Prober.Seen down = new Prober(closed, List.of(other.getLocalPort()), true, side).probe("127.0.0.1", 2000);
            assertEquals(Reach.HOST, down.reach(), down.detail());
            assertTrue(down.detail().contains("refused (host up, agent down)"), down.detail());

            Prober.Seen hostOnly = new Prober(0, List.of(closed, other.getLocalPort()), false, side)
                    .probe("127.0.0.1", 2000);
            assertEquals(Reach.HOST, hostOnly.reach(), hostOnly.detail());
            assertTrue(hostOnly.detail().contains("port " + other.getLocalPort() + " answers"), hostOnly.detail());

        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
