package io.doppel.engine.internal.replica;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Map;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.engine.internal.apply.ImageApplier;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.transport.Frame;
import io.doppel.engine.internal.transport.Handshake;
import io.doppel.engine.internal.transport.Tls;

/** Per-connection protocol of the receiver: hello, then batches of ops for one image. */
final class ReceiverHandler extends IoHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ReceiverHandler.class);
    private static final String IMAGE = "doppel.image";
    private static final String HEARD = "doppel.heard";
    private static final String PEER = "doppel.peer";
    private static final String TLS_REFUSED = "doppel.tlsRefused";
    /** Set on a restore's connection to an image handed back after a failover, until its rebase. */
    private static final String RESTORE_ONLY = "doppel.restoreOnly";
    static final int SILENCE_SECONDS = 30;
    /** Writer-idle periods (1 s each) between heartbeats. */
    private static final int HEARTBEAT_EVERY_IDLE = 10;

    private final PeerStore peers;
    private final Path images;
    private final Path state;
    private final Map<String, ImageSession> open;
    private final java.util.concurrent.Executor syncer;
    private final java.util.concurrent.Executor inspectors;
    private final java.util.Set<IoSession> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Per image key: the last journal head its source announced. */
    private final java.util.Map<String, Long> heads = new java.util.concurrent.ConcurrentHashMap<>();
    /** Questions for a source's head, by id, with the connection they were asked on. */
    private final java.util.Map<Long, HeadQuestion> headQuestions = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong headQuestionIds = new java.util.concurrent.atomic.AtomicLong();

    private record HeadQuestion(IoSession session, java.util.concurrent.CompletableFuture<Long> answer) { }
    private volatile io.doppel.api.event.EventLog events;
    private final Holds holds;
    private final java.util.function.BiConsumer<String, String> restored;
    private final ConnectionGuard guard;

    /** The agent's event log for security refusals, or {@code null} while there is none. */
    void events(io.doppel.api.event.EventLog log) {
        this.events = log;
    }

    private void event(io.doppel.api.event.Severity severity, String code, String message) {
        io.doppel.api.event.EventLog log = events;
        if (log != null) {
            try {
                log.post(severity, null, code, message);
            } catch (RuntimeException e) {
                LOG.warn("Cannot post the event {}: {}", code, e.toString());
            }
        }
    }

    ReceiverHandler(PeerStore peers, Path images, Path state, Map<String, ImageSession> open,
            java.util.concurrent.Executor syncer, java.util.concurrent.Executor inspectors, Holds holds,
            java.util.function.BiConsumer<String, String> restored, int maxPending, int handshakeTimeoutSeconds) {
        this.guard = new ConnectionGuard(maxPending, handshakeTimeoutSeconds,
                message -> event(io.doppel.api.event.Severity.WARNING, "security.refused", message));
        this.peers = peers;
        this.holds = holds;
        this.restored = restored;
        this.inspectors = inspectors;
        this.syncer = syncer;
        this.images = images;
        this.state = state;
        this.open = open;
    }

    @Override
    public void sessionCreated(IoSession session) {
        // in the I/O thread, before TLS: a connection is on the clock from its first moment
        guard.opened(session);
    }

    /** Connections that have not yet authenticated and said hello. */
    int waitingConnections() {
        return guard.waitingCount();
    }

    @Override
    public void sessionOpened(IoSession session) {
        sessions.add(session);
    }

    @Override
    public void messageReceived(IoSession session, Object message) {
        session.setAttribute(HEARD, System.nanoTime());
        switch ((Frame) message) {
            case Frame.Hello h -> hello(session, h);
            case Frame.Ops o -> {
                ImageSession image = (ImageSession) session.getAttribute(IMAGE);
                if (image == null) {
                    refuse(session, "PROTOCOL", "ops before hello", 0);
                } else if (session.containsAttribute(RESTORE_ONLY)) {
                    refuse(session, "RESTORE_REQUIRED", "image " + image.key() + " was served by this target after a "
                            + "failover: the source must restore itself from it before it sends ops", 0);
                } else {
                    image.apply(session, o);
                }
            }
            case Frame.ListRequest q -> inspect(session, q);
            case Frame.SumsRequest q -> inspect(session, q);
            case Frame.SumsBatchRequest q -> inspect(session, q);
            case Frame.StatRequest q -> inspect(session, q);
            case Frame.ReadRequest q -> inspect(session, q);
            case Frame.XattrsRequest q -> inspect(session, q);
            case Frame.Rebase r -> {
                ImageSession image = (ImageSession) session.getAttribute(IMAGE);
                if (image == null) {
                    refuse(session, "PROTOCOL", "rebase before hello", 0);
                } else if (image.rebase(session, r.seq()) && session.removeAttribute(RESTORE_ONLY) != null) {
                    heads.remove(image.key()); // the source's journal starts again after the restore
                    liftHold(image);
                }
            }
            case Frame.Heartbeat h -> {
                ImageSession image = (ImageSession) session.getAttribute(IMAGE);
                if (h.head() >= 0 && image != null) {
                    heads.put(image.key(), h.head());
                }
            }
            case Frame.HeadAnswer a -> {
                HeadQuestion asked = headQuestions.get(a.id());
                ImageSession image = (ImageSession) session.getAttribute(IMAGE);
                if (asked == null || asked.session() != session || image == null) {
                    refuse(session, "PROTOCOL", "an answer to a question this target did not ask", 0);
                } else {
                    headQuestions.remove(a.id());
                    heads.put(image.key(), a.head());
                    asked.answer().complete(a.head());
                }
            }
            default -> refuse(session, "PROTOCOL", "unexpected " + message.getClass().getSimpleName() + " frame", 0);
        }
    }

    private void inspect(IoSession session, Frame question) {
        ImageSession image = (ImageSession) session.getAttribute(IMAGE);
        if (image == null) {
            refuse(session, "PROTOCOL", "a question before hello", 0);
            return;
        }
        try {
            inspectors.execute(() -> image.inspect(session, question));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            refuse(session, "BUSY", "too many questions about images are waiting; ask again later", 0);
        }
    }

    private void hello(IoSession session, Frame.Hello h) {
        if (session.containsAttribute(IMAGE)) {
            refuse(session, "PROTOCOL", "a second hello on one connection", 0);
            return;
        }
        Handshake.Refusal refusal = Handshake.check(h);
        if (refusal != null) {
            refuse(session, refusal.code(), refusal.message(), 0);
            return;
        }
        String fingerprint;
        try {
            fingerprint = peerFingerprint(session);
        } catch (IOException e) {
            refuse(session, "AUTH_FAILED", e.getMessage(), 0);
            return;
        }
        String sourceName = peers.nameOf(fingerprint);
        String key = sourceName + "/" + h.image();
        Path root = images.resolve(sourceName).resolve(h.image());
        Path imageState = state.resolve(fingerprint.replace(":", "").substring(0, 16) + "-" + h.image());
        io.doppel.engine.ReplicaImages.Hold hold = holds.of(sourceName, h.image());
        if (hold == io.doppel.engine.ReplicaImages.Hold.PROMOTED) {
            refuse(session, "PROMOTED", "image " + key + " was promoted by a failover: this target serves it now. Fail "
                    + "back on the target first (doppel failover failback), then restore this source from it (doppel "
                    + "job restore " + h.job() + " --checksum-all)", 0);
            return;
        }
        if (hold == io.doppel.engine.ReplicaImages.Hold.RESTORE_ONLY && !h.restore()) {
            refuse(session, "RESTORE_REQUIRED", "image " + key + " was served by this target after a failover and now "
                    + "holds the newer data: restore this source from it first (doppel job stop " + h.job()
                    + "; doppel job restore " + h.job() + " --checksum-all)", 0);
            return;
        }
        synchronized (open) {
            if (open.containsKey(key)) {
                refuse(session, "BUSY", "image " + key + " is already being fed by another connection", 0);
                return;
            }
            try {
                ImageSession image = new ImageSession(key, sourceName, root, ImageApplier.open(root, imageState), syncer);
                open.put(key, image);
                guard.admitted(session);
                session.setAttribute(IMAGE, image);
                session.setAttribute(PEER, fingerprint);
                if (hold == io.doppel.engine.ReplicaImages.Hold.RESTORE_ONLY) {
                    session.setAttribute(RESTORE_ONLY, Boolean.TRUE);
                }
                LOG.info("Source '{}' connected for job '{}', image {} at op {}", sourceName, h.job(), root,
                        image.applied());
                session.write(new Frame.Resume(image.applied()));
            } catch (io.doppel.engine.internal.apply.ImageBusyException e) {
                refuse(session, "BUSY", "image " + key + " is held for now: " + e.getMessage(), 0);
            } catch (IOException e) {
                refuse(session, "IO", "cannot open image " + key + ": " + e.getMessage(), 0);
            }
        }
    }

    private static String peerFingerprint(IoSession session) throws IOException {
        SSLSession ssl = (SSLSession) session.getAttribute(io.doppel.engine.internal.transport.TlsFilter.SECURED);
        if (ssl == null) {
            throw new IOException("the connection is not secured by TLS");
        }
        try {
            Certificate[] chain = ssl.getPeerCertificates();
            return Tls.fingerprint((X509Certificate) chain[0]);
        } catch (SSLPeerUnverifiedException | CertificateException e) {
            throw new IOException("the source presented no usable certificate: " + e.getMessage(), e);
        }
    }

    private void refuse(IoSession session, String code, String message, long seq) {
        LOG.warn("Replication connection from {} refused: {} [{}]", session.getRemoteAddress(), message, code);
        if ("AUTH_FAILED".equals(code)) {
            event(io.doppel.api.event.Severity.ERROR, "security.refused", "replication connection from "
                    + session.getRemoteAddress() + " refused: " + message);
        } else if (!"BUSY".equals(code)) {
            event(io.doppel.api.event.Severity.WARNING, "replication.refused", "replication connection from "
                    + session.getRemoteAddress() + " refused: " + message + " [" + code + "]");
        }
        session.write(new Frame.Refused(code, message, seq));
        session.closeOnFlush();
    }

    @Override
    public void sessionIdle(IoSession session, IdleStatus status) {
        guard.check(session, io.doppel.engine.internal.transport.Liveness.ageMillis(session));
        if (guard.waiting(session)) {
            return; // not authenticated yet: no heartbeats; the guard closes it when its time is up
        }
        if (status == IdleStatus.READER_IDLE) {
            LOG.warn("Replication source {} silent for {} s; closing", session.getRemoteAddress(), SILENCE_SECONDS);
            session.closeNow();
        } else {
            ImageSession image = (ImageSession) session.getAttribute(IMAGE);
            if (image != null) {
                image.idle(session);
            }
            if (io.doppel.engine.internal.transport.Liveness.idleCount(session, IdleStatus.WRITER_IDLE)
                    % HEARTBEAT_EVERY_IDLE == 0) {
                session.write(new Frame.Heartbeat(System.currentTimeMillis()));
            }
        }
    }

    @Override
    public void exceptionCaught(IoSession session, Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (!(root instanceof CertificateException) && root instanceof javax.net.ssl.SSLException
                && guard.waiting(session)) {
            // no identity was presented at all (not TLS, a broken handshake): summarised, not one event each
            LOG.debug("Replication connection from {} failed its TLS handshake: {}", session.getRemoteAddress(),
                    root.getMessage());
            guard.notTls(session, root.getMessage());
        } else if ((root instanceof javax.net.ssl.SSLException || root instanceof CertificateException)
                && session.setAttributeIfAbsent(TLS_REFUSED, Boolean.TRUE) != null) {
            // MINA reports one failed handshake more than once: one log line and one event per connection
            LOG.debug("Replication connection from {}: {}", session.getRemoteAddress(), root.getMessage());
        } else if (root instanceof javax.net.ssl.SSLException || root instanceof CertificateException) {
            LOG.warn("Security: replication connection from {} refused at TLS: {}", session.getRemoteAddress(),
                    root.getMessage());
            event(io.doppel.api.event.Severity.ERROR, "security.refused", "replication connection from "
                    + session.getRemoteAddress() + " refused at TLS: " + root.getMessage());
        } else if (root instanceof IOException) {
            LOG.info("Replication connection from {} broke: {}", session.getRemoteAddress(), root.getMessage());
        } else {
            LOG.warn("Replication connection from {} failed: {}", session.getRemoteAddress(), root.toString());
        }
        session.closeNow();
    }

    @Override
    public void sessionClosed(IoSession session) {
        sessions.remove(session);
        headQuestions.values().stream().filter(q -> q.session() == session)
                .forEach(q -> q.answer().completeExceptionally(new IOException("the connection closed")));
        guard.closed(session);
        ImageSession image = (ImageSession) session.getAttribute(IMAGE);
        if (image != null) {
            // closed (flushed and unlocked) before it is forgotten: until then a new connection for
            // the same image is refused as busy and retries, instead of failing to lock it
            image.close();
            synchronized (open) {
                open.remove(image.key(), image);
                open.notifyAll(); // a promotion may wait for this
            }
        }
    }

    /** The restore that an image handed back after a failover waited for has rebased it: replication resumes. */
    private void liftHold(ImageSession image) {
        String source = image.key().substring(0, image.key().indexOf('/'));
        String name = image.key().substring(image.key().indexOf('/') + 1);
        try {
            holds.set(source, name, io.doppel.engine.ReplicaImages.Hold.NONE);
        } catch (IOException e) {
            LOG.error("Image {}: restored, but the failover hold cannot be lifted: {}", image.key(), e.getMessage());
            return;
        }
        LOG.warn("Image {}: the source restored itself from it; replication resumes", image.key());
        event(io.doppel.api.event.Severity.INFO, "failover.restored", "the source restored itself from image "
                + image.key() + "; replication into it resumes");
        restored.accept(source, name);
    }

    long announcedHead(String key) {
        return heads.getOrDefault(key, -1L);
    }

    /** When a connection feeding the image last read anything (epoch millis), or -1 if none feeds it. */
    long lastHeard(String key) {
        long last = -1;
        for (IoSession s : sessions) {
            ImageSession image = (ImageSession) s.getAttribute(IMAGE);
            if (image != null && image.key().equals(key)) {
                last = Math.max(last, s.getLastReadTime());
            }
        }
        return last;
    }

    /**
     * How long the connections feeding the image have been silent, in ms on the monotonic clock (a
     * step of the system clock does not change it), or -1 if none feeds it.
     */
    long silentMillis(String key) {
        long silent = -1;
        long now = System.nanoTime();
        for (IoSession s : sessions) {
            ImageSession image = (ImageSession) s.getAttribute(IMAGE);
            Object heard = s.getAttribute(HEARD);
            if (image != null && image.key().equals(key)) {
                long ms = heard instanceof Long at ? (now - at) / 1_000_000 : 0;
                silent = silent < 0 ? ms : Math.min(silent, ms);
            }
        }
        return silent;
    }

    /**
     * Asks the source on the connection that feeds the image for its head now, and waits up to
     * {@code waitNanos} for the answer; -1 if no connection feeds the image (or only a restore's), or
     * no answer came in time (the connection closed, the source is busy or stuck).
     */
    long askHead(String key, long waitNanos) throws InterruptedException {
        IoSession feeding = null;
        for (IoSession s : sessions) {
            ImageSession image = (ImageSession) s.getAttribute(IMAGE);
            if (image != null && image.key().equals(key) && !s.containsAttribute(RESTORE_ONLY) && s.isConnected()) {
                feeding = s;
            }
        }
        if (feeding == null) {
            return -1;
        }
        long id = headQuestionIds.incrementAndGet();
        HeadQuestion question = new HeadQuestion(feeding, new java.util.concurrent.CompletableFuture<>());
        headQuestions.put(id, question);
        try {
            feeding.write(new Frame.HeadRequest(id));
            return question.answer().get(waitNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("Image {}: the source gave no answer about its head within {} ms", key, waitNanos / 1_000_000);
            return -1;
        } catch (java.util.concurrent.ExecutionException e) {
            return -1;
        } finally {
            headQuestions.remove(id);
        }
    }

    /** Closes the connection that feeds an image, if any; returns whether there was one. */
    boolean closeFeeding(String key) {
        boolean found = false;
        for (IoSession s : sessions) {
            ImageSession image = (ImageSession) s.getAttribute(IMAGE);
            if (image != null && image.key().equals(key)) {
                LOG.warn("Image {}: closing the source's connection for a failover", key);
                s.closeOnFlush();
                found = true;
            }
        }
        return found;
    }

    /** Closes the connections of a revoked peer. */
    void closeSessionsOf(String fingerprint) {
        for (IoSession s : sessions) {
            if (fingerprint.equals(s.getAttribute(PEER))) {
                LOG.warn("Security: closing replication from revoked peer {}", fingerprint);
                event(io.doppel.api.event.Severity.WARNING, "security.revoked", "replication from the revoked peer "
                        + fingerprint + " closed");
                s.closeNow();
            }
        }
    }
}
