package io.doppel.engine.internal.transport;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.filterchain.IoFilterChain;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.DefaultWriteRequest;
import org.apache.mina.core.write.WriteRequest;
import org.apache.mina.filter.ssl.SslEvent;

/**
 * TLS for a replication connection, with the JDK's {@link SSLEngine}, built for a stream of large
 * frames.
 *
 * <p>A write is encrypted whole into one buffer of the size its records take (MINA's own filter
 * allocated, and the JVM zeroed, up to eight records' worth for every 16 KiB record, and refused a
 * 65th write queued during a slow handshake or a full socket with a {@code BufferOverflowException}).
 * Received records are decrypted straight from the buffer MINA read them into (only a record cut
 * short by the end of a read is copied aside, to be completed by the next) into a buffer that is
 * reused: the filters after this one must consume what they are handed before they return (the
 * frame decoder copies it into the frame's own array). Writes made before the handshake finished
 * wait in order and go out when it does.
 *
 * <p>When the handshake finishes, the session gets the {@link SSLSession} under {@link #SECURED}
 * and the handler an {@link SslEvent#SECURED} event. A failed handshake reaches the handler's
 * {@code exceptionCaught} with the engine's {@link SSLException}, after the alert that says why
 * was handed to the socket.
 */
public final class TlsFilter extends IoFilterAdapter {

    /** The session attribute that holds the peer's {@link SSLSession} once the handshake finished. */
    public static final AttributeKey SECURED = new AttributeKey(TlsFilter.class, "secured");
    private static final AttributeKey STATE = new AttributeKey(TlsFilter.class, "state");
    /** Writes held while the handshake runs, at most (a connection that needs more is broken). */
    static final int MAX_HELD_WRITES = 1024;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SSLContext context;
    private final boolean needClientAuth;

    public TlsFilter(SSLContext context, boolean needClientAuth) {
        this.context = context;
        this.needClientAuth = needClientAuth;
    }

    @Override
    public void onPostAdd(IoFilterChain parent, String name, NextFilter next) throws Exception {
        IoSession session = parent.getSession();
        if (session.isConnected()) {
            start(next, session);
        }
    }

    @Override
    public void sessionOpened(NextFilter next, IoSession session) throws Exception {
        start(next, session);
        next.sessionOpened(session);
    }

    @Override
    public void sessionClosed(NextFilter next, IoSession session) throws Exception {
        session.removeAttribute(STATE);
        session.removeAttribute(SECURED);
        next.sessionClosed(session);
    }

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        Tls tls = (Tls) session.getAttribute(STATE);
        if (tls == null || !(message instanceof IoBuffer in)) {
            next.messageReceived(session, message);
            return;
        }
        tls.receive(next, in);
        ReadBuffers.recycle(in); // consumed whole: decrypted, or a record cut short copied aside
    }

    @Override
    public void filterWrite(NextFilter next, IoSession session, WriteRequest request) throws Exception {
        if (request instanceof Sealed) {
            next.filterWrite(session, request);
            return;
        }
        Tls tls = (Tls) session.getAttribute(STATE);
        if (tls == null) {
            throw new SSLException("the connection is closed or its TLS session was not set up");
        }
        tls.write(next, request);
    }

    @Override
    public void messageSent(NextFilter next, IoSession session, WriteRequest request) throws Exception {
        if (request instanceof Sealed sealed) {
            if (sealed.original != null) {
                next.messageSent(session, sealed.original);
            }
            return;
        }
        next.messageSent(session, request);
    }

    private void start(NextFilter next, IoSession session) throws SSLException {
        if (session.getAttribute(STATE) != null) {
            return;
        }
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(!session.isServer());
        if (needClientAuth) {
            engine.setNeedClientAuth(true);
        }
        Tls tls = new Tls(session, engine);
        if (session.setAttributeIfAbsent(STATE, tls) != null) {
            return;
        }
        engine.beginHandshake();
        if (engine.getUseClientMode()) {
            tls.wrapHandshake(next);
        }
    }

    /** A write of encrypted bytes; {@code original} is the write it carries, if any. */
    private static final class Sealed extends DefaultWriteRequest {
        final WriteRequest original;

        Sealed(IoBuffer bytes, WriteRequest original) {
            super(bytes, original == null ? null : original.getFuture());
            this.original = original;
        }
    }

    /** The most plaintext a TLS record carries. */
    private static final int MAX_FRAGMENT = 16 * 1024;

    /** One connection's engine and buffers. */
    private static final class Tls {
        private final IoSession session;
        private final SSLEngine engine;
        /** Guards the engine's wraps, the order of the sealed writes, and the held writes. */
        private final Object writeLock = new Object();
        private final ArrayDeque<WriteRequest> held = new ArrayDeque<>();
        private boolean secured;
        /** Received bytes not decrypted yet (a record not complete): in write mode between reads. */
        private ByteBuffer netIn;
        /** Decrypted bytes, handed on and reused. */
        private ByteBuffer appIn;

        Tls(IoSession session, SSLEngine engine) {
            this.session = session;
            this.engine = engine;
            SSLSession s = engine.getSession();
            netIn = ByteBuffer.allocate(s.getPacketBufferSize());
            appIn = ByteBuffer.allocate(Math.max(64 * 1024, s.getApplicationBufferSize()));
        }

        // --- writing

        void write(NextFilter next, WriteRequest request) throws SSLException {
            synchronized (writeLock) {
                if (!secured) {
                    if (held.size() >= MAX_HELD_WRITES) {
                        throw new SSLException("more than " + MAX_HELD_WRITES
                                + " writes waited for the TLS handshake; the connection is closed");
                    }
                    held.add(request);
                    return;
                }
                seal(next, request);
            }
        }

        /** Encrypts a write whole and hands it on; the caller holds the write lock. */
        private void seal(NextFilter next, WriteRequest request) throws SSLException {
            Object message = request.getMessage();
            ByteBuffer[] src;
            long remaining;
            if (message instanceof FrameCodec.Encoded pieces) {
                // a frame in pieces (large writes' data as their own arrays): sealed whole here, under
                // the lock, so that no other write lands between its pieces; records span pieces
                src = new ByteBuffer[pieces.pieces().length];
                for (int i = 0; i < src.length; i++) {
                    src[i] = pieces.pieces()[i].duplicate();
                }
                remaining = pieces.length();
            } else if (message instanceof IoBuffer buffer && buffer.hasRemaining()) {
                src = new ByteBuffer[] {buffer.buf().slice()};
                remaining = src[0].remaining();
            } else {
                next.filterWrite(session, new Sealed(IoBuffer.allocate(0), request));
                return;
            }
            SSLSession s = engine.getSession();
            // A record carries at most 16 KiB of plaintext, and the engine may end one where a
            // piece ends: room for that, so that the output is never grown (a copy of all of it).
            int fragment = Math.min(MAX_FRAGMENT, s.getApplicationBufferSize());
            int records = (int) ((remaining + fragment - 1) / fragment) + src.length;
            ByteBuffer out = ByteBuffer.allocate(records * s.getPacketBufferSize());
            while (remaining > 0) {
                SSLEngineResult r = engine.wrap(src, out);
                remaining -= r.bytesConsumed();
                switch (r.getStatus()) {
                    case OK -> { }
                    case BUFFER_OVERFLOW -> out = grow(out, s.getPacketBufferSize());
                    case CLOSED -> throw new SSLException("the TLS session is closed; nothing more can be sent");
                    case BUFFER_UNDERFLOW -> throw new SSLException("unexpected TLS state on write: " + r);
                }
                runTasks(r);
            }
            out.flip();
            next.filterWrite(session, new Sealed(IoBuffer.wrap(out), request));
            if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                wrapHandshake(next); // e.g. a key update the engine started
            }
        }

        /** Sends what the engine has to say by itself (handshake, alerts, key updates). */
        void wrapHandshake(NextFilter next) throws SSLException {
            boolean finished = false;
            synchronized (writeLock) {
                while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                    SSLEngineResult r;
                    while (true) {
                        r = engine.wrap(EMPTY, out);
                        if (r.getStatus() != SSLEngineResult.Status.BUFFER_OVERFLOW) {
                            break;
                        }
                        out = grow(out, engine.getSession().getPacketBufferSize());
                    }
                    out.flip();
                    if (out.hasRemaining()) {
                        next.filterWrite(session, new Sealed(IoBuffer.wrap(out), null));
                    }
                    runTasks(r);
                    finished |= r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED;
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED || r.bytesProduced() == 0) {
                        break;
                    }
                }
            }
            if (finished) {
                secure(next);
            }
        }

        /** The handshake finished: the held writes go out, the handler hears of it. */
        private void secure(NextFilter next) throws SSLException {
            synchronized (writeLock) {
                if (secured) {
                    return;
                }
                secured = true;
                session.setAttribute(SECURED, engine.getSession());
                while (!held.isEmpty()) {
                    seal(next, held.poll());
                }
            }
            next.event(session, SslEvent.SECURED);
        }

        // --- reading (one I/O thread per session calls this)

        void receive(NextFilter next, IoBuffer message) throws SSLException {
            ByteBuffer in = message.buf();
            // Records are decrypted straight from the bytes read when nothing is left over from the
            // last read; only a record cut short by the end of a read is kept (in netIn) for the next.
            ByteBuffer src;
            if (netIn.position() == 0) {
                src = in;
            } else {
                keep(in);
                src = netIn.flip();
            }
            try {
                int idle = 0;
                while (src.hasRemaining()) {
                    SSLEngineResult r;
                    try {
                        r = engine.unwrap(src, appIn);
                    } catch (SSLException e) {
                        sayWhy(next);
                        throw e;
                    }
                    switch (r.getStatus()) {
                        case OK -> { }
                        case BUFFER_OVERFLOW -> {
                            if (appIn.position() > 0) {
                                deliver(next);
                            } else {
                                appIn = grow(appIn, engine.getSession().getApplicationBufferSize());
                            }
                            continue;
                        }
                        case BUFFER_UNDERFLOW -> {
                            // the rest of a record is on its way: netIn (at least a record's size) keeps it
                        }
                        case CLOSED -> {
                            // the peer said goodbye: what it sent before is handed on, then the connection closes
                            deliver(next);
                            session.closeNow();
                            return;
                        }
                    }
                    runTasks(r);
                    if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
                        secure(next);
                    }
                    if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                        wrapHandshake(next);
                    }
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        break; // the rest of a record is still on its way
                    }
                    if (r.bytesConsumed() > 0 || r.bytesProduced() > 0) {
                        idle = 0;
                    } else if (++idle > 4) {
                        break; // no progress: what is left waits for more bytes
                    }
                }
            } finally {
                if (src == netIn) {
                    netIn.compact();
                } else if (in.hasRemaining()) {
                    keep(in);
                }
            }
            deliver(next);
        }

        /** Appends what is left of {@code in} to netIn (in write mode), growing it if need be. */
        private void keep(ByteBuffer in) {
            if (netIn.remaining() < in.remaining()) {
                netIn = grow(netIn, in.remaining());
            }
            netIn.put(in);
        }

        private void deliver(NextFilter next) {
            if (appIn.position() == 0) {
                return;
            }
            appIn.flip();
            try {
                next.messageReceived(session, IoBuffer.wrap(appIn));
            } finally {
                appIn.clear();
            }
        }

        /** After a failed unwrap the engine has an alert to send: it goes to the socket, best effort. */
        private void sayWhy(NextFilter next) {
            try {
                wrapHandshake(next);
            } catch (SSLException | RuntimeException ignored) {
                // the alert is a courtesy; the failure itself is what the handler hears of
            }
        }

        private void runTasks(SSLEngineResult r) {
            if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
            }
        }

        private static ByteBuffer grow(ByteBuffer b, int more) {
            ByteBuffer bigger = ByteBuffer.allocate(b.capacity() + Math.max(more, b.capacity()));
            b.flip();
            bigger.put(b);
            return bigger;
        }
    }
}
