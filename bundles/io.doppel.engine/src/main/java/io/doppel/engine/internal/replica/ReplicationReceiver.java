package io.doppel.engine.internal.replica;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.apache.mina.filter.codec.ProtocolCodecFilter;
import org.apache.mina.filter.executor.ExecutorFilter;
import org.apache.mina.filter.executor.OrderedThreadPoolExecutor;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.ComponentException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.agent.AgentHome;
import io.doppel.engine.internal.peers.Peer;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.transport.FrameCodec;
import io.doppel.engine.internal.transport.Tls;

/**
 * The target side: accepts replication from paired sources over mutual TLS and applies each source's
 * ops into its own image ({@code <images>/<source name>/<image>}), strictly in order.
 */
@Component(service = {ReplicationReceiver.class, io.doppel.engine.ReplicaImages.class}, immediate = true, configurationPid = ReplicationReceiver.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ReceiverConfig.class)
public final class ReplicationReceiver implements io.doppel.engine.ReplicaImages {

    public static final String PID = "io.doppel.replication.receiver";
    /** Framework property: listen address for this run, overriding the configuration. */
    public static final String LISTEN_PROPERTY = "doppel.replication.listen";
    public static final String ENDPOINT_FILE = "replication.endpoint";
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationReceiver.class);
    /** Bytes read from a replication socket at a time. */
    static final int READ_BYTES = 128 * 1024;

    private final NioSocketAcceptor acceptor;
    private final io.doppel.engine.internal.transport.Liveness liveness;
    private final OrderedThreadPoolExecutor workers;
    /** Forces images to disk off the applying threads; when its queue is full the caller syncs itself. */
    private final java.util.concurrent.ThreadPoolExecutor syncers;
    private final java.util.concurrent.ThreadPoolExecutor inspectors;
    private final Path endpointFile;
    private final PeerStore peers;
    private final Map<String, ImageSession> open = new ConcurrentHashMap<>();
    private final Consumer<Peer> onRevoke;
    private final ReceiverHandler handler;
    private final Path images;
    private final Path imageStates;
    private final Holds holds;
    /** What is wrong with this agent's own certificate (expired, expiring soon), or {@code null}. */
    private final Tls.Problem ownCertificate;
    private final java.util.List<java.util.function.BiConsumer<String, String>> restoredListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    @Activate
    public ReplicationReceiver(BundleContext context, @Reference AgentHome home, @Reference PeerStore peers,
            ReceiverConfig config) {
        this.peers = peers;
        Path images = config.imagesDir().isBlank() ? home.root().resolve("images") : Path.of(config.imagesDir());
        try {
            // Images are written by the agent alone until failover: no other user may enter them.
            Files.createDirectories(images);
            if (images.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(images, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new ComponentException("cannot use the images directory " + images + ": " + e.getMessage(), e);
        }
        syncers = new java.util.concurrent.ThreadPoolExecutor(1, 2, 60, TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(64), named("doppel-sync-"),
                (task, executor) -> task.run()); // even when shut down: a started sync must finish
        // Mirrors' questions (listings, block sums) read the disk: a few threads, a bounded queue.
        inspectors = new java.util.concurrent.ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(4096), named("doppel-inspect-"));
        this.images = images;
        this.imageStates = home.area("images");
        this.holds = new Holds(imageStates.resolve("holds"));
        handler = new ReceiverHandler(peers, images, imageStates, open, syncers, inspectors, holds,
                (source, image) -> restoredListeners.forEach(l -> l.accept(source, image)),
                config.maxPendingConnections(), config.handshakeTimeoutSeconds());
        ownCertificate = Tls.ownCertificateProblem(home, java.time.Instant.now());
        if (ownCertificate != null) {
            if (ownCertificate.severity() == io.doppel.api.event.Severity.WARNING) {
                LOG.warn("Security: {}", ownCertificate.message());
            } else {
                LOG.error("Security: {}", ownCertificate.message());
            }
        }
        workers = new OrderedThreadPoolExecutor(1, config.workerThreads(), 60, TimeUnit.SECONDS, named("doppel-apply-"));
        acceptor = new NioSocketAcceptor(1);
        acceptor.setReuseAddress(true);
        try {
            acceptor.getFilterChain().addLast("tls",
                    new io.doppel.engine.internal.transport.TlsFilter(Tls.context(home, peers, null), true));
        } catch (GeneralSecurityException e) {
            throw new ComponentException("cannot set up TLS from the agent identity: " + e.getMessage(), e);
        }
        acceptor.getFilterChain().addLast("codec", new ProtocolCodecFilter(new FrameCodec()));
        acceptor.getFilterChain().addLast("workers", new ExecutorFilter(workers));
        acceptor.setHandler(handler);
        acceptor.getSessionConfig().setTcpNoDelay(true);
        // idle events from each connection's first moment (before TLS), so that one that never
        // authenticates is dropped; on the monotonic clock, whatever the wall clock does
        liveness = io.doppel.engine.internal.transport.Liveness.watch(acceptor, "doppel-replication-timer",
                ReceiverHandler.SILENCE_SECONDS, 1);
        acceptor.getSessionConfig().setReceiveBufferSize(4 * 1024 * 1024);
        // Reads of a fixed size: the TLS filter decrypts each into its reused buffer.
        acceptor.getSessionConfig().setMaxReadBufferSize(READ_BYTES);
        acceptor.getSessionConfig().setReadBufferSize(READ_BYTES);
        acceptor.getSessionConfig().setMinReadBufferSize(READ_BYTES);
        InetSocketAddress wanted = listenAddress(context, config);
        io.doppel.engine.internal.transport.ReadBuffers.use();
        try {
            acceptor.bind(wanted);
        } catch (IOException e) {
            shutdown();
            throw new ComponentException("cannot listen for replication on " + wanted + ": " + e.getMessage()
                    + " (choose another address with --replication-listen HOST:PORT)", e);
        }
        InetSocketAddress bound = acceptor.getLocalAddress();
        String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getAddress().getHostAddress();
        endpointFile = home.runDir().resolve(ENDPOINT_FILE);
        try {
            Files.writeString(endpointFile, host + ":" + bound.getPort() + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            LOG.warn("Cannot write {}: {}", endpointFile, e.getMessage());
        }
        onRevoke = peer -> handler.closeSessionsOf(peer.fingerprint());
        peers.onRevocation(onRevoke);
        LOG.info("Replication receiver listening on {} (images in {})", bound, images);
    }

    @Deactivate
    void deactivate() {
        peers.removeRevocationListener(onRevoke);
        try {
            Files.deleteIfExists(endpointFile);
        } catch (IOException e) {
            LOG.warn("Cannot remove {}: {}", endpointFile, e.getMessage());
        }
        shutdown();
        open.values().forEach(ImageSession::close);
        open.clear();
        LOG.info("Replication receiver closed");
    }

    /** Where this receiver listens, as bound (a wildcard host when it listens on every address). */
    public InetSocketAddress localAddress() {
        return acceptor.getLocalAddress();
    }

    /** Applied sequence of every open image, for status. */
    public Map<String, Long> openImages() {
        Map<String, Long> result = new java.util.TreeMap<>();
        open.forEach((k, s) -> result.put(k, s.applied()));
        return result;
    }

    // --- ReplicaImages: failover's view of the images

    @Override
    public Path path(String source, String image) {
        return images.resolve(checked(source)).resolve(checked(image));
    }

    @Override
    public Hold hold(String source, String image) {
        return holds.of(checked(source), checked(image));
    }

    @Override
    public long lastHeard(String source, String image) {
        return handler.lastHeard(checked(source) + "/" + checked(image));
    }

    @Override
    public long silentMillis(String source, String image) {
        return handler.silentMillis(checked(source) + "/" + checked(image));
    }

    @Override
    public long announcedHead(String source, String image) {
        return handler.announcedHead(checked(source) + "/" + checked(image));
    }

    @Override
    public long applied(String source, String image) throws IOException {
        ImageSession session = open.get(checked(source) + "/" + checked(image));
        if (session != null) {
            return session.applied();
        }
        Path root = path(source, image);
        if (!Files.isDirectory(root)) {
            return -1;
        }
        Peer peer = peers.list().stream().filter(p -> p.name().equals(source)).findFirst()
                .orElseThrow(() -> new IOException("no trusted peer named '" + source + "' (doppel peer list)"));
        Path state = imageStates.resolve(peer.fingerprint().replace(":", "").substring(0, 16) + "-" + image);
        if (!Files.isDirectory(state)) {
            return -1;
        }
        synchronized (open) {
            // opening settles an op a crash cut short, so the answer is the op the image really holds
            try (io.doppel.engine.internal.apply.ImageApplier applier =
                    io.doppel.engine.internal.apply.ImageApplier.open(root, state)) {
                return applier.appliedSequence();
            }
        }
    }

    @Override
    public long promote(String source, String image, java.time.Duration wait) throws IOException {
        String key = checked(source) + "/" + checked(image);
        holds.set(source, image, Hold.PROMOTED); // from here on every hello is refused
        if (handler.closeFeeding(key)) {
            long deadline = System.nanoTime() + wait.toNanos();
            synchronized (open) {
                while (open.containsKey(key)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IOException("the source's connection to image " + key + " did not close within "
                                + wait.toSeconds() + " s");
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(open, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while the source's connection closed", e);
                    }
                }
            }
        }
        long applied = applied(source, image);
        LOG.warn("Image {} promoted at op {}: no source may feed it until it is handed back and restored", key, applied);
        return applied;
    }

    @Override
    public long catchUp(String source, String image, java.time.Duration answer, java.time.Duration wait)
            throws InterruptedException {
        String key = checked(source) + "/" + checked(image);
        long head = handler.askHead(key, answer.toNanos());
        if (head < 0) {
            return -1;
        }
        ImageSession feeding;
        synchronized (open) {
            feeding = open.get(key);
        }
        boolean caughtUp = feeding != null && feeding.awaitApplied(head, wait.toNanos());
        LOG.info("Image {}: the source's head is op {}; the image {}", key, head, caughtUp ? "has applied it"
                : "has not applied it within " + wait.toMillis() + " ms");
        return head;
    }

    @Override
    public void expectRestore(String source, String image) throws IOException {
        holds.set(checked(source), checked(image), Hold.RESTORE_ONLY);
        LOG.warn("Image {}/{} handed back: it admits only the source's restore", source, image);
    }

    @Override
    public void release(String source, String image) throws IOException {
        holds.set(checked(source), checked(image), Hold.NONE);
        LOG.warn("Image {}/{}: failover hold lifted", source, image);
    }

    @Override
    public void onRestored(java.util.function.BiConsumer<String, String> listener) {
        restoredListeners.add(listener);
    }

    @Override
    public void removeRestoredListener(java.util.function.BiConsumer<String, String> listener) {
        restoredListeners.remove(listener);
    }

    private static String checked(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("'" + name + "' is not a source or image name");
        }
        return name;
    }

    private void shutdown() {
        acceptor.unbind();
        liveness.close();
        acceptor.dispose(true);
        io.doppel.engine.internal.transport.ReadBuffers.release();
        workers.shutdown();
        syncers.shutdown();
        inspectors.shutdownNow();
    }

    static InetSocketAddress listenAddress(BundleContext context, ReceiverConfig config) {
        String override = context.getProperty(LISTEN_PROPERTY);
        if (override == null || override.isBlank()) {
            return new InetSocketAddress(config.host(), config.port());
        }
        int colon = override.lastIndexOf(':');
        try {
            return new InetSocketAddress(override.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(override.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new ComponentException("bad --replication-listen address '" + override + "': expected HOST:PORT");
        }
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC,
            policyOption = org.osgi.service.component.annotations.ReferencePolicyOption.GREEDY)
    void setEvents(io.doppel.api.event.EventLog log) {
        handler.events(log);
        if (ownCertificate != null) {
            try {
                log.post(ownCertificate.severity(), null, "security.certificate", ownCertificate.message());
            } catch (RuntimeException e) {
                LOG.warn("Cannot post the event security.certificate: {}", e.toString());
            }
        }
    }

    /** Connections that have not yet authenticated and said hello (tests, status). */
    public int waitingConnections() {
        return handler.waitingConnections();
    }

    void unsetEvents(io.doppel.api.event.EventLog log) {
        handler.events(null);
    }
}
