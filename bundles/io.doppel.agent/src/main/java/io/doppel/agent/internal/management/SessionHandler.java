package io.doppel.agent.internal.management;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.ProtocolDecoderException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonObject;

import io.doppel.agent.AgentHome;
import io.doppel.management.Credentials;
import io.doppel.management.protocol.Messages;
import io.doppel.management.protocol.ProtocolException;
import io.doppel.management.spi.CommandException;

/**
 * One management conversation per session: hello, mutual proof of the token, then requests. A
 * session that does not authenticate in time, sends garbage or fails its proof is closed; refusals
 * are logged as security events.
 */
final class SessionHandler extends IoHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(SessionHandler.class);
    private static final String NONCE = "doppel.nonce";
    private static final String AUTHENTICATED = "doppel.authenticated";
    private static final String OPENED = "doppel.opened";

    private final AgentHome home;
    private final CommandRegistry commands;
    private final Credentials credentials;
    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final long authTimeoutNanos;
    /** Connections that have not authenticated yet, oldest first. */
    private final java.util.LinkedHashSet<IoSession> waiting = new java.util.LinkedHashSet<>();

    SessionHandler(AgentHome home, CommandRegistry commands, Credentials credentials, int maxConnections,
            int authTimeoutSeconds) {
        this.home = home;
        this.commands = commands;
        this.credentials = credentials;
        this.maxConnections = maxConnections;
        this.authTimeoutNanos = java.util.concurrent.TimeUnit.SECONDS.toNanos(authTimeoutSeconds);
    }

    /**
     * A new connection gets a place even when all are taken, as long as some are still waiting to
     * authenticate: the oldest of those is dropped for it. So connections that never authenticate
     * cannot lock an admin out; only {@code maxConnections} authenticated ones can.
     */
    @Override
    public void sessionOpened(IoSession session) {
        session.setAttribute(OPENED, System.nanoTime());
        IoSession evicted = null;
        synchronized (waiting) {
            if (open.incrementAndGet() > maxConnections) {
                var oldest = waiting.iterator();
                if (!oldest.hasNext()) {
                    LOG.warn("Management connection from {} refused: {} authenticated connections already open",
                            session.getRemoteAddress(), maxConnections);
                    session.write(Messages.error(Messages.E_PROTOCOL, "too many management connections; try again "
                            + "later"));
                    session.closeOnFlush();
                    return;
                }
                evicted = oldest.next();
                oldest.remove();
            }
            waiting.add(session);
        }
        if (evicted != null) {
            LOG.warn("Security: management connection from {} dropped before it authenticated: {} connections were "
                    + "open and a new one came", evicted.getRemoteAddress(), maxConnections);
            evicted.write(Messages.error(Messages.E_AUTH, "too many connections waiting to authenticate"));
            evicted.closeNow();
        }
        String nonce = Messages.newNonce();
        session.setAttribute(NONCE, nonce);
        session.write(Messages.hello(home.identity().name(), home.identity().fingerprint(), nonce));
    }

    @Override
    public void sessionClosed(IoSession session) {
        synchronized (waiting) {
            waiting.remove(session);
        }
        open.decrementAndGet();
    }

    /**
     * Called every second while the connection waits to authenticate (the agent writes nothing to
     * it then, so this comes whatever the client sends): the time to authenticate counts from the
     * connection's start, on the monotonic clock, so a client that sends a byte now and then is
     * dropped like a silent one.
     */
    @Override
    public void sessionIdle(IoSession session, IdleStatus status) {
        Object opened = session.getAttribute(OPENED);
        boolean late = !(opened instanceof Long at) || System.nanoTime() - at >= authTimeoutNanos;
        if (!session.containsAttribute(AUTHENTICATED) && late) {
            LOG.warn("Security: management connection from {} closed: no authentication in time",
                    session.getRemoteAddress());
            session.write(Messages.error(Messages.E_AUTH, "authentication timed out"));
            session.closeOnFlush();
        }
    }

    @Override
    public void messageReceived(IoSession session, Object message) {
        JsonObject m = (JsonObject) message;
        try {
            if (session.containsAttribute(AUTHENTICATED)) {
                handleRequest(session, m);
            } else {
                authenticate(session, m);
            }
        } catch (ProtocolException e) {
            refuse(session, Messages.E_PROTOCOL, e.getMessage());
        }
    }

    private void authenticate(IoSession session, JsonObject m) throws ProtocolException {
        String nonce = (String) session.getAttribute(NONCE);
        if (nonce == null) {
            session.closeNow();
            return;
        }
        if (!Messages.AUTH.equals(Messages.type(m))) {
            refuse(session, Messages.E_AUTH, "authenticate first");
            return;
        }
        long protocol = Messages.number(m, "protocol");
        if (protocol != Messages.PROTOCOL) {
            refuse(session, Messages.E_VERSION, "this agent speaks management protocol " + Messages.PROTOCOL
                    + ", not " + protocol);
            return;
        }
        String clientNonce = Messages.string(m, "nonce");
        if (clientNonce.length() < 16 || clientNonce.length() > 128) {
            refuse(session, Messages.E_PROTOCOL, "client nonce must have 16 to 128 characters");
            return;
        }
        if (!Messages.proofMatches(credentials.clientProof(nonce, clientNonce), Messages.string(m, "proof"))) {
            LOG.warn("Security: management authentication refused for {}: wrong token", session.getRemoteAddress());
            refuse(session, Messages.E_AUTH, "authentication failed: the token does not match this agent's "
                    + "management token");
            return;
        }
        session.removeAttribute(NONCE);
        session.setAttribute(AUTHENTICATED, Boolean.TRUE);
        synchronized (waiting) {
            waiting.remove(session);
        }
        session.getConfig().setIdleTime(IdleStatus.WRITER_IDLE, 0);
        LOG.info("Management client authenticated from {}", session.getRemoteAddress());
        session.write(Messages.welcome(credentials.agentProof(nonce, clientNonce)));
    }

    private void handleRequest(IoSession session, JsonObject m) throws ProtocolException {
        if (!Messages.REQUEST.equals(Messages.type(m))) {
            refuse(session, Messages.E_PROTOCOL, "expected a request");
            return;
        }
        long id = Messages.number(m, "id");
        String command = Messages.string(m, "command");
        JsonObject args = m.has("args") && m.get("args").isJsonObject() ? m.getAsJsonObject("args") : new JsonObject();
        try {
            session.write(Messages.success(id, commands.dispatch(command, args)));
        } catch (CommandException e) {
            session.write(Messages.failure(id, e.code(), e.getMessage()));
        }
    }

    private static void refuse(IoSession session, String code, String message) {
        session.write(Messages.error(code, message));
        session.closeOnFlush();
    }

    @Override
    public void exceptionCaught(IoSession session, Throwable cause) {
        if (cause instanceof ProtocolDecoderException && cause.getCause() instanceof ProtocolException p) {
            LOG.warn("Security: management connection from {} closed: {}", session.getRemoteAddress(), p.getMessage());
            refuse(session, Messages.E_PROTOCOL, p.getMessage());
        } else if (cause instanceof ProtocolDecoderException p) {
            LOG.warn("Security: management connection from {} closed: {}", session.getRemoteAddress(), p.getMessage());
            refuse(session, Messages.E_PROTOCOL, "malformed frame");
        } else if (cause instanceof IOException) {
            LOG.debug("Management connection from {} broke: {}", session.getRemoteAddress(), cause.getMessage());
            session.closeNow();
        } else {
            LOG.error("Management session with {} failed", session.getRemoteAddress(), cause);
            session.closeNow();
        }
    }
}
