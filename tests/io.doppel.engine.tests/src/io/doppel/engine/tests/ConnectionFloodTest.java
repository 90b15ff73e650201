package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.FrameworkUtil;

import io.doppel.api.event.EventQuery;
import io.doppel.api.event.Severity;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.replica.ReplicationReceiver;
import io.doppel.engine.internal.transport.Frame;
import io.doppel.management.AgentAddress;
import io.doppel.management.Credentials;
import io.doppel.management.ManagementClient;
import io.doppel.testing.Services;

/**
 * Hundreds of connections that never authenticate, against the agent running in this JVM: silent
 * TCP connections, clients that dribble a TLS ClientHello byte by byte, and a trusted peer that
 * announces the largest frame and stalls. The receiver drops every one of them after its handshake
 * timeout (10 s), sheds the oldest waiting ones beyond its limit, keeps its threads and heap bounded
 * however many connect, says so in one summarised security event, and still replicates a real job
 * while the flood lasts. The management port drops its silent connections after its authentication
 * timeout and refuses a huge frame length at once.
 */
class ConnectionFloodTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int SILENT = 300;
    private static final int DRIBBLERS = 20;
    private static final int HUGE = 10;
    /** Threads the agent may add while flooded: its pools are bounded, none is per connection. */
    private static final int THREAD_BOUND = 48;
    /** Heap the flood may cost; 10 stalled 32 MiB frames alone would be 320 MiB if allocated as announced. */
    private static final long HEAP_BOUND = 96L * 1024 * 1024;

    private static SelfPair pair;
    private static PeerStore peers;
    private static ReplicationReceiver receiver;
    private final List<Socket> opened = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        pair = SelfPair.open(ConnectionFloodTest.class, "flood");
        var context = FrameworkUtil.getBundle(ConnectionFloodTest.class).getBundleContext();
        peers = Services.await(context, PeerStore.class, WAIT);
        receiver = Services.await(context, ReplicationReceiver.class, WAIT);
    }

    @AfterEach
    void closeEverything() {
        for (Socket s : opened) {
            try {
                s.close();
            } catch (IOException e) {
                // already broken by the agent: that is the point
            }
        }
        opened.clear();
    }

    private Socket tcp(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        Socket s = new Socket();
        opened.add(s);
        s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                10_000);
        return s;
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Whether the agent has closed this connection: end of stream or reset, without waiting. */
    private static boolean closedByAgent(Socket s) {
        try {
            s.setSoTimeout(1);
            InputStream in = s.getInputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        } catch (IOException e) {
            return true;
        }
    }

    /** The first record of a real TLS 1.3 ClientHello, to be dribbled. */
    private static byte[] clientHello() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine("localhost", 7421);
        engine.setUseClientMode(true);
        engine.beginHandshake();
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }

    @Test
    void theReplicationPortShedsConnectionsThatNeverAuthenticateAndStillReplicates() throws Exception {
        pair.create("during-flood", null);
        int threadsBefore = threads();
        long heapBefore = heapAfterGc();
        long firstEvent = pair.events.query(new EventQuery(0, 0, null, null, 10_000), Duration.ZERO).stream()
                .mapToLong(e -> e.id()).max().orElse(0);

        // trusted peers, past TLS and hello, that announce the largest frame there is, send a little and stall
        Rogue trusted = Rogue.create("flood-peer", Instant.now().minus(1, ChronoUnit.DAYS),
                Instant.now().plus(30, ChronoUnit.DAYS));
        peers.trust("flood-peer", trusted.fingerprint);
        List<Socket> huge = new ArrayList<>();
        try {
            for (int i = 0; i < HUGE; i++) {
                Socket s = trusted.helloed(pair.target, Rogue.hello("flood", "flood-" + i));
                opened.add(s);
                s.getOutputStream().write(ByteBuffer.allocate(5 + 1000).putInt(Frame.MAX_BODY + 1).put((byte) 3).array());
                s.getOutputStream().flush();
                huge.add(s);
            }
            // and one, past TLS, that announces more than any frame may hold: refused at once
            Socket liar = trusted.connect(pair.target);
            opened.add(liar);
            liar.getOutputStream().write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 3});
            liar.getOutputStream().flush();
            awaitCondition(WAIT, () -> closedByAgent(liar), "the frame length beyond the limit to close its connection");

            // then the flood of connections that never authenticate, opened in well under the handshake timeout
            List<Socket> silent = new ArrayList<>();
            for (int i = 0; i < SILENT; i++) {
                silent.add(tcp(pair.target));
            }
            byte[] hello = clientHello();
            List<Socket> dribblers = new ArrayList<>();
            for (int i = 0; i < DRIBBLERS; i++) {
                Socket s = tcp(pair.target);
                s.getOutputStream().write(hello, 0, 1);
                dribblers.add(s);
            }
            awaitCondition(WAIT, () -> receiver.waitingConnections() == 128,
                    "the receiver to hold exactly its limit of 128 waiting connections, the older ones dropped");
            for (Socket s : huge) {
                assertTrue(!closedByAgent(s), "a stalled 32 MiB frame is still being waited for while measured");
            }
            int threadsDuring = threads();
            long heapDuring = heapAfterGc();
            assertTrue(threadsDuring - threadsBefore <= THREAD_BOUND, "threads grew from " + threadsBefore + " to "
                    + threadsDuring + " with " + (SILENT + DRIBBLERS + HUGE) + " connections");
            assertTrue(heapDuring - heapBefore <= HEAP_BOUND, "heap grew by " + (heapDuring - heapBefore) / 1024
                    + " KiB with " + (SILENT + DRIBBLERS + HUGE) + " connections");
            System.out.printf("flood (replication): %d connections, threads %d -> %d, heap +%d KiB, %d waiting%n",
                    SILENT + DRIBBLERS + HUGE + 1, threadsBefore, threadsDuring, (heapDuring - heapBefore) / 1024,
                    receiver.waitingConnections());

            // a real job replicates while the flood waits
            pair.jobs.start("during-flood");
            RelPath f = RelPath.of("during-flood.txt");
            pair.engine.capture("during-flood", new Op.Create(f, 0644, -1, -1));
            pair.engine.capture("during-flood", new Op.Write(f, 0, "replicated".getBytes(StandardCharsets.UTF_8)));
            pair.awaitApplied("during-flood", WAIT);
            assertEquals("replicated", Files.readString(pair.image("during-flood").resolve("during-flood.txt")));

            // every connection that never authenticated is dropped, however busy it keeps itself
            int[] dribbled = {1};
            awaitCondition(WAIT, () -> {
                for (Socket s : dribblers) {
                    if (!s.isClosed() && dribbled[0] < hello.length - 1) {
                        try {
                            s.getOutputStream().write(hello, dribbled[0], 1);
                        } catch (IOException e) {
                            // dropped by the agent
                        }
                    }
                }
                dribbled[0] = Math.min(hello.length - 1, dribbled[0] + 1);
                return receiver.waitingConnections() == 0;
            }, "the receiver to drop every connection that did not authenticate within its handshake timeout");
            for (List<Socket> group : List.of(silent, dribblers)) {
                for (Socket s : group) {
                    awaitCondition(Duration.ofSeconds(5), () -> closedByAgent(s), "the agent to close " + s);
                }
            }
            assertTrue(threads() - threadsBefore <= THREAD_BOUND, "threads after the flood: " + threads());

            // what the admin sees: one summarised security event, not hundreds
            awaitCondition(WAIT, () -> {
                try {
                    return pair.events.query(new EventQuery(firstEvent, 0, Severity.WARNING, null, 10_000),
                            Duration.ZERO).stream().anyMatch(e -> e.code().equals("security.refused")
                                    && e.message().contains("dropped before they authenticated"));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }, "a security.refused event that summarises the dropped connections");
            long floodEvents = pair.events.query(new EventQuery(firstEvent, 0, Severity.WARNING, null, 10_000),
                    Duration.ZERO).stream().filter(e -> e.code().equals("security.refused")).count();
            assertTrue(floodEvents <= 5, floodEvents + " security events for one flood");

            // and the job is still fine
            pair.engine.capture("during-flood", new Op.Write(f, 0, "REPLICATED".getBytes(StandardCharsets.UTF_8)));
            pair.awaitApplied("during-flood", WAIT);
            assertEquals("REPLICATED", Files.readString(pair.image("during-flood").resolve("during-flood.txt")));
        } finally {
            peers.revoke("flood-peer");
            pair.jobs.stop("during-flood");
        }
    }

    @Test
    void theManagementPortDropsSilentConnectionsAndRefusesHugeFrames() throws Exception {
        Path endpoint = pair.home.runDir().resolve("management.endpoint");
        awaitCondition(WAIT, () -> Files.exists(endpoint), "the management endpoint to listen");
        String address = Files.readString(endpoint).strip();
        int threadsBefore = threads();
        long heapBefore = heapAfterGc();

        Socket liar = tcp(address);
        liar.getOutputStream().write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, '{'});
        awaitCondition(WAIT, () -> closedByAgent(liar), "a huge management frame length to close its connection");

        List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < SILENT; i++) {
            silent.add(tcp(address));
        }
        System.out.printf("flood (management): %d connections, threads %d -> %d, heap +%d KiB%n", SILENT + 1,
                threadsBefore, threads(), (heapAfterGc() - heapBefore) / 1024);
        assertTrue(threads() - threadsBefore <= THREAD_BOUND, "threads: " + threadsBefore + " -> " + threads());
        assertTrue(heapAfterGc() - heapBefore <= HEAP_BOUND, "heap grew by " + (heapAfterGc() - heapBefore) / 1024
                + " KiB");
        // an admin gets in while the flood still waits: the oldest connection that has not
        // authenticated makes room for the new one
        ManagementClient during = ManagementClient.connect(AgentAddress.parse(address),
                Credentials.fromFile(pair.home.managementTokenFile()), Duration.ofSeconds(10));
        try {
            assertEquals(pair.home.identity().name(), during.agentName(), "an admin during the flood");
        } finally {
            during.close();
        }
        // a client that sends a byte of its first frame every half second is dropped like a silent
        // one: the time to authenticate counts from the connection's start, not from its last byte
        Socket dribbler = tcp(address);
        Thread dribbling = new Thread(() -> {
            try {
                java.io.OutputStream out = dribbler.getOutputStream();
                out.write(new byte[] {0, 0, 0, 100});
                for (int i = 0; i < 180 && !dribbler.isClosed(); i++) {
                    out.write('{');
                    out.flush();
                    Thread.sleep(500); // the hostile client's own pace, for 90 s at most
                }
            } catch (IOException | InterruptedException e) {
                // closed by the agent: what the test waits for
            }
        }, "dribbler");
        dribbling.start();
        try {
            awaitCondition(Duration.ofSeconds(45), () -> closedByAgent(dribbler),
                    "the management endpoint to drop a client that dribbles (it would dribble for 90 s)");
        } finally {
            dribbling.interrupt();
            dribbling.join(10_000);
        }
        for (Socket s : silent) {
            awaitCondition(WAIT, () -> closedByAgent(s), "the management endpoint to drop a silent connection");
        }
        // the slots are free again: an admin gets in
        ManagementClient client = ManagementClient.connect(AgentAddress.parse(address),
                Credentials.fromFile(pair.home.managementTokenFile()), Duration.ofSeconds(10));
        try {
            assertEquals(pair.home.identity().name(), client.agentName());
            assertTrue(client.call("help", new com.google.gson.JsonObject()).isJsonObject(), "answers a request");
        } finally {
            client.close();
        }
        assertTrue(threads() - threadsBefore <= THREAD_BOUND, "threads after: " + threads());
    }
}
