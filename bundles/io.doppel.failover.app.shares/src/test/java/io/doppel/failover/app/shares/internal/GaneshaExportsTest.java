package io.doppel.failover.app.shares.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;

/**
 * NFS exports by NFS-Ganesha, for real: a private Ganesha (NFSv4 only, on a free port of
 * 127.0.0.1, its own configuration with an export of the admin's that must be left alone) serves
 * the replica's folders after the takeover, read back with libnfs's user-space client as an NFS
 * client of the failed-over server would; release takes them away and leaves the configuration as
 * it was, byte for byte.
 */
class GaneshaExportsTest {

    private static final List<String> PROGRAMS = List.of("/usr/bin/ganesha.nfsd", "/usr/bin/nfs-cat", "/usr/bin/nfs-ls");

    @TempDir
    Path dir;

    private Process ganesha;
    private int port;
    private final Map<String, String> settings = new HashMap<>();
    private final SharesApplication plugin = new SharesApplication();

    @AfterEach
    void stopGanesha() throws Exception {
        if (ganesha != null) {
            ganesha.destroy();
            if (!ganesha.waitFor(20, TimeUnit.SECONDS)) {
                ganesha.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void theRunningGaneshaServesTheReplicasFoldersUntilRelease() throws Exception {
        boolean can = "root".equals(System.getProperty("user.name"))
                && PROGRAMS.stream().allMatch(p -> Files.isExecutable(Path.of(p)));
        if (System.getenv("CI") == null) {
            Assumptions.assumeTrue(can, "needs root, NFS-Ganesha and libnfs's client (apt install nfs-ganesha "
                    + "nfs-ganesha-vfs libnfs-utils)");
        } else {
            assertTrue(can, "CI runs as root with nfs-ganesha, nfs-ganesha-vfs and libnfs-utils installed");
        }
        Path image = image();
        Path admin = Files.createDirectories(dir.resolve("admin"));
        Files.writeString(admin.resolve("own.txt"), "the admin's own export\n");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("ganesha.conf");
        Files.writeString(config, """
                NFS_CORE_PARAM {
                    Protocols = 4;
                    NFS_Port = %d;
                    Bind_addr = 127.0.0.1;
                    Enable_RQUOTA = false;
                    Enable_NLM = false;
                }
                NFSv4 { Graceless = true; }
                NFS_KRB5 { Active_krb5 = false; }

                # the admin's own export, which the takeover must leave alone
                EXPORT {
                    Export_Id = 1;
                    Path = "%s";
                    Pseudo = "/admin";
                    Access_Type = RO;
                    Squash = No_Root_Squash;
                    Protocols = 4;
                    FSAL { Name = VFS; }
                }""".formatted(port, admin), StandardCharsets.UTF_8); // no final newline: it must stay without one
        byte[] original = Files.readAllBytes(config);
        Path pidFile = dir.resolve("ganesha.pid");
        ganesha = new ProcessBuilder("/usr/bin/ganesha.nfsd", "-F", "-L", dir.resolve("ganesha.log").toString(), "-f",
                config.toString(), "-p", pidFile.toString(), "-N", "NIV_EVENT").redirectErrorStream(true)
                .redirectOutput(dir.resolve("ganesha.out").toFile()).start();
        await(() -> cat("/admin/own.txt"), r -> r.ok(), "Ganesha to serve the admin's export");

        settings.put("nfsServer", "ganesha");
        settings.put("ganesha.config", config.toString());
        settings.put("ganesha.pidfile", pidFile.toString());
        settings.put("nfs", "projects:127.0.0.1(rw,no_root_squash,sync,no_subtree_check),archive:127.0.0.1");
        TestContext context = new TestContext(image, Files.createDirectories(dir.resolve("work")), settings,
                TestContext.real(dir));
        plugin.prepare(context);
        assertFalse(plugin.health(context).healthy(), "nothing is exported before the takeover");

        plugin.takeOver(context);
        assertEquals("drawings of the source\n", await(() -> cat("/projects/plan.txt"), r -> r.ok(),
                "Ganesha to export the replica's projects").output());
        assertEquals("old files\n", cat("/archive/2019.txt").output());
        assertTrue(plugin.health(context).healthy(), plugin.health(context).detail());
        Path fragment = dir.resolve("doppel-failover-files-nfs.conf");
        assertTrue(Files.readString(config).endsWith("}\n%include \"" + fragment + "\""), "a line of its own (and, like "
                + "the file, without a final newline):\n" + Files.readString(config));
        String exports = Files.readString(fragment);
        assertTrue(exports.contains("Path = \"" + image.toRealPath().resolve("projects") + "\";")
                && exports.contains("Access_Type = RW;") && exports.contains("Squash = No_Root_Squash;"), exports);
        assertTrue(cat("/admin/own.txt").ok(), "the admin's own export still serves");

        plugin.takeOver(context); // a retried step exports the same again
        assertEquals(1, Files.readString(config).split("%include", -1).length - 1, "one include line");

        plugin.release(context);
        await(() -> cat("/projects/plan.txt"), r -> !r.ok(), "the export to be gone");
        assertArrayEquals(original, Files.readAllBytes(config), "the configuration is back byte for byte");
        assertFalse(Files.exists(fragment), "the fragment is gone");
        assertFalse(plugin.health(context).healthy(), "nothing exported after release");
        assertTrue(cat("/admin/own.txt").ok(), "the admin's own export still serves after release");
        plugin.release(context); // a second release finds nothing to do
    }

    @Test
    void optionsGaneshaHasNoEquivalentForAreRefusedBeforeAnythingIsWritten() throws Exception {
        Path image = image();
        Path config = dir.resolve("ganesha.conf");
        Files.writeString(config, "NFS_CORE_PARAM { Protocols = 4; }\n");
        settings.put("nfsServer", "ganesha");
        settings.put("ganesha.config", config.toString());
        settings.put("ganesha.pidfile", dir.resolve("none.pid").toString());
        TestContext context = new TestContext(image, Files.createDirectories(dir.resolve("work")), Map.of(), null);
        for (String[] bad : new String[][] {
                { "projects:127.0.0.1(rw,fsid=7)", "'fsid=7' of 127.0.0.1:" },
                { "projects:127.0.0.1(anonuid=x)", "must be a number" },
                { "projects:127.0.0.1(sec=ntlm)", "must be sys, none, krb5" },
                { ".:127.0.0.1", "not all of it" } }) {
            settings.put("nfs", bad[0]);
            TestContext c = new TestContext(image, context.workDirectory(), settings, null);
            ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(c), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
        }
        assertEquals("NFS_CORE_PARAM { Protocols = 4; }\n", Files.readString(config), "nothing written");
        settings.put("nfs", "projects:127.0.0.1");
        TestContext notRunning = new TestContext(image, context.workDirectory(), settings, null);
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(notRunning));
        assertTrue(e.getMessage().startsWith("NFS-Ganesha is not running: there is no " + dir.resolve("none.pid")),
                e.getMessage());
        settings.put("nfsServer", "knfsd");
        TestContext unknown = new TestContext(image, context.workDirectory(), settings, null);
        e = assertThrows(ApplicationException.class, () -> plugin.takeOver(unknown));
        assertEquals("shares.nfsServer must be kernel or ganesha, not 'knfsd'", e.getMessage());
    }

    private Path image() throws IOException {
        Path image = dir.resolve("image");
        Files.createDirectories(image.resolve("projects"));
        Files.createDirectories(image.resolve("archive"));
        Files.writeString(image.resolve("projects/plan.txt"), "drawings of the source\n");
        Files.writeString(image.resolve("archive/2019.txt"), "old files\n");
        return image;
    }

    private CommandRunner.Result cat(String path) throws Exception {
        Path out = Files.createTempFile(dir, "nfs-cat", ".out");
        Process p = new ProcessBuilder("nfs-cat", "nfs://127.0.0.1" + path + "?version=4&nfsport=" + port)
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "nfs-cat ends");
        return new CommandRunner.Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private interface Probe {
        CommandRunner.Result run() throws Exception;
    }

    /** Asks until the answer is as wanted, for at most 30 s (Ganesha reads its exports after a SIGHUP, not at it). */
    private CommandRunner.Result await(Probe probe, Predicate<CommandRunner.Result> wanted, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            CommandRunner.Result r = probe.run();
            if (wanted.test(r)) {
                return r;
            }
            assertTrue(System.nanoTime() < end, "waited 30 s for " + what + "; Ganesha's log:\n"
                    + (Files.exists(dir.resolve("ganesha.log")) ? Files.readString(dir.resolve("ganesha.log")) : "none"));
        }
    }
}
