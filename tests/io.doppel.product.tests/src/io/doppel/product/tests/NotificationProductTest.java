package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.NetNs;

/**
 * A failover event reaches the admin's monitoring: the agent, configured through {@code doppel
 * settings}, sends it as an SNMP trap to Debian's real {@code snmptrapd} and as an e-mail through a
 * real SMTP server, both on the target's host. The event: a manual failover whose source host dies
 * raises the alert that waits for the admin.
 */
class NotificationProductTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path SNMPTRAPD = Path.of("/usr/sbin/snmptrapd");
    private static final int TRAP_PORT = 1162;
    private static final int SMTP_PORT = 2525;
    /** DOPPEL-MIB: doppelEventCode (its scalar instance) and the critical notification. */
    private static final String EVENT_CODE = ".1.3.6.1.4.1.58713.1.6.0";
    private static final String CRITICAL_TRAP = ".1.3.6.1.4.1.58713.0.4";

    @TempDir
    Path dir;

    @Test
    void aFailoverAlertArrivesAsATrapAndAnEmail() throws Exception {
        Failovers.requireHosts(Files.isExecutable(SNMPTRAPD) ? null : "snmptrapd is not installed");
        Path traps = Files.createDirectories(dir.resolve("traps"));
        Path mails = Files.createDirectories(dir.resolve("mails"));
        try (NetNs ns = NetNs.create("nt")) {
            List<Process> servers = new ArrayList<>();
            List<AgentProcess> agents = new ArrayList<>();
            try {
                // the monitoring station's receivers, on the target's host
                Path conf = traps.resolve("snmptrapd.conf");
                Files.writeString(conf, "authCommunity log doppel-test\n");
                ProcessBuilder trapd = new ProcessBuilder(Failovers.command(ns.in("b"), SNMPTRAPD.toString(), "-f",
                        "-C", "-c", conf.toString(), "-On", "-Lf", traps.resolve("traps.log").toString(),
                        "udp:127.0.0.1:" + TRAP_PORT)).redirectErrorStream(true)
                        .redirectOutput(traps.resolve("snmptrapd.out").toFile());
                trapd.environment().put("SNMP_PERSISTENT_DIR", traps.resolve("persist").toString());
                trapd.environment().put("MIBS", "");
                servers.add(trapd.start());
                servers.add(new ProcessBuilder(Failovers.command(ns.in("b"), "python3", "-W", "ignore", "-c",
                        SMTP_SERVER, Integer.toString(SMTP_PORT), mails.toString())).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("smtp.out").toFile()).start());
                awaitCondition(WAIT, () -> read(traps.resolve("traps.log")).contains("NET-SNMP version")
                        && Files.exists(mails.resolve("ready")), "snmptrapd and the SMTP server to listen");

                AgentProcess target = AgentProcess.start(ns.in("b"), Map.of(), dir.resolve("replica"), "--name",
                        "replica", "--listen", "127.0.0.1:7420");
                agents.add(target);
                Failovers fo = new Failovers(ns, WAIT);
                fo.ok("b", target, "settings", "set", "io.doppel.notify.snmp", "targets=127.0.0.1:" + TRAP_PORT,
                        "version=v2c", "community=doppel-test", "minSeverity=CRITICAL");
                fo.ok("b", target, "settings", "set", "io.doppel.notify.mail", "host=127.0.0.1", "port=" + SMTP_PORT,
                        "security=none", "from=doppel@replica.test", "recipients=admin@example.test",
                        "minSeverity=CRITICAL");

                // a manual failover of host a, which dies: the alert waits for the admin
                fo.ok("b", target, "failover", "create", "db", "--source", "primary", "--address", ns.address(1),
                        "--icmp", "--interval", "300", "--misses", "2", "--start");
                fo.awaitState(target, "db", "HEALTHY");
                ns.kill("a");
                fo.awaitState(target, "db", "FAILED");
                awaitCondition(WAIT, () -> fo.codes(target, "db").contains("failover.alert"),
                        "the failover to raise its alert");

                awaitCondition(WAIT, () -> read(traps.resolve("traps.log")).contains("\"failover.alert\""),
                        "the alert's trap to reach snmptrapd");
                String log = read(traps.resolve("traps.log"));
                assertTrue(log.contains(CRITICAL_TRAP) && log.contains(EVENT_CODE + " = STRING: \"failover.alert\""),
                        log);
                awaitCondition(WAIT, () -> mail(mails, "failover.alert") != null, "the alert's e-mail to arrive");
                String mail = mail(mails, "failover.alert");
                assertTrue(mail.contains("X-Rcpt: admin@example.test") && mail.contains("From: doppel@replica.test")
                        && subject(mail).startsWith("[Doppel] CRITICAL replica job db: failover.alert - "), mail);
                assertTrue(mail.contains("doppel failover now db"), "the mail says what to do: " + mail);

                // below the minimum severity nothing is sent: the INFO event of the creation is neither
                assertTrue(!log.contains("\"failover.created\"") && mail(mails, "failover.created") == null, log);
            } finally {
                for (AgentProcess a : agents) {
                    a.close();
                }
                for (Process p : servers) {
                    p.destroy();
                    if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor();
                    }
                }
            }
        }
    }

    /** A mail's subject, unfolded, its RFC 2047 Q-encoded words (UTF-8) decoded. */
    private static String subject(String mail) {
        java.util.regex.Matcher header = java.util.regex.Pattern.compile("(?m)^Subject: (.*(?:\\r?\\n[ \\t].*)*)")
                .matcher(mail);
        if (!header.find()) {
            return "";
        }
        String folded = header.group(1).replaceAll("\\?=\\r?\\n[ \\t]+=\\?", "?==?").replaceAll("\\r?\\n[ \\t]+", " ");
        java.util.regex.Matcher word = java.util.regex.Pattern.compile("=\\?UTF-8\\?Q\\?([^?]*)\\?=",
                java.util.regex.Pattern.CASE_INSENSITIVE).matcher(folded);
        StringBuilder out = new StringBuilder();
        while (word.find()) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            String q = word.group(1);
            for (int i = 0; i < q.length(); i++) {
                char c = q.charAt(i);
                if (c == '_') {
                    bytes.write(' ');
                } else if (c == '=' && i + 2 < q.length()) {
                    bytes.write(Integer.parseInt(q.substring(i + 1, i + 3), 16));
                    i += 2;
                } else {
                    bytes.write(c);
                }
            }
            word.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(bytes.toString(
                    java.nio.charset.StandardCharsets.UTF_8)));
        }
        word.appendTail(out);
        return out.toString();
    }

    /** The first mail received that mentions {@code text}, or null. */
    private static String mail(Path dir, String text) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".eml")).sorted().toList()) {
                String m = read(f);
                if (m.contains(text)) {
                    return m;
                }
            }
            return null;
        } catch (IOException e) {
            throw new AssertionError("cannot list " + dir + ": " + e, e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** A real SMTP server (Python's smtpd): each message into DIR as mail-N.eml, with its recipients. */
    private static final String SMTP_SERVER = """
            import asyncore, os, smtpd, sys
            class Server(smtpd.SMTPServer):
                count = 0
                def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
                    Server.count += 1
                    path = os.path.join(sys.argv[2], "mail-%04d.eml" % Server.count)
                    with open(path + ".part", "wb") as f:
                        f.write(("X-Rcpt: " + ",".join(rcpttos) + "\\n").encode() + data)
                    os.rename(path + ".part", path)
            Server(("127.0.0.1", int(sys.argv[1])), None, decode_data=False)
            open(os.path.join(sys.argv[2], "ready"), "w").close()
            asyncore.loop()
            """;
}
