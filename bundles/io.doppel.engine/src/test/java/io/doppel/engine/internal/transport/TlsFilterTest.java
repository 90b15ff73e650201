package io.doppel.engine.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;

import org.apache.mina.core.future.ConnectFuture;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.FilterEvent;
import org.apache.mina.filter.codec.ProtocolCodecFilter;
import org.apache.mina.filter.ssl.SslEvent;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.apache.mina.transport.socket.nio.NioSocketConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.codec.SequencedOp;

/**
 * The TLS filter over real loopback sockets, with mutual authentication: a burst of writes made
 * before the handshake finished (far more than MINA's filter held), large frames among them,
 * arrives whole and in order, the session carries the peer's certificate, and a peer that is not
 * trusted is refused at the handshake on both sides.
 */
class TlsFilterTest {

    @TempDir
    static Path dir;
    private static SSLContext trusted;
    private static SSLContext stranger;
    /** The stranger's key, trusting the trusted key: refused by a server that does not know it. */
    private static SSLContext unknownClient;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void keys() throws Exception {
        ReadBuffers.use(); // as the agent runs: reads' buffers handed back by the filter and read into again
        Path t = keystore("trusted");
        Path s = keystore("stranger");
        trusted = context(t, t);
        stranger = context(s, s);
        unknownClient = context(s, t);
    }

    /** A PKCS#12 key store with one self-signed key, made by the JDK's keytool. */
    private static Path keystore(String name) throws Exception {
        Path ks = dir.resolve(name + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "secret",
                "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name, "-validity", "2")
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool: " + new String(out));
        return ks;
    }

    private static KeyStore load(Path ks) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "secret".toCharArray());
        }
        return store;
    }

    /** The key of {@code own}, trusting only the key of {@code trust}. */
    private static SSLContext context(Path own, Path trust) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(own), "secret".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(trust));
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    @org.junit.jupiter.api.AfterAll
    static void mina() {
        ReadBuffers.release();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    /** What one side saw. */
    private static final class Seen extends IoHandlerAdapter {
        final List<Frame> frames = new ArrayList<>();
        final CountDownLatch secured = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        volatile Throwable error;
        volatile SSLSession session;
        private final int expected;
        final CountDownLatch all = new CountDownLatch(1);

        Seen(int expected) {
            this.expected = expected;
        }

        @Override
        public void event(IoSession s, FilterEvent event) {
            if (event == SslEvent.SECURED) {
                session = (SSLSession) s.getAttribute(TlsFilter.SECURED);
                secured.countDown();
            }
        }

        @Override
        public void messageReceived(IoSession s, Object message) {
            synchronized (frames) {
                frames.add((Frame) message);
                if (frames.size() == expected) {
                    all.countDown();
                }
            }
        }

        @Override
        public void exceptionCaught(IoSession s, Throwable cause) {
            if (error == null) {
                error = cause;
            }
            s.closeNow();
        }

        @Override
        public void sessionClosed(IoSession s) {
            closed.countDown();
        }
    }

    private InetSocketAddress listen(SSLContext ctx, Seen seen) throws Exception {
        return listen(ctx, seen, 0);
    }

    /** {@code readBytes}: the most the receiving side reads at a time (0: MINA's default). */
    private InetSocketAddress listen(SSLContext ctx, Seen seen, int readBytes) throws Exception {
        NioSocketAcceptor acceptor = new NioSocketAcceptor(1);
        if (readBytes > 0) {
            acceptor.getSessionConfig().setMinReadBufferSize(Math.min(64, readBytes));
            acceptor.getSessionConfig().setReadBufferSize(readBytes);
            acceptor.getSessionConfig().setMaxReadBufferSize(readBytes);
        }
        acceptor.getFilterChain().addLast("tls", new TlsFilter(ctx, true));
        acceptor.getFilterChain().addLast("codec", new ProtocolCodecFilter(new FrameCodec()));
        acceptor.setHandler(seen);
        acceptor.bind(new InetSocketAddress("127.0.0.1", 0));
        open.add(() -> acceptor.dispose(true));
        return acceptor.getLocalAddress();
    }

    private IoSession connect(SSLContext ctx, InetSocketAddress to, Seen seen) {
        NioSocketConnector connector = new NioSocketConnector(1);
        connector.getFilterChain().addLast("tls", new TlsFilter(ctx, false));
        connector.getFilterChain().addLast("codec", new ProtocolCodecFilter(new FrameCodec()));
        connector.setHandler(seen);
        open.add(() -> connector.dispose(true));
        ConnectFuture f = connector.connect(to);
        f.awaitUninterruptibly();
        return f.getSession();
    }

    @Test
    void writesBeforeAndAfterTheHandshakeArriveWholeAndInOrder() throws Exception {
        Random random = new Random(3);
        List<Frame> sent = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            if (i % 500 == 250) {
                byte[] data = new byte[1024 * 1024 + i];
                random.nextBytes(data);
                sent.add(new Frame.Ops(List.of(new SequencedOp(i + 1, 0, new Op.Write(RelPath.of("f"), i, data)))));
            } else {
                sent.add(new Frame.Heartbeat(i));
            }
        }
        Seen server = new Seen(sent.size());
        Seen client = new Seen(1);
        IoSession session = connect(trusted, listen(trusted, server), client);
        // the first thousand at once: most of them before the handshake is done (MINA's filter held 64)
        for (Frame f : sent.subList(0, 1000)) {
            session.write(f);
        }
        assertTrue(client.secured.await(30, TimeUnit.SECONDS), "the client's session to be secured");
        for (Frame f : sent.subList(1000, sent.size())) {
            session.write(f);
        }
        assertTrue(server.all.await(60, TimeUnit.SECONDS), "received " + server.frames.size() + " of " + sent.size()
                + (server.error == null ? "" : "; " + server.error));
        assertEquals(sent, server.frames);
        assertTrue(server.secured.await(10, TimeUnit.SECONDS));
        assertNotNull(server.session);
        assertEquals("CN=trusted",
                ((X509Certificate) server.session.getPeerCertificates()[0]).getSubjectX500Principal().getName());
        assertEquals(null, server.error);
        assertEquals(null, client.error);
    }

    /**
     * Frames in pieces (large writes' data as their own arrays) from one thread while another
     * writes heartbeats on the same connection: no heartbeat lands inside a frame.
     */
    @Test
    void framesInPiecesArriveWholeWhileAnotherThreadWritesBetweenThem() throws Exception {
        Random random = new Random(11);
        List<Frame> batches = new ArrayList<>();
        for (int k = 0; k < 60; k++) {
            List<SequencedOp> ops = new ArrayList<>();
            long seq = 1 + 10L * k;
            for (int i = 0; i < 5; i++) {
                byte[] data = new byte[i % 2 == 1 || random.nextBoolean() ? FrameCodec.OWN_PIECE + random.nextInt(200_000)
                        : 1 + random.nextInt(1000)];
                random.nextBytes(data);
                ops.add(new SequencedOp(seq++, 0, new Op.Write(RelPath.of("f" + k), i * 1_000_000L, data)));
                if (i == 2) {
                    ops.add(new SequencedOp(seq++, 0, new Op.SetMode(RelPath.of("f" + k), 0640)));
                }
            }
            batches.add(new Frame.Ops(ops));
        }
        int heartbeats = 3000;
        Seen server = new Seen(batches.size() + heartbeats);
        Seen client = new Seen(1);
        IoSession session = connect(trusted, listen(trusted, server), client);
        Thread beats = new Thread(() -> {
            for (int i = 0; i < heartbeats; i++) {
                session.write(new Frame.Heartbeat(i));
            }
        });
        for (int k = 0; k < batches.size(); k++) {
            if (k == 5) { // the first five wait for the handshake; the rest race the heartbeats
                assertTrue(client.secured.await(30, TimeUnit.SECONDS), "the client's session to be secured");
                beats.start();
            }
            FrameCodec.Encoded encoded = FrameCodec.encodeInPieces((Frame.Ops) batches.get(k));
            assertTrue(encoded.pieces().length > 2, "in pieces");
            session.write(encoded);
        }
        beats.join();
        assertTrue(server.all.await(60, TimeUnit.SECONDS), "received " + server.frames.size() + " of "
                + (batches.size() + heartbeats) + (server.error == null ? "" : "; " + server.error)
                + (client.error == null ? "" : "; the sender: " + client.error));
        assertEquals(batches, server.frames.stream().filter(f -> f instanceof Frame.Ops).toList());
        assertEquals(java.util.stream.LongStream.range(0, heartbeats).boxed().toList(), server.frames.stream()
                .filter(f -> f instanceof Frame.Heartbeat).map(f -> ((Frame.Heartbeat) f).sentAtMillis()).toList());
        assertEquals(null, server.error);
    }

    @Test
    void largeFramesReadIntoReusedBuffersArriveWhole() throws Exception {
        // the receiver's reads: 128 KiB each, every buffer handed back after decryption and read into
        // again (a record cut short at the end of a read must have been copied aside by then)
        Random random = new Random(7);
        long bytes = 0;
        List<Frame> sent = writesAndHeartbeats(random, 48, 1024 * 1024);
        for (Frame f : sent) {
            if (f instanceof Frame.Ops ops) {
                bytes += ((Op.Write) ops.ops().get(0).op()).data().length;
            }
        }
        long reusedBefore = ReadBuffers.reused();
        sendAndReceiveInOrder(sent, 128 * 1024);
        long reused = ReadBuffers.reused() - reusedBefore;
        assertTrue(reused >= bytes / (128 * 1024) / 4, "read buffers reused " + reused + " times for " + bytes + " bytes");
    }

    @Test
    void recordsCutShortByTheEndOfEveryReadArriveWhole() throws Exception {
        // reads of at most 1,000 bytes: nearly every 16 KiB record ends in a later read than it began,
        // and a read often holds the end of one record and the start of the next
        sendAndReceiveInOrder(writesAndHeartbeats(new Random(5), 40, 200_000), 1000);
    }

    /** {@code n} frames of one write of 1 to {@code maxBytes} random bytes, each followed by a heartbeat. */
    private static List<Frame> writesAndHeartbeats(Random random, int n, int maxBytes) {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] data = new byte[random.nextInt(maxBytes) + 1];
            random.nextBytes(data);
            frames.add(new Frame.Ops(List.of(new SequencedOp(i + 1, 0, new Op.Write(RelPath.of("f"), i, data)))));
            frames.add(new Frame.Heartbeat(i));
        }
        return frames;
    }

    /** Sends the frames over a connection whose receiver reads {@code readBytes} at most: all arrive, in order. */
    private void sendAndReceiveInOrder(List<Frame> sent, int readBytes) throws Exception {
        Seen server = new Seen(sent.size());
        IoSession session = connect(trusted, listen(trusted, server, readBytes), new Seen(1));
        for (Frame f : sent) {
            session.write(f);
        }
        assertTrue(server.all.await(60, TimeUnit.SECONDS), "received " + server.frames.size() + " of " + sent.size()
                + (server.error == null ? "" : "; " + server.error));
        assertEquals(sent, server.frames);
        assertEquals(null, server.error);
    }

    @Test
    void aClientRefusesAServerItDoesNotTrust() throws Exception {
        Seen server = new Seen(1);
        Seen client = new Seen(1);
        IoSession session = connect(stranger, listen(trusted, server), client);
        session.write(new Frame.Heartbeat(1));
        assertTrue(client.closed.await(30, TimeUnit.SECONDS) && server.closed.await(30, TimeUnit.SECONDS));
        assertTrue(rootOf(client.error) instanceof SSLException, "client: " + client.error);
        assertEquals(1, client.secured.getCount(), "the client never saw the session secured");
        assertTrue(server.frames.isEmpty(), "nothing was delivered");
    }

    @Test
    void aServerRefusesAClientItDoesNotTrust() throws Exception {
        Seen server = new Seen(1);
        Seen client = new Seen(1);
        IoSession session = connect(unknownClient, listen(trusted, server), client);
        session.write(new Frame.Heartbeat(1));
        assertTrue(server.closed.await(30, TimeUnit.SECONDS) && client.closed.await(30, TimeUnit.SECONDS));
        assertTrue(rootOf(server.error) instanceof SSLException, "server: " + server.error);
        assertEquals(1, server.secured.getCount(), "the server never saw the session secured");
        assertTrue(server.frames.isEmpty(), "nothing was delivered from an untrusted client");
    }

    private static Throwable rootOf(Throwable t) {
        Throwable root = t;
        while (root != null && root.getCause() != null && root.getCause() != root) {
            if (root instanceof SSLException) {
                return root;
            }
            root = root.getCause();
        }
        return root;
    }
}
