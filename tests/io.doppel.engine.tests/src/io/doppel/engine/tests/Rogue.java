package io.doppel.engine.tests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A peer with an identity made for the test, built the way agents build theirs (EC P-256,
 * self-signed, O=Doppel, CN=name) but with the validity and key the test wants. It connects to a
 * replication endpoint as a source would, over TLS 1.3 with its certificate.
 */
final class Rogue {

    private static final char[] PASSWORD = "rogue".toCharArray();

    final X509Certificate certificate;
    final String fingerprint;
    private final SSLContext context;

    private Rogue(X509Certificate certificate, SSLContext context) throws Exception {
        this.certificate = certificate;
        this.context = context;
        this.fingerprint = HexFormat.ofDelimiter(":").withUpperCase()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    }

    static Rogue create(String name, Instant notBefore, Instant notAfter) throws Exception {
        SecureRandom random = new SecureRandom();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        KeyPair pair = generator.generateKeyPair();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Doppel").addRDN(BCStyle.CN, name)
                .build();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(subject,
                new BigInteger(64, random), Date.from(notBefore), Date.from(notAfter), subject, pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("agent", pair.getPrivate(), PASSWORD, new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        // the rogue does not care whom it reaches: only the target's decision is under test
        context.init(kmf.getKeyManagers(), new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, random);
        return new Rogue(cert, context);
    }

    /** A connection with the TLS handshake done (from this side), nothing said yet. */
    SSLSocket connect(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1)));
        tls.setSoTimeout(20_000);
        tls.startHandshake();
        return tls;
    }

    /**
     * A connection past TLS and hello: returns once the target's {@code Resume} has arrived, so the
     * target has accepted this peer for {@code image}.
     */
    SSLSocket helloed(String hostPort, byte[] hello) throws IOException {
        SSLSocket tls = connect(hostPort);
        OutputStream out = tls.getOutputStream();
        out.write(hello);
        out.flush();
        InputStream in = tls.getInputStream();
        tls.setSoTimeout(50);
        byte[] resume = new byte[13];
        int got = 0;
        for (int polls = 0; got < resume.length && polls < 400; polls++) {
            try {
                int n = in.read(resume, got, resume.length - got);
                if (n < 0) {
                    throw new IOException("the target closed the connection instead of answering the hello");
                }
                got += n;
            } catch (java.net.SocketTimeoutException e) {
                out.write(heartbeat());
                out.flush();
            }
        }
        if (got < resume.length || resume[4] != 2) {
            throw new IOException("no Resume from the target (" + got + " bytes, type " + resume[4] + ")");
        }
        tls.setSoTimeout(20_000);
        return tls;
    }

    private static byte[] heartbeat() {
        return java.nio.ByteBuffer.allocate(13).putInt(9).put((byte) 5).putLong(System.currentTimeMillis()).array();
    }

    /** A hello frame as a source sends it (docs/PROTOCOL.md). */
    static byte[] hello(String job, String image) {
        byte[] j = job.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] i = image.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int body = 2 + 2 + j.length + 2 + i.length + 1;
        return java.nio.ByteBuffer.allocate(5 + body).putInt(body + 1).put((byte) 1)
                .putShort((short) io.doppel.engine.internal.transport.Frame.PROTOCOL).putShort((short) j.length).put(j)
                .putShort((short) i.length).put(i).put((byte) 0).array();
    }

    /**
     * Connects, says hello for {@code image} and reads the answer: the bytes the target sent (a
     * {@code Resume} frame would start with length 9 and type 2), or how the connection ended.
     */
    String attempt(String hostPort, byte[] hello) {
        int colon = hostPort.lastIndexOf(':');
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                    10_000);
            plain.setSoTimeout(20_000);
            try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, hostPort.substring(0, colon),
                    plain.getPort(), true)) {
                tls.setUseClientMode(true);
                tls.startHandshake();
                OutputStream out = tls.getOutputStream();
                out.write(hello);
                out.flush();
                InputStream in = tls.getInputStream();
                // like a real source, heartbeats while the answer is awaited: a frame that arrives with the
                // end of the handshake can wait in the target's TLS filter until the next bytes (PROTOCOL.md)
                tls.setSoTimeout(50);
                byte[] header = new byte[5];
                int got = 0;
                for (int polls = 0; got < 5 && polls < 400; polls++) {
                    try {
                        int n = in.read(header, got, 5 - got);
                        if (n < 0) {
                            return "closed";
                        }
                        got += n;
                    } catch (java.net.SocketTimeoutException e) {
                        out.write(heartbeat());
                        out.flush();
                    }
                }
                return got < 5 ? "no answer" : "answered type " + header[4];
            }
        } catch (javax.net.ssl.SSLException e) {
            return "refused at TLS: " + e.getMessage();
        } catch (IOException e) {
            return "broken: " + e;
        }
    }
}
