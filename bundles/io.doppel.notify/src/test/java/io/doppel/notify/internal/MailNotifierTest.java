package io.doppel.notify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.component.ComponentException;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;

import io.doppel.api.event.Event;
import io.doppel.api.event.Severity;

/** MailNotifier against GreenMail, a real SMTP server on a loopback port. */
class MailNotifierTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final MemoryEventLog log = new MemoryEventLog("db1");
    private GreenMail smtp;
    private MailNotifier notifier;

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.deactivate();
        }
        if (smtp != null) {
            smtp.stop();
        }
    }

    private int startSmtp(int port) {
        smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.setUser("doppel@example.org", "doppel", "s3cret-pass");
        smtp.start();
        return smtp.getSmtp().getPort();
    }

    private static Map<String, Object> settings(int port, Object... more) {
        Map<String, Object> m = new TreeMap<>(Map.of("host", "127.0.0.1", "port", port, "security", "none",
                "user", "doppel", "password", "s3cret-pass", "from", "doppel@example.org",
                "recipients", "ops@example.org", "minSeverity", "WARNING"));
        for (int i = 0; i < more.length; i += 2) {
            m.put((String) more[i], more[i + 1]);
        }
        return m;
    }

    @Test
    void eventsAreMailedToTheServerAndJobRecipientsFromTheMinimumSeverity() throws Exception {
        int port = startSmtp(freePort());
        notifier = new MailNotifier(log, Configs.of(MailConfig.class, settings(port,
                "jobRecipients", "web=web-team@example.org, dba@example.org; db=db-team@example.org",
                "subjectPrefix", "[Doppel test]")));
        log.post(Severity.INFO, "web", "mirror.done", "below the minimum severity");
        Event web = log.post(Severity.WARNING, "web", "rpo.exceeded", "web is 12 s behind its RPO of 10 s");
        Event db = log.post(Severity.ERROR, "db", "mirror.failed", "db: the target's disk is full");
        Event agent = log.post(Severity.CRITICAL, null, "security.refused", "an unknown peer was refused");

        // one copy per recipient: 3 + 2 + 1
        Await.until(WAIT, "6 mail copies", () -> smtp.getReceivedMessages().length >= 6, this::subjects);
        Map<String, MimeMessage> bySubject = new TreeMap<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            bySubject.put(m.getSubject(), m);
        }
        assertEquals(3, bySubject.size(), subjects());

        MimeMessage webMail = bySubject.get("[Doppel test] WARNING db1 job web: rpo.exceeded - " + web.message());
        assertEquals(List.of("dba@example.org", "ops@example.org", "web-team@example.org"), to(webMail), subjects());
        String body = GreenMailUtil.getBody(webMail);
        assertTrue(body.startsWith(web.message()), body);
        assertTrue(body.contains("Event:    #" + web.id()), body);
        assertTrue(body.contains("Job:      web"), body);
        assertEquals("doppel@example.org", webMail.getFrom()[0].toString());

        MimeMessage dbMail = bySubject.get("[Doppel test] ERROR db1 job db: mirror.failed - " + db.message());
        assertEquals(List.of("db-team@example.org", "ops@example.org"), to(dbMail), subjects());
        MimeMessage agentMail = bySubject.get("[Doppel test] CRITICAL db1: security.refused - " + agent.message());
        assertEquals(List.of("ops@example.org"), to(agentMail), subjects());
        assertTrue(GreenMailUtil.getBody(agentMail).contains("- (the agent itself)"));
        assertFalse(subjects().contains("below the minimum severity"), subjects());
    }

    @Test
    void beyondTheRateLimitEventsAreSummarisedInTheNextMailNotDropped() throws Exception {
        int port = startSmtp(freePort());
        MailSettings settings = MailSettings.of(Configs.of(MailConfig.class, settings(port)))
                .withRateLimit(2, Duration.ofSeconds(3));
        notifier = new MailNotifier(log, settings, Duration.ofMillis(100), Duration.ofSeconds(1));
        Event[] events = new Event[5];
        for (int i = 0; i < events.length; i++) {
            events[i] = log.post(Severity.ERROR, "web", "mirror.failed", "failure number " + (i + 1));
        }
        Await.until(WAIT, "3 mails", () -> smtp.getReceivedMessages().length >= 3, this::subjects);
        MimeMessage[] mails = smtp.getReceivedMessages();
        assertTrue(mails[0].getSubject().endsWith("failure number 1"), subjects());
        assertTrue(mails[1].getSubject().endsWith("failure number 2"), subjects());
        assertEquals("[Doppel] ERROR db1 job web: mirror.failed - failure number 3 (+2 more events)",
                mails[2].getSubject());
        String body = GreenMailUtil.getBody(mails[2]);
        assertTrue(body.startsWith("failure number 3"), body);
        assertTrue(body.contains("2 more events"), body);
        assertTrue(body.contains("#" + events[3].id() + "  ERROR  web  mirror.failed  failure number 4"), body);
        assertTrue(body.contains("#" + events[4].id() + "  ERROR  web  mirror.failed  failure number 5"), body);
        // once the held events went out, a new event gets its own mail again
        Event sixth = log.post(Severity.ERROR, "web", "mirror.failed", "failure number 6");
        Await.until(WAIT, "the 4th mail", () -> smtp.getReceivedMessages().length >= 4, this::subjects);
        assertTrue(smtp.getReceivedMessages()[3].getSubject().endsWith(sixth.message()), subjects());
    }

    @Test
    void aServerThatIsDownIsReportedOnceAndTheEventsFollowWhenItIsBack() throws Exception {
        int port = freePort();
        MailSettings settings = MailSettings.of(Configs.of(MailConfig.class, settings(port)));
        notifier = new MailNotifier(log, settings, Duration.ofMillis(50), Duration.ofMillis(400));
        Event first = log.post(Severity.CRITICAL, "web", "job.state", "ERROR: the journal is damaged");
        Await.until(WAIT, "the failure is posted", () -> !log.withCode("notify.mail.failed").isEmpty(),
                () -> log.withCode("notify.mail.failed").toString());
        Event second = log.post(Severity.ERROR, "web", "verify.failed", "the image is unreadable");
        // several attempts fail meanwhile (backoff up to 400 ms); it is still reported once
        startSmtp(port);
        Await.until(WAIT, "the mail after the server is back", () -> smtp.getReceivedMessages().length >= 1,
                this::subjects);
        Await.until(WAIT, "the recovery is posted", () -> !log.withCode("notify.mail.recovered").isEmpty(),
                () -> log.withCode("notify.mail.recovered").toString());
        List<Event> failed = log.withCode("notify.mail.failed");
        assertEquals(1, failed.size(), failed.toString());
        assertTrue(failed.getFirst().message().contains("127.0.0.1:" + port), failed.getFirst().message());
        MimeMessage mail = smtp.getReceivedMessages()[0];
        assertEquals("[Doppel] CRITICAL db1 job web: job.state - " + first.message() + " (+1 more event)",
                mail.getSubject());
        assertTrue(GreenMailUtil.getBody(mail).contains(second.message()));
        assertFalse(subjects().contains("could not be sent"), "its own failure is not mailed: " + subjects());
    }

    @Test
    void wrongSettingsAreRefusedNamingTheSetting() {
        assertRefused("io.doppel.notify.mail: from: ", Map.of("host", "smtp", "recipients", "a@example.org"));
        assertRefused("io.doppel.notify.mail: recipients: ", Map.of("host", "smtp", "from", "d@example.org"));
        assertRefused("io.doppel.notify.mail: jobRecipients: ", Map.of("host", "smtp", "from", "d@example.org",
                "jobRecipients", "web"));
        assertRefused("io.doppel.notify.mail: recipients: ", Map.of("host", "smtp", "from", "d@example.org",
                "recipients", "not an address"));
        assertRefused("io.doppel.notify.mail: security: ", Map.of("host", "smtp", "from", "d@example.org",
                "recipients", "a@example.org", "security", "ssl3"));
        assertRefused("io.doppel.notify.mail: rateLimitMails: ", Map.of("host", "smtp", "from", "d@example.org",
                "recipients", "a@example.org", "rateLimitMails", 0));
        assertEquals(6, log.withCode("notify.mail.config").size());
    }

    @Test
    void jobRecipientsReadTheSameAsOneEntryListOrAsListElementsSplitAtCommas() {
        Map<String, List<String>> expected = Map.of("web", List.of("web-team@example.org", "dba@example.org"),
                "db", List.of("db-team@example.org"));
        for (Object value : List.of("web=web-team@example.org,dba@example.org; db=db-team@example.org",
                new String[] { "web=web-team@example.org", "dba@example.org;db=db-team@example.org" },
                new String[] { "web=web-team@example.org", "dba@example.org", "db=db-team@example.org" })) {
            MailSettings s = MailSettings.of(Configs.of(MailConfig.class, Map.of("host", "smtp",
                    "from", "d@example.org", "jobRecipients", value)));
            assertEquals(expected, s.jobRecipients());
        }
    }

    private void assertRefused(String prefix, Map<String, Object> config) {
        ComponentException e = assertThrows(ComponentException.class,
                () -> new MailNotifier(log, Configs.of(MailConfig.class, config)));
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }

    private static List<String> to(MimeMessage m) throws MessagingException {
        assertTrue(m != null, "no such mail");
        return Arrays.stream(m.getRecipients(Message.RecipientType.TO)).map(Object::toString)
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new)).stream().toList();
    }

    private String subjects() {
        return Arrays.stream(smtp == null ? new MimeMessage[0] : smtp.getReceivedMessages()).map(m -> {
            try {
                return m.getSubject();
            } catch (MessagingException e) {
                return e.toString();
            }
        }).toList().toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
