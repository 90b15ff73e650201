package io.doppel.agent.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import io.doppel.agent.AgentHome;
import io.doppel.api.agent.AgentIdentity;

/**
 * The agent's persistent identity: a name, an EC P-256 key pair and a self-signed certificate,
 * created once at first start and loaded on every later start. Peers pin the certificate's SHA-256
 * fingerprint when they pair.
 */
public final class IdentityStore {

    static final String NAME_FILE = "agent.name";
    static final String KEYSTORE_FILE = "agent.p12";
    static final String PASSWORD_FILE = "keystore.pass";
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private final AgentIdentity identity;
    private final KeyStore keyStore;
    private final char[] password;

    private IdentityStore(AgentIdentity identity, KeyStore keyStore, char[] password) {
        this.identity = identity;
        this.keyStore = keyStore;
        this.password = password;
    }

    /**
     * Loads the identity in {@code dir}, creating it first if there is none.
     *
     * @param wantedName the name to give a new identity (ignored if one exists)
     */
    public static IdentityStore loadOrCreate(Path dir, String wantedName) throws IOException {
        SecureFiles.directory(dir);
        Path keystoreFile = dir.resolve(KEYSTORE_FILE);
        try {
            if (Files.exists(keystoreFile)) {
                return load(dir);
            }
            return create(dir, wantedName);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("the agent identity in " + dir + " cannot be read or created: " + e.getMessage()
                    + " (move the directory aside to create a new identity; peers must then pair again)", e);
        }
    }

    private static IdentityStore load(Path dir) throws IOException, GeneralSecurityException {
        String name = Files.readString(dir.resolve(NAME_FILE), StandardCharsets.UTF_8).strip();
        char[] password = Files.readString(dir.resolve(PASSWORD_FILE), StandardCharsets.US_ASCII).strip().toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(KEYSTORE_FILE))) {
            ks.load(in, password);
        }
        Certificate cert = ks.getCertificate(AgentHome.KEY_ALIAS);
        if (cert == null || ks.getKey(AgentHome.KEY_ALIAS, password) == null) {
            throw new GeneralSecurityException("no key entry '" + AgentHome.KEY_ALIAS + "' in " + KEYSTORE_FILE);
        }
        return new IdentityStore(new AgentIdentity(name, fingerprint(cert)), ks, password);
    }

    private static IdentityStore create(Path dir, String name)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        SecureRandom random = new SecureRandom();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        KeyPair pair = generator.generateKeyPair();

        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Doppel")
                .addRDN(BCStyle.CN, name).build();
        Instant now = Instant.now();
        X509CertificateHolder holder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, random),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)), subject, pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);

        byte[] secret = new byte[24];
        random.nextBytes(secret);
        char[] password = HexFormat.of().formatHex(secret).toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(AgentHome.KEY_ALIAS, pair.getPrivate(), password, new Certificate[] {cert});
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ks.store(bytes, password);

        // Password and name first, key store last: a crash in between leaves no key store, so the
        // next start creates the identity again instead of failing on a half-written one.
        SecureFiles.writeAtomically(dir.resolve(PASSWORD_FILE), new String(password).getBytes(StandardCharsets.US_ASCII),
                true);
        SecureFiles.writeAtomically(dir.resolve(NAME_FILE), (name + "\n").getBytes(StandardCharsets.UTF_8), false);
        SecureFiles.writeAtomically(dir.resolve(KEYSTORE_FILE), bytes.toByteArray(), true);
        return new IdentityStore(new AgentIdentity(name, fingerprint(cert)), ks, password);
    }

    /** SHA-256 of the DER certificate as upper-case hex pairs separated by colons. */
    public static String fingerprint(Certificate cert) throws GeneralSecurityException {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    }

    public AgentIdentity identity() {
        return identity;
    }

    public KeyStore keyStore() {
        return keyStore;
    }

    public char[] password() {
        return password.clone();
    }
}
