package io.doppel.notify.internal;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's real {@code snmptrapd}, in the foreground on a loopback UDP port, with a private
 * configuration (nothing of the system's is read) and its log in a file.
 */
final class SnmpTrapReceiver implements AutoCloseable {

    static final Path SNMPTRAPD = Path.of("/usr/sbin/snmptrapd");

    /** An SNMP v3 user the receiver knows, for the engine ID of the traps' sender. */
    record User(String name, String auth, String authPassword, String privPassword) {
    }

    private final Process process;
    private final Path log;
    final int port;

    SnmpTrapReceiver(Path dir, String community, String engineIdHex, List<User> users)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        log = dir.resolve("snmptrapd.log");
        Path conf = dir.resolve("snmptrapd.conf");
        List<String> lines = new ArrayList<>();
        lines.add("authCommunity log " + community);
        for (User u : users) {
            lines.add("createUser -e 0x" + engineIdHex + " " + u.name() + " " + u.auth() + " " + u.authPassword()
                    + " AES " + u.privPassword());
            lines.add("authUser log " + u.name() + " priv");
        }
        Files.write(conf, lines);
        port = freeUdpPort();
        ProcessBuilder pb = new ProcessBuilder(SNMPTRAPD.toString(), "-f", "-C", "-c", conf.toString(), "-On",
                "-Lf", log.toString(), "udp:127.0.0.1:" + port);
        pb.environment().put("SNMP_PERSISTENT_DIR", dir.resolve("persist").toString());
        pb.environment().put("MIBS", ""); // numeric OIDs: the receiver needs no MIB files
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("snmptrapd.out").toFile());
        process = pb.start();
        Await.until(Duration.ofSeconds(20), "snmptrapd is listening on 127.0.0.1:" + port,
                () -> log().contains("NET-SNMP version") || !process.isAlive(), this::log);
        if (!process.isAlive()) {
            throw new IOException("snmptrapd ended at start (" + process.exitValue() + "): " + log() + " "
                    + Files.readString(dir.resolve("snmptrapd.out")));
        }
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
