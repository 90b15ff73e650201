package io.doppel.engine.internal.transport;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.agent.AgentHome;
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
            try {
                cert.checkValidity();
            } catch (CertificateException e) {
                throw refuse(role + " " + fp + " refused: its certificate is not valid now (" + e.getMessage() + ")");
            }
            if (expected != null && !expected.equals(fp)) {
                throw refuse(role + " refused: its fingerprint " + fp + " is not the expected " + expected);
            }
            if (!peers.isTrusted(fp)) {
                throw refuse(role + " " + fp + " (" + cert.getSubjectX500Principal().getName()
                        + ") refused: not a trusted peer; pair it with 'doppel peer trust'");
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
