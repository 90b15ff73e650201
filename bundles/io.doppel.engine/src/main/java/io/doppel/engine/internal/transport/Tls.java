package io.doppel.engine.internal.transport;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.agent.AgentHome;
import io.doppel.api.event.Severity;
import io.doppel.engine.internal.peers.PeerStore;

/**
 * Mutual TLS between agents: each side presents the certificate of its identity and accepts only
 * peers whose certificate fingerprint it trusts (pairing), and, when a job names its target's
 * fingerprint, only that one. No certificate authorities are involved.
 */
public final class Tls {

    private static final Logger LOG = LoggerFactory.getLogger(Tls.class);

    private Tls() {
    }

    /**
     * @param expectedPeer the one fingerprint to accept, or {@code null} for any trusted peer
     */
    public static SSLContext context(AgentHome home, PeerStore peers, String expectedPeer)
            throws GeneralSecurityException {
        return context(home, peers, expectedPeer, reason -> { });
    }

    /**
     * @param onRefusal told why a peer was refused, so the side that initiated the connection can
     *                  report it at once instead of waiting for a timeout
     */
    public static SSLContext context(AgentHome home, PeerStore peers, String expectedPeer,
            java.util.function.Consumer<String> onRefusal) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(home.keyStore(), home.keyPassword());
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(kmf.getKeyManagers(), new TrustManager[] {new Pinned(peers, expectedPeer, onRefusal)}, null);
        return context;
    }

    public static String fingerprint(X509Certificate cert) throws CertificateException {
        try {
            return HexFormat.ofDelimiter(":").withUpperCase()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new CertificateException("SHA-256 unavailable", e);
        }
    }

    /** Something an admin must fix about a certificate, and how urgent it is. */
    public record Problem(Severity severity, String message) { }

    /** Warn this long before the own certificate expires. */
    static final Duration EXPIRY_WARNING = Duration.ofDays(30);

    /**
     * Checks a peer's (or this agent's) certificate against the clock: expired and not yet valid
     * certificates are {@code ERROR}s (refused, however trusted their fingerprint is, since a
     * pairing pins a key for the certificate's lifetime and no longer); one that expires within
     * {@link #EXPIRY_WARNING} is a {@code WARNING}.
     */
    static Problem validity(X509Certificate cert, Instant now) {
        Instant notBefore = cert.getNotBefore().toInstant();
        Instant notAfter = cert.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            return new Problem(Severity.ERROR, "its certificate expired on " + notAfter + "; re-create that agent's "
                    + "identity (stop it, move <home>/identity aside, start it) and pair its new fingerprint again "
                    + "('doppel peer trust')");
        }
        if (now.isBefore(notBefore)) {
            return new Problem(Severity.ERROR, "its certificate is not valid before " + notBefore + " (now is " + now
                    + "); check the clocks of both agents, or re-create that agent's identity and pair it again");
        }
        if (now.plus(EXPIRY_WARNING).isAfter(notAfter)) {
            return new Problem(Severity.WARNING, "its certificate expires on " + notAfter + "; re-create that agent's "
                    + "identity and pair its new fingerprint on its peers before then");
        }
        return null;
    }

    /** What is wrong with this agent's own certificate now, or {@code null} if nothing is. */
    public static Problem ownCertificateProblem(AgentHome home, Instant now) {
        try {
            java.security.cert.Certificate cert = home.keyStore().getCertificate(AgentHome.KEY_ALIAS);
            if (!(cert instanceof X509Certificate x509)) {
                return new Problem(Severity.ERROR, "this agent has no certificate in its identity");
            }
            Problem p = validity(x509, now);
            return p == null ? null : new Problem(p.severity(), "this agent's own certificate: "
                    + p.message().replace("that agent's", "this agent's").replaceFirst("^its certificate ", "")
                    + (p.severity() == Severity.WARNING ? "" : ". Its peers refuse this agent until that is done"));
        } catch (java.security.KeyStoreException e) {
            return new Problem(Severity.ERROR, "this agent's identity cannot be read: " + e.getMessage());
        }
    }

    private record Pinned(PeerStore peers, String expected, java.util.function.Consumer<String> onRefusal)
            implements X509TrustManager {

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, "source");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, "target");
        }

        private void check(X509Certificate[] chain, String role) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the " + role + " presented no certificate");
            }
            X509Certificate cert = chain[0];
            String fp = fingerprint(cert);
            String who = role + " " + fp + " (" + cert.getSubjectX500Principal().getName() + ")";
            if (expected != null && !expected.equals(fp)) {
                throw refuse(who + " refused: its fingerprint is not the expected " + expected
                        + "; if that agent's identity was re-created on purpose, pair the new fingerprint");
            }
            if (!peers.isTrusted(fp)) {
                throw refuse(who + " refused: not a trusted peer (a different key than any paired one, even if the "
                        + "name matches); pair it with 'doppel peer trust' if it is yours");
            }
            Problem validity = validity(cert, Instant.now());
            if (validity != null && validity.severity() != Severity.WARNING) {
                throw refuse(who + " refused: " + validity.message());
            }
        }

        private CertificateException refuse(String reason) {
            LOG.warn("Security: TLS {}", reason);
            onRefusal.accept("TLS handshake: " + reason);
            return new CertificateException(reason);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
