package io.doppel.engine.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.FrameworkUtil;

import io.doppel.api.event.Event;
import io.doppel.api.event.EventQuery;
import io.doppel.api.event.Severity;
import io.doppel.engine.internal.peers.PeerStore;
import io.doppel.engine.internal.transport.Frame;
import io.doppel.engine.internal.transport.Tls;
import io.doppel.testing.Services;

/**
 * Peers with the wrong certificate reach the real replication endpoint over TLS: an expired one whose
 * fingerprint is trusted, one not valid yet (trusted too), and one with this agent's own name but
 * another key. Each is refused at the TLS handshake, nothing is opened or applied for it, and the
 * refusal is a {@code security.refused} event that says what happened and what to do.
 */
class CertificateRefusalTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static SelfPair pair;
    private static PeerStore peers;

    @BeforeAll
    static void start() throws Exception {
        pair = SelfPair.open(CertificateRefusalTest.class, "certificates");
        peers = Services.await(FrameworkUtil.getBundle(CertificateRefusalTest.class).getBundleContext(),
                PeerStore.class, WAIT);
    }

    private static byte[] hello(String image) {
        return Rogue.hello("job", image);
    }

    /** The refusal event naming the fingerprint, waited for; fails if none comes. */
    private static Event refusalOf(String fingerprint) {
        Event[] found = {null};
        awaitCondition(WAIT, () -> {
            try {
                List<Event> events = pair.events.query(new EventQuery(0, 0, Severity.WARNING, null, 10_000),
                        Duration.ZERO);
                for (Event e : events) {
                    if (e.code().equals("security.refused") && e.message().contains(fingerprint)) {
                        found[0] = e;
                        return true;
                    }
                }
                return false;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }, "a security.refused event naming " + fingerprint);
        return found[0];
    }

    private static void assertNothingOpenedFor(String peerName, String image) {
        assertFalse(Files.exists(pair.home.root().resolve("images").resolve(peerName).resolve(image)),
                "an image was opened for " + peerName);
        assertFalse(Files.exists(pair.image(image)), "an image was opened under the agent's own name");
    }

    @Test
    void anExpiredCertificateIsRefusedEvenThoughItsFingerprintIsTrusted() throws Exception {
        Instant now = Instant.now();
        Rogue expired = Rogue.create("expired-peer", now.minus(400, ChronoUnit.DAYS), now.minus(2, ChronoUnit.DAYS));
        peers.trust("expired-peer", expired.fingerprint);
        try {
            String outcome = expired.attempt(pair.target, hello("expired-image"));
            assertTrue(!outcome.startsWith("answered"), "the target answered an expired peer: " + outcome);
            Event e = refusalOf(expired.fingerprint);
            assertTrue(e.severity() == Severity.ERROR, e.toString());
            assertTrue(e.message().contains("expired on " + expired.certificate.getNotAfter().toInstant()),
                    "says when it expired: " + e.message());
            assertTrue(e.message().contains("re-create") && e.message().contains("pair"), "says what to do: "
                    + e.message());
            assertNothingOpenedFor("expired-peer", "expired-image");
        } finally {
            peers.revoke("expired-peer");
        }
    }

    @Test
    void aCertificateNotYetValidIsRefused() throws Exception {
        Instant now = Instant.now();
        Rogue future = Rogue.create("future-peer", now.plus(3, ChronoUnit.DAYS), now.plus(400, ChronoUnit.DAYS));
        peers.trust("future-peer", future.fingerprint);
        try {
            String outcome = future.attempt(pair.target, hello("future-image"));
            assertTrue(!outcome.startsWith("answered"), "the target answered a peer not valid yet: " + outcome);
            Event e = refusalOf(future.fingerprint);
            assertTrue(e.message().contains("not valid before") && e.message().contains("clocks"), e.message());
            assertNothingOpenedFor("future-peer", "future-image");
        } finally {
            peers.revoke("future-peer");
        }
    }

    @Test
    void theRightNameWithAnotherKeyIsRefused() throws Exception {
        Instant now = Instant.now();
        // the agent trusts itself ("self"): an impostor copies its name, not its key
        Rogue impostor = Rogue.create(pair.home.identity().name(), now.minus(1, ChronoUnit.DAYS),
                now.plus(3650, ChronoUnit.DAYS));
        assertFalse(impostor.fingerprint.equals(pair.home.identity().fingerprint()));
        String outcome = impostor.attempt(pair.target, hello("impostor-image"));
        assertTrue(!outcome.startsWith("answered"), "the target answered an impostor: " + outcome);
        Event e = refusalOf(impostor.fingerprint);
        assertTrue(e.message().contains("not a trusted peer") && e.message().contains(pair.home.identity().name()),
                e.message());
        assertNothingOpenedFor("self", "impostor-image");
        assertFalse(Files.exists(pair.home.root().resolve("images").resolve("unknown peer " + impostor.fingerprint)));
    }

    @Test
    void theAgentSaysWhenItsOwnCertificateIsAboutToExpireOrHasExpired() throws Exception {
        java.security.cert.X509Certificate own = (java.security.cert.X509Certificate) pair.home.keyStore()
                .getCertificate(io.doppel.agent.AgentHome.KEY_ALIAS);
        Instant notAfter = own.getNotAfter().toInstant();
        assertTrue(Tls.ownCertificateProblem(pair.home, Instant.now()) == null, "a fresh identity is fine");
        Tls.Problem soon = Tls.ownCertificateProblem(pair.home, notAfter.minus(10, ChronoUnit.DAYS));
        assertTrue(soon != null && soon.severity() == Severity.WARNING && soon.message().contains("expires on "
                + notAfter), String.valueOf(soon));
        Tls.Problem expired = Tls.ownCertificateProblem(pair.home, notAfter.plus(1, ChronoUnit.DAYS));
        assertTrue(expired != null && expired.severity() == Severity.ERROR && expired.message().contains("expired on "
                + notAfter) && expired.message().contains("refuse"), String.valueOf(expired));
    }

    @Test
    void aTrustedPeerWithAValidCertificateIsAnswered() throws Exception {
        // the control: the same client code gets a Resume when nothing is wrong with its certificate
        Instant now = Instant.now();
        Rogue good = Rogue.create("good-peer", now.minus(1, ChronoUnit.DAYS), now.plus(365, ChronoUnit.DAYS));
        peers.trust("good-peer", good.fingerprint);
        try {
            String outcome = good.attempt(pair.target, hello("good-image"));
            assertTrue(outcome.equals("answered type 2"), "a valid trusted peer gets its Resume: " + outcome);
            awaitCondition(WAIT, () -> Files.isDirectory(pair.home.root().resolve("images/good-peer/good-image")),
                    "the good peer's image to exist");
        } finally {
            peers.revoke("good-peer");
        }
    }
}
