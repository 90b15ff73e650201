package io.doppel.agent.internal.management;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.filter.codec.ProtocolCodecFilter;
import org.apache.mina.filter.executor.ExecutorFilter;
import org.apache.mina.filter.executor.OrderedThreadPoolExecutor;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.SynchronousBundleListener;
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
import io.doppel.agent.internal.ProcessGuard;
import io.doppel.agent.internal.SecureFiles;
import io.doppel.management.AgentAddress;
import io.doppel.management.Credentials;

/**
 * The agent's management endpoint on Apache MINA. A configuration change re-creates the component,
 * so the endpoint moves to the new address at once. While it listens, the connectable address is
 * in {@code <home>/run/management.endpoint} for local tools.
 * <p>
 * When the framework begins to stop, the endpoint stops listening and drops its connections at once,
 * before any other part of the agent goes: an agent half way down would otherwise still answer, but
 * without the commands of the parts already gone, and a console would show its jobs as vanished
 * instead of the agent as unreachable.
 */
@Component(service = ManagementEndpoint.class, immediate = true, configurationPid = ManagementEndpoint.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = EndpointConfig.class)
public final class ManagementEndpoint {

    public static final String PID = "io.doppel.management.endpoint";
    public static final String ENDPOINT_FILE = "management.endpoint";
    /** Framework property: listen address for this run, overriding the configuration. */
    public static final String LISTEN_PROPERTY = "doppel.listen";
    /** Exit code of the agent process when it cannot listen for management. */
    public static final int EXIT_CANNOT_LISTEN = 4;
    private static final Logger LOG = LoggerFactory.getLogger(ManagementEndpoint.class);

    private final NioSocketAcceptor acceptor;
    private final OrderedThreadPoolExecutor workers;
    private final Path endpointFile;
    private final AgentAddress address;
    private final BundleContext context;
    private final SynchronousBundleListener frameworkStopping = this::frameworkEvent;

    @Activate
    public ManagementEndpoint(BundleContext context, @Reference AgentHome home, @Reference CommandRegistry commands,
            EndpointConfig config) {
        this.context = context;
        Credentials credentials;
        try {
            credentials = Credentials.fromFile(home.managementTokenFile());
        } catch (IOException | IllegalArgumentException e) {
            throw fail(context, "management endpoint cannot read its token: " + e.getMessage(), e);
        }
        workers = new OrderedThreadPoolExecutor(1, config.workerThreads(), 60, TimeUnit.SECONDS,
                named("doppel-mgmt-worker-"));
        acceptor = new NioSocketAcceptor(1);
        acceptor.setReuseAddress(true);
        acceptor.getFilterChain().addLast("codec", new ProtocolCodecFilter(new FrameCodec()));
        acceptor.getFilterChain().addLast("workers", new ExecutorFilter(workers));
        acceptor.setHandler(new SessionHandler(home, commands, credentials, config.maxConnections(),
                config.authTimeoutSeconds()));
        // every second until the connection authenticated (the handler counts from its start)
        acceptor.getSessionConfig().setIdleTime(IdleStatus.WRITER_IDLE, 1);
        acceptor.getSessionConfig().setTcpNoDelay(true);
        InetSocketAddress wanted = listenAddress(context, config);
        try {
            acceptor.bind(wanted);
        } catch (IOException | RuntimeException e) {
            shutdown();
            throw fail(context, "cannot listen for management on " + wanted.getHostString() + ":" + wanted.getPort() + ": "
                    + e.getMessage() + " (is another program using that port? choose another with --listen HOST:PORT)",
                    e);
        }
        InetSocketAddress bound = acceptor.getLocalAddress();
        String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getAddress().getHostAddress();
        address = new AgentAddress(host, bound.getPort());
        endpointFile = home.runDir().resolve(ENDPOINT_FILE);
        try {
            SecureFiles.writeAtomically(endpointFile, (address + "\n").getBytes(StandardCharsets.US_ASCII), false);
        } catch (IOException e) {
            shutdown();
            throw fail(context, "cannot write " + endpointFile + ": " + e.getMessage(), e);
        }
        context.addBundleListener(frameworkStopping);
        LOG.info("Management endpoint listening on {} (bound {})", address, bound);
    }

    private void frameworkEvent(BundleEvent event) {
        if (event.getType() == BundleEvent.STOPPING && event.getBundle().getBundleId() == Constants.SYSTEM_BUNDLE_ID) {
            LOG.info("Agent stopping: management endpoint on {} no longer answers", address);
            acceptor.unbind();
            acceptor.getManagedSessions().values().forEach(s -> s.closeNow());
        }
    }

    @Deactivate
    void deactivate() {
        try {
            context.removeBundleListener(frameworkStopping);
        } catch (IllegalStateException e) {
            // the bundle context is no longer valid: the listener is gone with it
        }
        try {
            Files.deleteIfExists(endpointFile);
        } catch (IOException e) {
            LOG.warn("Could not remove {}: {}", endpointFile, e.getMessage());
        }
        shutdown();
        LOG.info("Management endpoint on {} closed", address);
    }

    /**
     * The address to listen on: the start script's {@code --listen} (property {@value #LISTEN_PROPERTY})
     * for this run if given, else the configuration.
     */
    static InetSocketAddress listenAddress(BundleContext context, EndpointConfig config) {
        String override = context.getProperty(LISTEN_PROPERTY);
        if (override == null || override.isBlank()) {
            return new InetSocketAddress(config.host(), config.port());
        }
        int colon = override.lastIndexOf(':');
        String host = colon < 0 ? override : override.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = colon < 0 ? AgentAddress.DEFAULT_PORT : Integer.parseInt(override.substring(colon + 1));
            return new InetSocketAddress(host, port);
        } catch (IllegalArgumentException e) {
            throw fail(context, "bad --listen address '" + override + "': expected HOST:PORT with a port 0-65535", e);
        }
    }

    /** Where clients reach this endpoint. */
    public AgentAddress address() {
        return address;
    }

    private void shutdown() {
        acceptor.unbind();
        acceptor.dispose(true);
        workers.shutdown();
    }

    private static ComponentException fail(BundleContext context, String message, Throwable cause) {
        LOG.error(message);
        if (ProcessGuard.isAgentProcess(context)) {
            ProcessGuard.exitSoon(EXIT_CANNOT_LISTEN, message);
        }
        return new ComponentException(message, cause);
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
