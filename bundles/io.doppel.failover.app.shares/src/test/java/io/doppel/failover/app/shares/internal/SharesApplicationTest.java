package io.doppel.failover.app.shares.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;

/**
 * The plugin against a real Samba: a private smb.conf in a temporary directory (its own state, pid
 * and lock directories, a free port on 127.0.0.1, guest access), so nothing of this machine's Samba
 * is touched. The replica's files are fetched with smbclient as a client of the failed-over server would.
 */
class SharesApplicationTest {

    private static final List<String> PROGRAMS = List.of("/usr/sbin/smbd", "/usr/bin/smbcontrol", "/usr/bin/testparm",
            "/usr/bin/smbclient");

    @TempDir
    Path dir;

    private Path image;
    private Path config;
    private byte[] original;
    private int port;
    private final Map<String, String> settings = new HashMap<>();
    private final SharesApplication plugin = new SharesApplication();

    @BeforeEach
    void privateSamba() throws Exception {
        boolean can = "root".equals(System.getProperty("user.name"))
                && PROGRAMS.stream().allMatch(p -> Files.isExecutable(Path.of(p)));
        if (System.getenv("CI") == null) {
            Assumptions.assumeTrue(can, "needs root and Samba (apt install samba smbclient)");
        } else {
            assertTrue(can, "CI runs as root with samba and smbclient installed");
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // the guest reads too
        image = dir.resolve("image");
        Files.createDirectories(image.resolve("finance/2024"));
        Files.createDirectories(image.resolve("public"));
        Files.writeString(image.resolve("finance/report.txt"), "quarterly numbers from the source\n");
        Files.writeString(image.resolve("public/readme.txt"), "welcome\n");
        Files.createDirectories(dir.resolve("admin"));
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StringBuilder conf = new StringBuilder("[global]\n");
        for (String d : List.of("private dir", "lock directory", "state directory", "cache directory",
                "pid directory", "ncalrpc dir")) {
            Path p = Files.createDirectories(dir.resolve("samba").resolve(d.replace(' ', '-')));
            conf.append("   ").append(d).append(" = ").append(p).append('\n');
        }
        conf.append("   log file = ").append(dir.resolve("samba/log.%m")).append("\n")
                .append("   server role = standalone server\n")
                .append("   smb ports = ").append(port).append('\n')
                .append("   bind interfaces only = yes\n   interfaces = 127.0.0.1\n")
                .append("   map to guest = bad user\n   guest account = nobody\n")
                .append("   disable netbios = yes\n   load printers = no\n   printcap name = /dev/null\n")
                .append("\n# the admin's own share, which the takeover must leave alone\n")
                .append("[Admin]\n   path = ").append(dir.resolve("admin")).append("\n   guest ok = yes\n");
        config = dir.resolve("smb.conf");
        Files.writeString(config, conf.toString(), StandardCharsets.UTF_8);
        original = Files.readAllBytes(config);
        settings.put("config", config.toString());
        settings.put("smb", "Finance:finance, Public:public");
        settings.put("smb.Finance.guest", "yes");
        settings.put("smb.Public.guest", "yes");
        settings.put("smb.Public.writable", "yes");
    }

    @AfterEach
    void stopEverySambaStarted() throws Exception {
        if (dir == null || !Files.isDirectory(dir.resolve("samba/pid-directory"))) {
            return;
        }
        for (String daemon : List.of("smbd.pid", "samba-dcerpcd.pid")) {
            Path pidFile = dir.resolve("samba/pid-directory").resolve(daemon);
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readString(pidFile).strip());
                ProcessHandle.of(pid).ifPresent(SharesApplicationTest::stop);
            }
        }
    }

    @Test
    void theRunningSmbdServesTheReplicasFilesUntilRelease() throws Exception {
        exec("smbd", "-D", "-s", config.toString());
        TestContext context = context(settings);
        awaitRunning(context, true);
        assertTrue(plugin.availability().available(), plugin.availability().reason());
        plugin.prepare(context);
        assertFalse(plugin.health(context).healthy(), "nothing is shared before the takeover");

        plugin.takeOver(context);
        assertEquals("quarterly numbers from the source\n", get("Finance", "report.txt").output());
        assertEquals("welcome\n", get("Public", "readme.txt").output());
        assertTrue(plugin.health(context).healthy(), plugin.health(context).detail());
        assertTrue(context.logged().stream().anyMatch(m -> m.startsWith("smbd reloads")), context.logged().toString());
        String fragment = Files.readString(dir.resolve("doppel-failover-files.conf"));
        assertTrue(fragment.contains("path = " + image.toRealPath().resolve("finance")), fragment);
        assertTrue(Files.readString(config).endsWith("\ninclude = " + dir.resolve("doppel-failover-files.conf") + "\n"));
        assertTrue(smbclient("//127.0.0.1/Admin", "ls").exitCode() == 0, "the admin's own share still serves");

        plugin.takeOver(context); // a retried step makes the same shares again
        assertEquals(1, count(Files.readString(config), "include = "), "one include line, however often taken");

        plugin.release(context);
        CommandRunner.Result gone = get("Finance", "report.txt");
        assertNotEquals(0, gone.exitCode(), "the share is gone: " + gone.output());
        assertFalse(plugin.health(context).healthy(), "no share after release");
        assertArrayEquals(original, Files.readAllBytes(config), "the config is back byte for byte");
        assertFalse(Files.exists(dir.resolve("doppel-failover-files.conf")), "the fragment is removed");
        assertTrue(smbclient("//127.0.0.1/Admin", "ls").exitCode() == 0, "smbd still serves the admin's share");

        int before = context.ran().size();
        plugin.release(context);
        assertEquals(before, context.ran().size(), "a release with nothing taken runs nothing");
    }

    @Test
    void withoutARunningSmbdTheTakeoverStartsOneAndReleaseStopsIt() throws Exception {
        TestContext context = context(settings);
        awaitRunning(context, false);
        plugin.takeOver(context);
        assertEquals("quarterly numbers from the source\n", get("Finance", "report.txt").output());
        assertTrue(context.logged().stream().anyMatch(m -> m.startsWith("started smbd")), context.logged().toString());

        plugin.release(context);
        assertFalse(new Samba(context, config).running(), "the smbd the takeover started is stopped");
        assertArrayEquals(original, Files.readAllBytes(config), "the config is back byte for byte");
        assertFalse(Files.exists(dir.resolve("work/" + SharesApplication.STARTED)));
    }

    @Test
    void settingsThatLeaveTheReplicaOrBreakSambaAreRefusedWithTheirName() throws Exception {
        Files.createSymbolicLink(image.resolve("escape"), dir.resolve("admin"));
        Files.createSymbolicLink(image.resolve("inside"), image.resolve("finance/2024"));
        settings.keySet().removeIf(k -> k.startsWith("smb.")); // per-share settings only for the shares named
        assertRefused("Finance:../admin", "shares.smb", "'..'");
        assertRefused("Finance:" + dir.resolve("admin"), "shares.smb", "absolute");
        assertRefused("Fin/ance:finance", "shares.smb", "not a share name Samba accepts");
        assertRefused("Finance:escape", "shares.smb", "a link that leads out of the replicated data");
        assertRefused("global:finance", "shares.smb", "reserves");
        assertRefused("Finance:missing", "shares.smb", "not in the replica");
        assertRefused("admin:finance", "shares.smb", "of " + config + " already");
        assertRefused("Finance:finance,FINANCE:public", "shares.smb", "twice");
        settings.put("smb.Finance.users", "alice;rm");
        assertRefused("Finance:finance", "shares.smb.Finance.users", "not a user");
        settings.remove("smb.Finance.users");
        settings.put("smb.Pubic.readonly", "no");
        assertRefused("Finance:finance,Public:public", "shares.smb.Pubic.readonly", "not a setting");
        settings.remove("smb.Pubic.readonly");
        settings.put("smb.Public.writable", "yes");
        settings.put("smb.Public.readonly", "yes");
        assertRefused("Finance:finance,Public:public", "shares.smb.Public.readonly", "contradict");
        settings.keySet().removeIf(k -> k.startsWith("smb."));

        settings.put("smb", "Year:inside"); // a link that stays inside is shared by its real path
        plugin.prepare(context(settings));
        assertArrayEquals(original, Files.readAllBytes(config), "checking changed nothing");
    }

    @Test
    void aConfigThatTestparmRefusesWithTheSharesIsLeftAsItWas() throws Exception {
        CommandRunner real = TestContext.real(dir);
        // testparm refuses the config once the include line is in it (as it would a fragment it cannot parse)
        CommandRunner refusing = (command, environment, timeout) -> {
            if (command.get(0).equals("testparm") && includes(config)) {
                return new CommandRunner.Result(1, "Load smb config files from " + config + "\nError loading services.");
            }
            return real.run(command, environment, timeout);
        };
        TestContext context = new TestContext(image, Files.createDirectories(dir.resolve("work")), settings, refusing);
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context));
        assertTrue(e.getMessage().contains("testparm refuses") && e.getMessage().contains("Error loading services"),
                e.getMessage());
        assertArrayEquals(original, Files.readAllBytes(config), "the include line is taken out again");
        assertFalse(Files.exists(dir.resolve("doppel-failover-files.conf")), "and the fragment removed");
        assertFalse(new Samba(context(settings), config).running(), "smbd was not started for a refused config");

        Files.writeString(config, "[unterminated\n", StandardOpenOption.APPEND);
        byte[] broken = Files.readAllBytes(config);
        e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context(settings)));
        assertTrue(e.getMessage().contains("before the replica's shares are added"), e.getMessage());
        assertArrayEquals(broken, Files.readAllBytes(config), "a config broken before is not touched");
    }

    private void assertRefused(String smb, String setting, String reason) throws IOException {
        settings.put("smb", smb);
        TestContext context = context(settings);
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(context), smb);
        assertTrue(e.getMessage().startsWith(setting) && e.getMessage().contains(reason), smb + ": " + e.getMessage());
        ApplicationException t = assertThrows(ApplicationException.class, () -> plugin.takeOver(context), smb);
        assertEquals(e.getMessage(), t.getMessage());
        assertArrayEquals(original, Files.readAllBytes(config), "a refused takeover changes nothing");
    }

    private TestContext context(Map<String, String> s) throws IOException {
        return new TestContext(image, Files.createDirectories(dir.resolve("work")), s, TestContext.real(dir));
    }

    /** Polls smbcontrol ping, within a bounded time, until smbd runs (or does not). */
    private void awaitRunning(TestContext context, boolean running) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (new Samba(context, config).running() != running) {
            assertTrue(System.nanoTime() < end, "smbd " + (running ? "did not start" : "still runs"));
            Thread.onSpinWait();
        }
    }

    private CommandRunner.Result get(String share, String file) throws Exception {
        return smbclient("//127.0.0.1/" + share, "get " + file + " -");
    }

    /** smbclient as a guest; only what it writes to standard output is returned (the file's content). */
    private CommandRunner.Result smbclient(String service, String command) throws Exception {
        Path out = Files.createTempFile(dir, "smbclient", ".out");
        Process p = new ProcessBuilder("smbclient", "-s", config.toString(), "-p", Integer.toString(port), service,
                "-N", "-c", command).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "smbclient ends");
        return new CommandRunner.Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private void exec(String... command) throws Exception {
        CommandRunner.Result r = TestContext.real(dir).run(List.of(command), Map.of(), Duration.ofSeconds(30));
        assertEquals(0, r.exitCode(), String.join(" ", command) + ": " + r.output());
    }

    private static boolean includes(Path config) {
        try {
            return Files.readString(config).contains("include = ");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int count(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    /** Stops a daemon and what it forked: TERM, and KILL if it has not ended in 10 s. */
    private static void stop(ProcessHandle daemon) {
        List<ProcessHandle> all = new ArrayList<>(daemon.descendants().toList());
        all.add(0, daemon);
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                p.destroyForcibly();
            } catch (InterruptedException | ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
