package io.doppel.engine.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.future.ConnectFuture;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.apache.mina.transport.socket.nio.NioSocketConnector;
import org.junit.jupiter.api.Test;

/**
 * Idle events on the monotonic clock, over a real loopback connection: they come while a side is
 * quiet, again every period while it stays quiet, never sooner than the period after the last byte,
 * and they are counted until the next byte.
 */
class LivenessTest {

    /** What one side's handler saw of its idle events. */
    private static final class Seen extends IoHandlerAdapter {
        final List<Long> readerIdleAfterMillis = new CopyOnWriteArrayList<>();
        final List<Integer> writerIdleCounts = new CopyOnWriteArrayList<>();
        final List<Long> ages = new CopyOnWriteArrayList<>();
        volatile IoSession session;

        @Override
        public void sessionOpened(IoSession s) {
            session = s;
        }

        @Override
        public void sessionIdle(IoSession s, IdleStatus status) {
            ages.add(Liveness.ageMillis(s));
            if (status == IdleStatus.READER_IDLE) {
                readerIdleAfterMillis.add(Liveness.silentMillis(s));
            } else if (status == IdleStatus.WRITER_IDLE) {
                writerIdleCounts.add(Liveness.idleCount(s, IdleStatus.WRITER_IDLE));
            }
        }
    }

    @Test
    void idleEventsFollowTheMonotonicClock() throws Exception {
        NioSocketAcceptor acceptor = new NioSocketAcceptor(1);
        Seen server = new Seen();
        acceptor.setHandler(server);
        Liveness serverTimer = Liveness.watch(acceptor, "test-server-timer", 1, 0);
        NioSocketConnector connector = new NioSocketConnector(1);
        Seen client = new Seen();
        connector.setHandler(client);
        Liveness clientTimer = Liveness.watch(connector, "test-client-timer", 0, 1);
        try {
            acceptor.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ConnectFuture f = connector.connect(acceptor.getLocalAddress());
            f.awaitUninterruptibly();
            IoSession c = f.getSession();
            assertEquals(0, c.getConfig().getIdleTime(IdleStatus.BOTH_IDLE), "MINA's own idle times stay off");

            // the client writes a byte every 100 ms for a while: whatever reader-idle events the server
            // sees, none comes sooner than 1 s after the last byte it read
            for (int i = 0; i < 20; i++) {
                c.write(IoBuffer.wrap(new byte[] {(byte) i})).awaitUninterruptibly();
                Thread.sleep(100); // the pace of the client's writes, not synchronisation
            }
            // then it falls silent: the server hears of it, again and again while it lasts
            await(() -> server.readerIdleAfterMillis.size() >= 2, "two reader-idle events on the server");
            for (long silent : server.readerIdleAfterMillis) {
                assertTrue(silent >= 1000, "a reader-idle event after only " + silent + " ms of silence: "
                        + server.readerIdleAfterMillis);
            }
            // the client, which only writes when told, sees writer-idle events that MINA counts up
            await(() -> client.writerIdleCounts.size() >= 3, "three writer-idle events on the client");
            List<Integer> counts = List.copyOf(client.writerIdleCounts);
            assertEquals(List.of(1, 2, 3), counts.subList(0, 3), "the idle events are counted in a row");
            c.write(IoBuffer.wrap(new byte[] {1})).awaitUninterruptibly();
            await(() -> client.writerIdleCounts.size() > counts.size() && client.writerIdleCounts.getLast() == 1,
                    "a write to start the count again");
            assertTrue(client.readerIdleAfterMillis.isEmpty(), "no reader-idle events where none were asked for");
            assertTrue(server.writerIdleCounts.isEmpty(), "no writer-idle events where none were asked for");
            assertTrue(server.ages.stream().allMatch(a -> a >= 1000), "ages on the monotonic clock: " + server.ages);
            c.closeNow().awaitUninterruptibly(5, TimeUnit.SECONDS);
        } finally {
            clientTimer.close();
            serverTimer.close();
            connector.dispose(true);
            acceptor.dispose(true);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for " + what);
            Thread.sleep(20); // polling the condition
        }
    }
}
