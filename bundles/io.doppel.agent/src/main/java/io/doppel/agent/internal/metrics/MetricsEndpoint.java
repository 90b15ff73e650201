package io.doppel.agent.internal.metrics;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.agent.AgentHome;
import io.doppel.agent.MetricsSource;

/**
 * The optional metrics endpoint: {@code GET /metrics} over plain HTTP/1.1 in the Prometheus text
 * format, for monitoring systems to scrape. Off unless the start script's {@code --metrics HOST:PORT}
 * (framework property {@value #PROPERTY}) names where to listen; while it listens, its address is
 * in {@code run/metrics.endpoint}. It serves only that one read-only page and closes each
 * connection after answering; a request longer than {@value #MAX_REQUEST} bytes is refused.
 */
@Component(immediate = true)
public final class MetricsEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    static final String PROPERTY = "doppel.metrics";
    static final int MAX_REQUEST = 8192;
    private static final String REQUEST = "doppel.metrics.request";
    private static final String ANSWERED = "doppel.metrics.answered";

    private final List<MetricsSource> sources = new CopyOnWriteArrayList<>();
    private final AgentHome home;
    private NioSocketAcceptor acceptor;
    private Path endpointFile;

    @Activate
    public MetricsEndpoint(BundleContext context, @Reference AgentHome home) throws IOException {
        this.home = home;
        String where = context.getProperty(PROPERTY);
        if (where == null || where.isBlank()) {
            LOG.info("Metrics endpoint off (start the agent with --metrics HOST:PORT to serve /metrics)");
            return;
        }
        int colon = where.lastIndexOf(':');
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(where.substring(0, colon), Integer.parseInt(where.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad --metrics address '" + where + "': expected HOST:PORT", e);
        }
        acceptor = new NioSocketAcceptor(1);
        acceptor.setReuseAddress(true);
        acceptor.setHandler(new Handler());
        acceptor.getSessionConfig().setIdleTime(IdleStatus.BOTH_IDLE, 10);
        acceptor.bind(address);
        InetSocketAddress bound = acceptor.getLocalAddress();
        endpointFile = home.runDir().resolve("metrics.endpoint");
        Files.writeString(endpointFile, bound.getHostString() + ":" + bound.getPort() + "\n");
        LOG.info("Metrics endpoint on http://{}:{}/metrics", bound.getHostString(), bound.getPort());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addSource(MetricsSource source) {
        sources.add(source);
    }

    void removeSource(MetricsSource source) {
        sources.remove(source);
    }

    @Deactivate
    void deactivate() {
        if (acceptor != null) {
            acceptor.unbind();
            acceptor.dispose(true);
            try {
                Files.deleteIfExists(endpointFile);
            } catch (IOException e) {
                LOG.warn("Could not remove {}: {}", endpointFile, e.getMessage());
            }
        }
    }

    /** The page: the agent's own families, then every source's. */
    String page() {
        StringBuilder out = new StringBuilder(4096);
        out.append("# HELP doppel_agent_up Whether the agent answers (always 1 when it does).\n")
                .append("# TYPE doppel_agent_up gauge\n")
                .append("doppel_agent_up{agent=\"").append(MetricsSource.label(home.identity().name())).append("\"} 1\n")
                .append("# HELP doppel_agent_uptime_seconds Seconds since the agent started.\n")
                .append("# TYPE doppel_agent_uptime_seconds gauge\n")
                .append("doppel_agent_uptime_seconds ")
                .append(java.time.Duration.between(home.startedAt(), java.time.Instant.now()).toSeconds()).append('\n');
        for (MetricsSource s : sources) {
            try {
                s.writeMetrics(out);
            } catch (RuntimeException e) {
                LOG.warn("A metrics source failed: {}", e.toString());
            }
        }
        return out.toString();
    }

    private final class Handler extends IoHandlerAdapter {
        @Override
        public void messageReceived(IoSession session, Object message) {
            IoBuffer in = (IoBuffer) message;
            if (session.containsAttribute(ANSWERED)) {
                in.position(in.limit()); // the rest of a request already answered: the connection is closing
                return;
            }
            StringBuilder request = (StringBuilder) session.getAttribute(REQUEST);
            if (request == null) {
                request = new StringBuilder();
                session.setAttribute(REQUEST, request);
            }
            byte[] bytes = new byte[in.remaining()];
            in.get(bytes);
            request.append(new String(bytes, StandardCharsets.ISO_8859_1));
            if (request.length() > MAX_REQUEST) {
                answer(session, 431, "Request Header Fields Too Large", "request too large\n");
                return;
            }
            int end = request.indexOf("\r\n\r\n");
            if (end < 0) {
                return; // more to come
            }
            String line = request.substring(0, request.indexOf("\r\n"));
            String[] parts = line.split(" ");
            if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
                answer(session, 400, "Bad Request", "not an HTTP/1.x request\n");
            } else if (!parts[0].equals("GET") && !parts[0].equals("HEAD")) {
                answer(session, 405, "Method Not Allowed", "only GET /metrics\n");
            } else if (!parts[1].equals("/metrics")) {
                answer(session, 404, "Not Found", "only /metrics is served here\n");
            } else {
                answer(session, 200, "OK", parts[0].equals("HEAD") ? "" : page());
            }
        }

        private void answer(IoSession session, int code, String reason, String body) {
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + code + " " + reason + "\r\n"
                    + "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                    + "Content-Length: " + content.length + "\r\n"
                    + "Connection: close\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
            IoBuffer out = IoBuffer.allocate(h.length + content.length);
            out.put(h).put(content).flip();
            session.setAttribute(ANSWERED, Boolean.TRUE);
            session.removeAttribute(REQUEST);
            session.write(out);
            session.closeOnFlush();
        }

        @Override
        public void sessionIdle(IoSession session, IdleStatus status) {
            session.closeNow(); // a client that says nothing for 10 s
        }

        @Override
        public void exceptionCaught(IoSession session, Throwable cause) {
            LOG.debug("Metrics connection from {} failed: {}", session.getRemoteAddress(), cause.toString());
            session.closeNow();
        }
    }
}
