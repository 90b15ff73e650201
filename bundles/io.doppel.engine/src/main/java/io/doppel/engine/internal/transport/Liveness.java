package io.doppel.engine.internal.transport;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.service.IoService;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle events of a service's connections on the monotonic clock. MINA's own idle detection compares
 * wall-clock readings: after a step of the clock back (NTP, an admin) it stays quiet until the clock
 * has caught up, so no heartbeat is sent and no silent peer is noticed for as long as the step; a step
 * ahead makes every connection look idle at once. Here a filter first in the chain notes when each
 * connection last read and wrote on {@link System#nanoTime()}, and a timer of the service's own fires
 * {@link IdleStatus#READER_IDLE} and {@link IdleStatus#WRITER_IDLE} through the session's filter
 * chain about once a second, as MINA would (so an executor filter keeps them in order with the
 * session's messages). MINA's idle times must stay 0, so {@link IoSession#getIdleCount} says 0:
 * {@link #idleCount} counts these events instead.
 */
public final class Liveness implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Liveness.class);

    /** The filter's name in the chain. */
    public static final String FILTER = "liveness";

    private static final AttributeKey OPENED = new AttributeKey(Liveness.class, "opened");
    private static final AttributeKey READ = new AttributeKey(Liveness.class, "read");
    private static final AttributeKey WRITTEN = new AttributeKey(Liveness.class, "written");
    private static final AttributeKey READER_FIRED = new AttributeKey(Liveness.class, "readerFired");
    private static final AttributeKey WRITER_FIRED = new AttributeKey(Liveness.class, "writerFired");
    private static final AttributeKey READER_COUNT = new AttributeKey(Liveness.class, "readerCount");
    private static final AttributeKey WRITER_COUNT = new AttributeKey(Liveness.class, "writerCount");

    private final IoService service;
    private final long readerIdleNanos;
    private final long writerIdleNanos;
    private final ScheduledExecutorService timer;

    /**
     * Watches {@code service}'s connections: READER_IDLE after {@code readerIdleSeconds} without a
     * byte read, WRITER_IDLE after {@code writerIdleSeconds} without a write, each again every such
     * period while it lasts (0: never). Adds the filter first in the service's chain; call before the
     * service binds or connects.
     */
    public static Liveness watch(IoService service, String threadName, int readerIdleSeconds, int writerIdleSeconds) {
        if (!service.getFilterChain().contains(FILTER)) {
            service.getFilterChain().addFirst(FILTER, new Notes());
        }
        return new Liveness(service, threadName, readerIdleSeconds, writerIdleSeconds);
    }

    private Liveness(IoService service, String threadName, int readerIdleSeconds, int writerIdleSeconds) {
        this.service = service;
        this.readerIdleNanos = TimeUnit.SECONDS.toNanos(readerIdleSeconds);
        this.writerIdleNanos = TimeUnit.SECONDS.toNanos(writerIdleSeconds);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** How long ago the connection opened, in milliseconds on the monotonic clock. */
    public static long ageMillis(IoSession session) {
        return sinceMillis(session, OPENED);
    }

    /** How long ago the connection last read a byte, in milliseconds on the monotonic clock. */
    public static long silentMillis(IoSession session) {
        return sinceMillis(session, READ);
    }

    /**
     * How many {@code status} events came in a row since the connection last read (READER_IDLE) or
     * wrote (WRITER_IDLE), this one included when asked from the event.
     */
    public static int idleCount(IoSession session, IdleStatus status) {
        Object n = session.getAttribute(status == IdleStatus.READER_IDLE ? READER_COUNT : WRITER_COUNT);
        return n instanceof Integer count ? count : 0;
    }

    private static long sinceMillis(IoSession session, AttributeKey key) {
        Object at = session.getAttribute(key);
        return at instanceof Long nanos ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos) : 0;
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            for (IoSession session : service.getManagedSessions().values()) {
                if (session.isClosing() || !session.containsAttribute(OPENED)) {
                    continue;
                }
                fireIfIdle(session, now, READ, READER_FIRED, READER_COUNT, readerIdleNanos, IdleStatus.READER_IDLE);
                fireIfIdle(session, now, WRITTEN, WRITER_FIRED, WRITER_COUNT, writerIdleNanos, IdleStatus.WRITER_IDLE);
            }
        } catch (RuntimeException e) {
            LOG.warn("Connection timer: {}", e.toString(), e); // the next tick tries again
        }
    }

    private static void fireIfIdle(IoSession session, long now, AttributeKey lastIo, AttributeKey lastFired,
            AttributeKey count, long idleNanos, IdleStatus status) {
        if (idleNanos <= 0) {
            return;
        }
        long since = Math.max((Long) session.getAttribute(lastIo, now), (Long) session.getAttribute(lastFired, 0L));
        if (now - since >= idleNanos) {
            session.setAttribute(lastFired, now);
            session.setAttribute(count, (Integer) session.getAttribute(count, 0) + 1);
            session.getFilterChain().fireSessionIdle(status);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** Notes the first moment, each read and each write of a connection on the monotonic clock. */
    private static final class Notes extends IoFilterAdapter {
        @Override
        public void sessionCreated(NextFilter next, IoSession session) throws Exception {
            long now = System.nanoTime();
            session.setAttribute(OPENED, now);
            session.setAttribute(READ, now);
            session.setAttribute(WRITTEN, now);
            next.sessionCreated(session);
        }

        @Override
        public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
            session.setAttribute(READ, System.nanoTime());
            session.removeAttribute(READER_FIRED);
            session.removeAttribute(READER_COUNT);
            next.messageReceived(session, message);
        }

        @Override
        public void messageSent(NextFilter next, IoSession session, WriteRequest request) throws Exception {
            session.setAttribute(WRITTEN, System.nanoTime());
            session.removeAttribute(WRITER_FIRED);
            session.removeAttribute(WRITER_COUNT);
            next.messageSent(session, request);
        }
    }
}
