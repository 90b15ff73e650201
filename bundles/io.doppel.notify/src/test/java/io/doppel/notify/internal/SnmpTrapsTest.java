package io.doppel.notify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.component.ComponentException;

import io.doppel.api.event.Event;
import io.doppel.api.event.Severity;

/** SnmpTraps against Debian's real snmptrapd: v2c and v3 (SHA and SHA-256 with AES-128) traps arrive whole. */
class SnmpTrapsTest {

    private static final String COMMUNITY = "doppel-test-c0mmunity";
    private static final String ENGINE_ID = "8000c53f01646f7070656c2d74657374"; // enterprise format, "doppel-test"
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private SnmpTrapReceiver receiver;
    private SnmpTraps traps;
    private final MemoryEventLog log = new MemoryEventLog("db1");

    @BeforeEach
    void startReceiver() throws Exception {
        assumeTrue(Files.isExecutable(SnmpTrapReceiver.SNMPTRAPD),
                "needs Debian's snmptrapd (apt-get install snmptrapd; .ci/run installs it)");
        receiver = new SnmpTrapReceiver(dir.resolve("trapd"), COMMUNITY, ENGINE_ID, List.of(
                new SnmpTrapReceiver.User("doppel-sha", "SHA", "auth-pass-1", "priv-pass-1"),
                new SnmpTrapReceiver.User("doppel-sha256", "SHA-256", "auth-pass-2", "priv-pass-2")));
    }

    @AfterEach
    void stop() throws Exception {
        if (traps != null) {
            traps.deactivate();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void v2cTrapCarriesTheSeverityNotificationAndEveryVariable() throws Exception {
        log.post(Severity.CRITICAL, "web", "job.state", "posted before activation: never sent");
        traps = new SnmpTraps(log, Configs.of(SnmpConfig.class, Map.of("targets", "127.0.0.1:" + receiver.port,
                "community", COMMUNITY, "minSeverity", "warning")));
        log.post(Severity.INFO, "web", "mirror.progress", "below the minimum severity");
        Event e = log.post(Severity.CRITICAL, "web", "security.refused", "v2c: a revoked peer knocked");

        String trap = awaitTrap(e);
        assertTrue(trap.contains(".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.58713.0.4"), trap);
        assertTrue(trap.contains(".1.3.6.1.4.1.58713.1.1.0 = Counter64: " + e.id()), trap);
        assertTrue(trap.contains(".1.3.6.1.4.1.58713.1.3.0 = INTEGER: 4"), trap);
        assertTrue(trap.contains(".1.3.6.1.4.1.58713.1.4.0 = STRING: \"db1\""), trap);
        assertTrue(trap.contains(".1.3.6.1.4.1.58713.1.5.0 = STRING: \"web\""), trap);
        assertTrue(trap.contains(".1.3.6.1.4.1.58713.1.6.0 = STRING: \"security.refused\""), trap);
        assertTrue(Pattern.compile("\\.1\\.3\\.6\\.1\\.4\\.1\\.58713\\.1\\.2\\.0 = (Hex-)?STRING: [0-9A-F ]+")
                .matcher(trap).find(), trap);
        String all = receiver.log();
        assertFalse(all.contains("below the minimum severity"), all);
        assertFalse(all.contains("before activation"), all);
    }

    @Test
    void v3TrapsWithShaAndSha256AreAuthenticatedAndDecryptedByTheReceiver() throws Exception {
        for (String[] user : new String[][] { { "doppel-sha", "SHA", "auth-pass-1", "priv-pass-1" },
                { "doppel-sha256", "SHA-256", "auth-pass-2", "priv-pass-2" } }) {
            traps = new SnmpTraps(log, Configs.of(SnmpConfig.class, Map.of("targets", "127.0.0.1:" + receiver.port,
                    "version", "v3", "user", user[0], "authProtocol", user[1], "authPassword", user[2],
                    "privProtocol", "AES-128", "privPassword", user[3], "engineId", "0x" + ENGINE_ID,
                    "minSeverity", "ERROR")));
            assertEquals(ENGINE_ID, traps.engineIdHex());
            Event e = log.post(Severity.ERROR, null, "verify.failed", "v3 " + user[1] + ": the image is unreadable");
            String trap = awaitTrap(e);
            assertTrue(trap.contains(".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.58713.0.3"), trap);
            assertTrue(trap.contains(".1.3.6.1.4.1.58713.1.5.0 = \"\""), trap); // the agent's own event: no job
            traps.deactivate();
            traps = null;
        }
    }

    @Test
    void aTrapWithAWrongCommunityIsNotLoggedButTheRightOneIs() throws Exception {
        SnmpTraps wrong = new SnmpTraps(log, Configs.of(SnmpConfig.class, Map.of("targets",
                "127.0.0.1:" + receiver.port, "community", "not-" + COMMUNITY)));
        Event refused = log.post(Severity.ERROR, "web", "mirror.failed", "sent with the wrong community");
        wrong.deactivate();
        traps = new SnmpTraps(log, Configs.of(SnmpConfig.class, Map.of("targets", "127.0.0.1:" + receiver.port,
                "community", COMMUNITY)));
        Event accepted = log.post(Severity.ERROR, "web", "mirror.failed", "sent with the right community");
        awaitTrap(accepted);
        assertFalse(receiver.log().contains(refused.message()), receiver.log());
    }

    @Test
    void aTargetThatCannotBeResolvedIsReportedOnceAndDoesNotHoldBackTheOther() throws Exception {
        traps = new SnmpTraps(log, SnmpSettings.of(Configs.of(SnmpConfig.class, Map.of("targets",
                "no-such-host.invalid:162, 127.0.0.1:" + receiver.port, "community", COMMUNITY))),
                Duration.ofMinutes(1), Duration.ofMinutes(5)); // the unknown one is not tried again during the test
        Event first = log.post(Severity.WARNING, "web", "rpo.exceeded", "first while one receiver is unknown");
        awaitTrap(first);
        Await.until(WAIT, "the failure is posted", () -> !log.withCode("notify.snmp.failed").isEmpty(),
                () -> log.withCode("notify.snmp.failed").toString());
        Event second = log.post(Severity.WARNING, "web", "rpo.exceeded", "second while one receiver is unknown");
        awaitTrap(second);
        List<Event> failed = log.withCode("notify.snmp.failed");
        assertEquals(1, failed.size(), failed.toString());
        assertEquals(Severity.ERROR, failed.getFirst().severity());
        assertTrue(failed.getFirst().message().contains("no-such-host.invalid:162"), failed.getFirst().message());
        // the failure event is not trapped by the component that failed (no loop)
        assertFalse(receiver.log().contains("could not be sent"), receiver.log());
    }

    @Test
    void wrongSettingsAreRefusedNamingTheSetting() {
        ComponentException e = assertThrows(ComponentException.class, () -> new SnmpTraps(log,
                Configs.of(SnmpConfig.class, Map.of("targets", "nms:99999"))));
        assertTrue(e.getMessage().startsWith("io.doppel.notify.snmp: targets: "), e.getMessage());
        e = assertThrows(ComponentException.class, () -> new SnmpTraps(log, Configs.of(SnmpConfig.class,
                Map.of("targets", "nms", "version", "v3", "user", "u", "authPassword", "short", "privPassword",
                        "long-enough"))));
        assertTrue(e.getMessage().startsWith("io.doppel.notify.snmp: authPassword: "), e.getMessage());
        e = assertThrows(ComponentException.class, () -> new SnmpTraps(log, Configs.of(SnmpConfig.class,
                Map.of("targets", "nms", "version", "v1"))));
        assertTrue(e.getMessage().startsWith("io.doppel.notify.snmp: version: "), e.getMessage());
        assertEquals(3, log.withCode("notify.snmp.config").size());
    }

    /** The receiver's log entry of the trap of {@code e}, found by its message. */
    private String awaitTrap(Event e) throws InterruptedException {
        String needle = ".1.3.6.1.4.1.58713.1.7.0 = STRING: \"" + e.message() + "\"";
        Await.until(WAIT, "snmptrapd logs the trap of event " + e.id(), () -> receiver.log().contains(needle),
                receiver::log);
        String all = receiver.log();
        int at = all.indexOf(needle);
        int start = all.lastIndexOf(".1.3.6.1.6.3.1.1.4.1.0 = OID:", at);
        return all.substring(Math.max(0, start - 200), at + needle.length());
    }
}
