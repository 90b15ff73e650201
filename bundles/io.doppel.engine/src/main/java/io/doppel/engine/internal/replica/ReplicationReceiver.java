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
import org.apache.mina.filter.ssl.SslFilter;
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
@Component(service = ReplicationReceiver.class, immediate = true, configurationPid = ReplicationReceiver.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ReceiverConfig.class)
public final class ReplicationReceiver {

    public static final String PID = "io.doppel.replication.receiver";
    /** Framework property: listen address for this run, overriding the configuration. */
    public static final String LISTEN_PROPERTY = "doppel.replication.listen";
    public static final String ENDPOINT_FILE = "replication.endpoint";
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationReceiver.class);
    /** Bytes read from a replication socket at a time. */
    static final int READ_BYTES = 32 * 1024;

    private final NioSocketAcceptor acceptor;
    private final OrderedThreadPoolExecutor workers;
    /** Forces images to disk off the applying threads; when its queue is full the caller syncs itself. */
    private final java.util.concurrent.ThreadPoolExecutor syncers;
    private final java.util.concurrent.ThreadPoolExecutor inspectors;
    private final Path endpointFile;
    private final PeerStore peers;
    private final Map<String, ImageSession> open = new ConcurrentHashMap<>();
    private final Consumer<Peer> onRevoke;
    private final ReceiverHandler handler;

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
        handler = new ReceiverHandler(peers, images, home.area("images"), open, syncers, inspectors);
        workers = new OrderedThreadPoolExecutor(1, config.workerThreads(), 60, TimeUnit.SECONDS, named("doppel-apply-"));
        acceptor = new NioSocketAcceptor(1);
        acceptor.setReuseAddress(true);
        try {
            SslFilter ssl = new SslFilter(Tls.context(home, peers, null));
            ssl.setNeedClientAuth(true);
            acceptor.getFilterChain().addLast("tls", ssl);
        } catch (GeneralSecurityException e) {
            throw new ComponentException("cannot set up TLS from the agent identity: " + e.getMessage(), e);
        }
        acceptor.getFilterChain().addLast("codec", new ProtocolCodecFilter(new FrameCodec()));
        acceptor.getFilterChain().addLast("workers", new ExecutorFilter(workers));
        acceptor.setHandler(handler);
        acceptor.getSessionConfig().setTcpNoDelay(true);
        acceptor.getSessionConfig().setReceiveBufferSize(4 * 1024 * 1024);
        // Reads of a fixed, small size: MINA's TLS filter allocates (and zeroes) a buffer sized for
        // everything left in a read for each 16 KiB record it decrypts, so a 1 MiB read cost about
        // 32 MiB of zeroing; 32 KiB reads cost 48 KiB.
        acceptor.getSessionConfig().setMinReadBufferSize(READ_BYTES);
        acceptor.getSessionConfig().setReadBufferSize(READ_BYTES);
        acceptor.getSessionConfig().setMaxReadBufferSize(READ_BYTES);
        InetSocketAddress wanted = listenAddress(context, config);
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
    }

    /** Applied sequence of every open image, for status. */
    public Map<String, Long> openImages() {
        Map<String, Long> result = new java.util.TreeMap<>();
        open.forEach((k, s) -> result.put(k, s.applied()));
        return result;
    }

    private void shutdown() {
        acceptor.unbind();
        acceptor.dispose(true);
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
    }

    void unsetEvents(io.doppel.api.event.EventLog log) {
        handler.events(null);
    }
}
