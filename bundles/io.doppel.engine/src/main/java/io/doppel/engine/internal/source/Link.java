package io.doppel.engine.internal.source;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;

import org.apache.mina.core.future.ConnectFuture;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.FilterEvent;
import org.apache.mina.filter.codec.ProtocolCodecFilter;
import org.apache.mina.filter.ssl.SslEvent;
import org.apache.mina.transport.socket.nio.NioSocketConnector;

import io.doppel.engine.internal.transport.Frame;
import io.doppel.engine.internal.transport.FrameCodec;
import io.doppel.engine.internal.transport.Liveness;
import io.doppel.engine.internal.transport.ReadBuffers;
import io.doppel.engine.internal.transport.TlsFilter;

/**
 * One replication connection from a job to its target: MINA with mutual TLS. Frames from the target
 * go to the job's callback; a dead or silent target closes the link.
 */
final class Link implements AutoCloseable {

    /** Seconds without anything from the target before the link is declared dead. */
    static final int SILENCE_SECONDS = 30;

    private final NioSocketConnector connector;
    private final Liveness liveness;
    private final IoSession session;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Link(NioSocketConnector connector, Liveness liveness, IoSession session) {
        this.connector = connector;
        this.liveness = liveness;
        this.session = session;
        ReadBuffers.use(); // released by close(), once
    }

    interface Listener {
        void received(Frame frame);

        void closed(String reason);
    }

    /** While a TLS handshake is not done, a heartbeat is written this often to move it along. */
    static final long HANDSHAKE_NUDGE_MILLIS = 50;

    static Link connect(String hostPort, SSLContext tls, Listener listener, int timeoutSeconds) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IOException("bad target address '" + hostPort + "'");
        }
        NioSocketConnector connector = new NioSocketConnector(1);
        connector.setConnectTimeoutMillis(TimeUnit.SECONDS.toMillis(timeoutSeconds));
        connector.getFilterChain().addLast("tls", new TlsFilter(tls, false));
        connector.getFilterChain().addLast("codec", new ProtocolCodecFilter(new FrameCodec()));
        connector.getSessionConfig().setTcpNoDelay(true);
        // Large frames: big socket buffers and reads keep the pipe full.
        connector.getSessionConfig().setSendBufferSize(4 * 1024 * 1024);
        connector.getSessionConfig().setReceiveBufferSize(1024 * 1024);
        connector.getSessionConfig().setReadBufferSize(64 * 1024);
        // silence and heartbeats on the monotonic clock, not MINA's idle times (a step of the wall clock)
        Liveness liveness = Liveness.watch(connector, "doppel-link-timer", SILENCE_SECONDS, SILENCE_SECONDS / 3);
        Handler handler = new Handler(listener::received, listener::closed);
        connector.setHandler(handler);
        ConnectFuture future = connector.connect(new InetSocketAddress(host, port));
        future.awaitUninterruptibly();
        if (!future.isConnected()) {
            liveness.close();
            connector.dispose(true);
            Throwable cause = future.getException();
            throw new IOException("cannot connect to target " + hostPort + ": "
                    + (cause == null ? "timed out" : cause.getMessage()), cause);
        }
        // Frames go only over an established TLS session: written earlier, they could wait in the
        // filter until the next write.
        Link link = new Link(connector, liveness, future.getSession());
        // The client side of the TLS filter starts its handshake with the first write: a heartbeat.
        // While the handshake is not done a heartbeat is written every 50 ms (the target ignores
        // heartbeats): MINA's filter could keep a handshake message queued until the next write; the
        // TlsFilter writes at once, and the nudge stays as a cheap guard.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        link.send(new Frame.Heartbeat(System.currentTimeMillis()));
        while (!handler.awaitSecured(HANDSHAKE_NUDGE_MILLIS)) {
            if (!link.isOpen() || System.nanoTime() - deadline > 0) {
                String reason = link.isOpen() ? "no answer in " + timeoutSeconds + " s" : handler.reason;
                link.close();
                throw new IOException("TLS handshake with target " + hostPort + " did not complete: " + reason);
            }
            link.send(new Frame.Heartbeat(System.currentTimeMillis()));
        }
        return link;
    }

    void send(Frame frame) {
        session.write(frame);
    }

    /** Sends a frame already encoded (its size on the wire is known: bandwidth pacing). */
    void send(FrameCodec.Encoded encodedFrame) {
        session.write(encodedFrame);
    }

    boolean isOpen() {
        return session.isConnected() && !session.isClosing();
    }

    /** Bytes written to the socket so far (after compression and TLS framing excluded). */
    long writtenBytes() {
        return session.getWrittenBytes();
    }

    @Override
    public void close() {
        session.closeNow().awaitUninterruptibly(5, TimeUnit.SECONDS);
        liveness.close();
        connector.dispose(true);
        if (closed.compareAndSet(false, true)) {
            ReadBuffers.release();
        }
    }

    private static final class Handler extends IoHandlerAdapter {
        private final Consumer<Frame> frames;
        private final Consumer<String> closed;
        private volatile String reason = "the target closed the connection";
        private final java.util.concurrent.CountDownLatch secured = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean isSecured;

        boolean awaitSecured(long millis) {
            try {
                secured.await(millis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return isSecured;
        }

        @Override
        public void event(IoSession session, FilterEvent event) {
            if (event == SslEvent.SECURED) {
                isSecured = true;
                secured.countDown();
            }
        }

        Handler(Consumer<Frame> frames, Consumer<String> closed) {
            this.frames = frames;
            this.closed = closed;
        }

        @Override
        public void messageReceived(IoSession session, Object message) {
            frames.accept((Frame) message);
        }

        @Override
        public void sessionIdle(IoSession session, IdleStatus status) {
            if (status == IdleStatus.READER_IDLE) {
                reason = "the target sent nothing for " + SILENCE_SECONDS + " s";
                session.closeNow();
            } else {
                session.write(new Frame.Heartbeat(System.currentTimeMillis()));
            }
        }

        @Override
        public void exceptionCaught(IoSession session, Throwable cause) {
            reason = describe(cause);
            session.closeNow();
        }

        @Override
        public void sessionClosed(IoSession session) {
            secured.countDown();
            closed.accept(reason);
        }

        private static String describe(Throwable cause) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            if (root instanceof java.security.cert.CertificateException || root instanceof javax.net.ssl.SSLException
                    || message.contains("certificate") || message.contains("alert")) {
                return "TLS handshake refused: " + message + " (are both agents paired with 'doppel peer trust'?)";
            }
            return message;
        }
    }
}
