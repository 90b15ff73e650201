package io.doppel.engine.tests;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;

/**
 * The least any replication of a stream of writes must do on one machine, without Doppel: the bytes
 * appended to a journal file, encrypted with TLS 1.3 (the JDK's engine, records sealed straight into
 * one buffer per MiB and read 128 KiB at a time), sent over loopback, written to the target file and
 * forced to disk. No framing, no ops, no read-back of the journal, no acknowledgements but the last:
 * what it takes is a bound on what the engine can reach on the same machine (docs/BENCHMARKS.md).
 */
final class TransportFloor {

    private static final int BLOCK = 1 << 20;

    private TransportFloor() {
    }

    /** Seconds from the first journal append until the target forced the last byte. */
    static double run(SSLContext tls, Path dir, byte[] block, long total, boolean encrypt, boolean journal)
            throws Exception {
        Path target = dir.resolve("floor-target.bin");
        Path journalFile = dir.resolve("floor-journal.bin");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Future<?> receiver = threads.submit(() -> {
                receive(tls, server, target, total, encrypt);
                return null;
            });
            long t0 = System.nanoTime();
            BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(64);
            Future<?> sender = threads.submit(() -> {
                send(tls, server.getLocalAddress(), queue, total, encrypt);
                return null;
            });
            try (FileChannel j = FileChannel.open(journalFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer direct = ByteBuffer.allocateDirect(block.length);
                for (long w = 0; w < total; w += block.length) {
                    if (journal) {
                        direct.clear();
                        direct.put(block).flip();
                        while (direct.hasRemaining()) {
                            j.write(direct);
                        }
                    }
                    queue.put(block);
                }
            }
            sender.get(10, TimeUnit.MINUTES);
            receiver.get(10, TimeUnit.MINUTES);
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            threads.shutdownNow();
            Files.deleteIfExists(target);
            Files.deleteIfExists(journalFile);
        }
    }

    private static void send(SSLContext tls, java.net.SocketAddress to, BlockingQueue<byte[]> queue, long total,
            boolean encrypt) throws Exception {
        try (SocketChannel s = SocketChannel.open(to)) {
            s.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            SSLEngine engine = null;
            ByteBuffer netIn = ByteBuffer.allocate(128 * 1024);
            ByteBuffer app = ByteBuffer.allocate(64 * 1024);
            ByteBuffer netOut = ByteBuffer.allocate(BLOCK + 64 * 1024);
            if (encrypt) {
                engine = tls.createSSLEngine();
                engine.setUseClientMode(true);
                handshake(engine, s, netIn, netOut, app);
            }
            for (long w = 0; w < total;) {
                byte[] data = queue.take();
                w += data.length;
                ByteBuffer src = ByteBuffer.wrap(data);
                if (engine == null) {
                    while (src.hasRemaining()) {
                        s.write(src);
                    }
                    continue;
                }
                netOut.clear();
                while (src.hasRemaining()) {
                    engine.wrap(src, netOut);
                }
                netOut.flip();
                while (netOut.hasRemaining()) {
                    s.write(netOut);
                }
            }
            // the one acknowledgement: the receiver forced everything
            ByteBuffer ack = ByteBuffer.allocate(1);
            if (engine == null) {
                if (s.read(ack) != 1) {
                    throw new EOFException("no acknowledgement");
                }
                return;
            }
            app.clear();
            while (app.position() == 0) {
                if (s.read(netIn) < 0) {
                    throw new EOFException("no acknowledgement");
                }
                netIn.flip();
                engine.unwrap(netIn, app);
                netIn.compact();
            }
        }
    }

    private static void receive(SSLContext tls, ServerSocketChannel server, Path target, long total, boolean encrypt)
            throws Exception {
        try (SocketChannel s = server.accept();
                FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            s.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ByteBuffer netIn = ByteBuffer.allocate(128 * 1024);
            ByteBuffer netOut = ByteBuffer.allocate(64 * 1024);
            ByteBuffer app = ByteBuffer.allocate(2 * BLOCK);
            SSLEngine engine = null;
            if (encrypt) {
                engine = tls.createSSLEngine();
                engine.setUseClientMode(false);
                engine.setNeedClientAuth(true);
                handshake(engine, s, netIn, netOut, app);
            }
            long got = 0;
            while (true) {
                if (engine != null) {
                    netIn.flip();
                    while (netIn.hasRemaining() && engine.unwrap(netIn, app).getStatus() == SSLEngineResult.Status.OK) {
                        // every whole record in what was read
                    }
                    netIn.compact();
                }
                got += app.position();
                app.flip();
                while (app.hasRemaining()) {
                    out.write(app);
                }
                app.clear();
                if (got >= total) {
                    break;
                }
                if (s.read(engine == null ? app : netIn) < 0) {
                    throw new EOFException("the sender stopped at " + got + " bytes");
                }
            }
            out.force(true);
            ByteBuffer ack = ByteBuffer.wrap(new byte[] {1});
            if (engine != null) {
                netOut.clear();
                engine.wrap(ack, netOut);
                ack = netOut.flip();
            }
            while (ack.hasRemaining()) {
                s.write(ack);
            }
        }
    }

    /** The TLS handshake on a blocking channel; what arrives with its last message stays in {@code app}. */
    private static void handshake(SSLEngine engine, SocketChannel channel, ByteBuffer netIn, ByteBuffer netOut,
            ByteBuffer app) throws IOException {
        engine.beginHandshake();
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    netOut.clear();
                    engine.wrap(ByteBuffer.allocate(0), netOut);
                    netOut.flip();
                    while (netOut.hasRemaining()) {
                        channel.write(netOut);
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    netIn.flip();
                    SSLEngineResult r = engine.unwrap(netIn, app);
                    netIn.compact();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && channel.read(netIn) < 0) {
                        throw new EOFException("the peer closed during the handshake");
                    }
                }
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }
}
