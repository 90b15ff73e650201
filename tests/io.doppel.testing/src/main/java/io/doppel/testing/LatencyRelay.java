package io.doppel.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay of the test harness that delays what it forwards, in both directions, by a delay
 * drawn for each chunk between a minimum and a maximum (the kernel here has no netem). Order is
 * kept: a chunk is never delivered before the one read before it. What is in flight per direction
 * is bounded (a window, like a real link's bandwidth-delay product), so a fast sender is held back
 * rather than buffered without limit. A close or a reset on either side closes the other side once
 * what was read before it is delivered. With no delay it forwards at once.
 */
public final class LatencyRelay implements AutoCloseable {

    private static final int CHUNK = 16 * 1024;
    private static final int WINDOW = 4 * 1024 * 1024;

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Random random = new Random(7);
    private volatile long minNanos;
    private volatile long maxNanos;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong delayedChunks = new AtomicLong();
    private final ConcurrentHashMap<Thread, Boolean> threads = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Listens on {@code listen} and forwards every connection to {@code upstream}. */
    public LatencyRelay(InetSocketAddress listen, InetSocketAddress upstream) throws IOException {
        this.server = new ServerSocket();
        this.server.setReuseAddress(true);
        this.server.bind(listen);
        this.upstream = upstream;
        this.acceptor = start("relay-accept", this::accept);
    }

    /** The address the relay listens on. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** From now on each chunk, in each direction, is delayed by {@code minMillis}–{@code maxMillis}. */
    public void delay(long minMillis, long maxMillis) {
        if (minMillis < 0 || maxMillis < minMillis) {
            throw new IllegalArgumentException("delay " + minMillis + "–" + maxMillis + " ms");
        }
        minNanos = TimeUnit.MILLISECONDS.toNanos(minMillis);
        maxNanos = TimeUnit.MILLISECONDS.toNanos(maxMillis);
    }

    /** Connections accepted so far. */
    public long connections() {
        return connections.get();
    }

    /** Chunks forwarded with a delay so far (proof that the delay was in the path). */
    public long delayedChunks() {
        return delayedChunks.get();
    }

    private Thread start(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        }, name);
        t.setDaemon(true);
        threads.put(t, Boolean.TRUE);
        t.start();
        return t;
    }

    private void accept() {
        while (!closed) {
            Socket in;
            try {
                in = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.incrementAndGet();
            sockets.add(in);
            Socket out = new Socket();
            sockets.add(out);
            try {
                out.connect(upstream, 10_000);
            } catch (IOException e) {
                closeQuietly(in);
                closeQuietly(out);
                continue;
            }
            pipe(in, out, "up");
            pipe(out, in, "down");
        }
    }

    /** One direction: a reader that stamps chunks with their due time, a writer that delivers them then. */
    private void pipe(Socket from, Socket to, String direction) {
        LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        Semaphore window = new Semaphore(WINDOW);
        start("relay-read-" + direction, () -> {
            long lastDue = 0;
            try (InputStream input = from.getInputStream()) {
                while (true) {
                    byte[] buffer = new byte[CHUNK];
                    int n = input.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    window.acquire(n);
                    long delay = delayNanos();
                    long due = Math.max(lastDue, System.nanoTime() + delay);
                    lastDue = due;
                    queue.put(new Chunk(buffer, n, due, delay > 0));
                }
                queue.put(Chunk.END);
            } catch (IOException | InterruptedException e) {
                queue.offer(Chunk.RESET);
            }
        });
        start("relay-write-" + direction, () -> {
            try (OutputStream output = to.getOutputStream()) {
                while (true) {
                    Chunk c = queue.take();
                    if (c == Chunk.RESET) {
                        closeQuietly(to);
                        closeQuietly(from);
                        return;
                    }
                    if (c == Chunk.END) {
                        to.shutdownOutput();
                        return;
                    }
                    long wait;
                    while ((wait = c.due - System.nanoTime()) > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait); // the link's latency itself
                    }
                    output.write(c.bytes, 0, c.length);
                    window.release(c.length);
                    if (c.delayed) {
                        delayedChunks.incrementAndGet();
                    }
                }
            } catch (IOException | InterruptedException e) {
                closeQuietly(to);
                closeQuietly(from);
            }
        });
    }

    private long delayNanos() {
        long min = minNanos;
        long max = maxNanos;
        if (max == 0) {
            return 0;
        }
        synchronized (random) {
            return min + (max == min ? 0 : (long) (random.nextDouble() * (max - min)));
        }
    }

    private record Chunk(byte[] bytes, int length, long due, boolean delayed) {
        static final Chunk END = new Chunk(new byte[0], 0, 0, false);
        static final Chunk RESET = new Chunk(new byte[0], 0, 0, false);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Stops listening, closes every connection and waits for the relay's threads to end. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        sockets.forEach(LatencyRelay::closeQuietly);
        for (Thread t : List.copyOf(threads.keySet())) {
            t.interrupt();
            t.join(10_000);
        }
    }
}
