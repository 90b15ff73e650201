package io.doppel.engine.internal.replica;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

import org.apache.mina.core.session.IoSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps connections that have not yet said who they are (TLS handshake and hello) from holding the
 * receiver: each gets {@code handshakeTimeoutMillis} to finish, and at most {@code maxPending} wait
 * at once. Beyond that the oldest waiting one is dropped, not the newest: a flood of silent or
 * slow connections cannot lock a real source out, since a real source finishes its handshake in
 * milliseconds. Drops are logged and posted as one summary per minute at most, so a flood cannot
 * flood the event log too.
 */
final class ConnectionGuard {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final long REPORT_EVERY_MILLIS = 60_000;

    private final int maxPending;
    private final long handshakeTimeoutMillis;
    private final Consumer<String> report;
    /** Waiting connections, oldest first. */
    private final Set<IoSession> pending = new LinkedHashSet<>();
    private long timedOut;
    private long evicted;
    private long notTls;
    private long lastReport = Long.MIN_VALUE;
    private String lastAddress;

    /** @param report told (at most once a minute) what was dropped and what to do about it */
    ConnectionGuard(int maxPending, int handshakeTimeoutSeconds, Consumer<String> report) {
        this.maxPending = maxPending;
        this.handshakeTimeoutMillis = handshakeTimeoutSeconds * 1000L;
        this.report = report;
    }

    /** A new connection: it waits until {@link #admitted}; the oldest waiting one goes if too many wait. */
    void opened(IoSession session) {
        IoSession drop = null;
        synchronized (this) {
            pending.add(session);
            if (pending.size() > maxPending) {
                Iterator<IoSession> oldest = pending.iterator();
                drop = oldest.next();
                oldest.remove();
                evicted++;
                lastAddress = String.valueOf(drop.getRemoteAddress());
            }
        }
        if (drop != null) {
            LOG.debug("Replication connection from {} dropped: more than {} connections waiting to authenticate",
                    drop.getRemoteAddress(), maxPending);
            drop.closeNow();
            reportIfDue();
        }
    }

    /** The connection said who it is (a hello from a trusted peer): no deadline any more. */
    synchronized void admitted(IoSession session) {
        pending.remove(session);
    }

    synchronized void closed(IoSession session) {
        pending.remove(session);
    }

    /** Whether the connection still has to authenticate. */
    synchronized boolean waiting(IoSession session) {
        return pending.contains(session);
    }

    /**
     * Called about every second per connection with its age (monotonic clock): drops a waiting one
     * whose time is up.
     */
    void check(IoSession session, long ageMillis) {
        synchronized (this) {
            if (!pending.contains(session) || ageMillis < handshakeTimeoutMillis) {
                return;
            }
            pending.remove(session);
            timedOut++;
            lastAddress = String.valueOf(session.getRemoteAddress());
        }
        LOG.debug("Replication connection from {} dropped: no TLS handshake and hello within {} ms",
                session.getRemoteAddress(), handshakeTimeoutMillis);
        session.closeNow();
        reportIfDue();
    }

    /** A connection whose TLS handshake failed before it presented a certificate (a port scan, a wrong client). */
    void notTls(IoSession session, String why) {
        synchronized (this) {
            notTls++;
            lastAddress = String.valueOf(session.getRemoteAddress()) + " (" + why + ")";
        }
        reportIfDue();
    }

    synchronized int waitingCount() {
        return pending.size();
    }

    private void reportIfDue() {
        String message;
        synchronized (this) {
            long now = System.currentTimeMillis();
            if (lastReport != Long.MIN_VALUE && now - lastReport < REPORT_EVERY_MILLIS) {
                return;
            }
            lastReport = now;
            message = "replication connections dropped before they authenticated: " + timedOut
                    + " did not finish the TLS handshake and hello within " + handshakeTimeoutMillis / 1000 + " s, "
                    + evicted + " were dropped because more than " + maxPending + " were waiting, " + notTls
                    + " failed the TLS handshake before presenting a certificate (not TLS at all, or the peer refused this "
                    + "agent's certificate: then pair this agent on it) (the latest from " + lastAddress + "). "
                    + "If these are not your sources, block their addresses in front of the replication port; if a "
                    + "source is that slow, raise handshakeTimeoutSeconds of " + ReplicationReceiver.PID;
            timedOut = 0;
            evicted = 0;
            notTls = 0;
        }
        LOG.warn("Security: {}", message);
        report.accept(message);
    }
}
