package io.doppel.failover.app.shares.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;

/**
 * NFS exports against a scripted exportfs: the kernel NFS server cannot run in the containers the
 * tests run in, so what is checked is the commands and how their answers are read.
 */
class NfsExportsTest {

    @TempDir
    Path dir;

    private Path image;
    private Path projects;
    private Path archive;
    private final Map<String, String> settings = new HashMap<>();
    /** What exportfs -s prints, as the kernel's table would after the commands so far. */
    private final List<String> table = new ArrayList<>();
    /** An export that exportfs refuses, or null. */
    private String refused;
    private final SharesApplication plugin = new SharesApplication();

    @BeforeEach
    void replica() throws Exception {
        image = dir.resolve("image");
        projects = Files.createDirectories(image.resolve("projects")).toRealPath();
        archive = Files.createDirectories(image.resolve("archive")).toRealPath();
        settings.put("config", dir.resolve("smb.conf").toString()); // no Samba: none is touched
        settings.put("nfs", "projects:10.0.0.0/24(rw,sync,no_subtree_check) backup.example.com,archive:*");
    }

    private final CommandRunner exportfs = (command, environment, timeout) -> {
        assertEquals("exportfs", command.get(0), command.toString());
        switch (command.get(1)) {
            case "-o" -> {
                if (command.get(3).equals(refused)) {
                    return new CommandRunner.Result(1, "exportfs: " + refused + ": Function not implemented");
                }
                int colon = command.get(3).indexOf(':');
                table.add(command.get(3).substring(colon + 1) + "\t" + command.get(3).substring(0, colon) + "("
                        + command.get(2) + ")");
            }
            case "-u" -> {
                int colon = command.get(2).indexOf(':');
                String line = command.get(2).substring(colon + 1) + "\t" + command.get(2).substring(0, colon) + "(";
                if (!table.removeIf(l -> l.startsWith(line))) {
                    return new CommandRunner.Result(1, "exportfs: Could not find '" + command.get(2) + "' to unexport.");
                }
            }
            case "-s" -> {
                return new CommandRunner.Result(0, String.join("\n", table) + "\n");
            }
            default -> throw new AssertionError(command);
        }
        return new CommandRunner.Result(0, "");
    };

    @Test
    void eachClientGetsItsExportAndReleaseTakesThemBackLastFirst() throws Exception {
        TestContext context = context();
        plugin.takeOver(context);
        assertEquals(List.of(
                List.of("exportfs", "-o", "rw,sync,no_subtree_check", "10.0.0.0/24:" + projects),
                List.of("exportfs", "-o", Shares.DEFAULT_NFS_OPTIONS, "backup.example.com:" + projects),
                List.of("exportfs", "-o", Shares.DEFAULT_NFS_OPTIONS, "*:" + archive)), context.ran());
        assertTrue(plugin.health(context).healthy(), plugin.health(context).detail());

        table.remove(1); // the NFS server lost one (restarted without /etc/exports naming it)
        assertTrue(plugin.health(context).detail().contains("backup.example.com:" + projects),
                plugin.health(context).detail());
        assertFalse(plugin.health(context).healthy());

        context.ran().clear();
        plugin.release(context); // the lost one is not an error
        assertEquals(List.of(List.of("exportfs", "-u", "*:" + archive),
                List.of("exportfs", "-u", "backup.example.com:" + projects),
                List.of("exportfs", "-u", "10.0.0.0/24:" + projects)), context.ran());
        assertTrue(table.isEmpty(), table.toString());

        context.ran().clear();
        plugin.release(context);
        assertEquals(List.of(), context.ran(), "nothing taken, nothing run");
    }

    @Test
    void aRefusedExportFailsTheTakeoverAndReleaseRemovesOnlyWhatWasMade() throws Exception {
        refused = "*:" + archive;
        TestContext context = context();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context));
        assertTrue(e.getMessage().contains("cannot export " + archive + " to *") && e.getMessage().contains(
                "Function not implemented"), e.getMessage());
        plugin.release(context);
        assertTrue(table.isEmpty(), table.toString());
        assertEquals(2, context.ran().stream().filter(c -> c.get(1).equals("-u")).count());
    }

    @Test
    void exportsThatLeaveTheReplicaOrAreNotPlainAreRefusedWithTheirName() throws Exception {
        Files.createSymbolicLink(image.resolve("etc"), Path.of("/etc"));
        for (String[] bad : new String[][] {
                { "../x:*", "'..'" }, { "/srv:*", "absolute" }, { "etc:*", "a link that leads out" },
                { "projects", "has no client" }, { "projects:host;rm(rw)", "not a client" },
                { "projects:*(rw;rm)", "not export options" }, { "projects:*(rw", "lack their ')'" } }) {
            settings.put("nfs", bad[0]);
            TestContext context = context();
            ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(context), bad[0]);
            assertTrue(e.getMessage().startsWith("shares.nfs") && e.getMessage().contains(bad[1]), e.getMessage());
        }
        settings.remove("nfs");
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
        assertTrue(e.getMessage().contains("shares.smb and shares.nfs are both empty"), e.getMessage());
    }

    @Test
    void theProtectedPathsAreTheSharedFolders() {
        assertEquals(List.of("finance", "public", "projects", "archive"), plugin.protectedPaths(Map.of(
                "smb", "Finance:finance,Public:public", "nfs", settings.get("nfs"))));
    }

    private TestContext context() throws Exception {
        return new TestContext(image, Files.createDirectories(dir.resolve("work")), settings, exportfs);
    }
}
