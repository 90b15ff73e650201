package io.doppel.failover.app.windows.smb.internal;

import static io.doppel.failover.app.windows.testing.ScriptedRunner.failed;
import static io.doppel.failover.app.windows.testing.ScriptedRunner.has;
import static io.doppel.failover.app.windows.testing.ScriptedRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.Health;
import io.doppel.failover.app.windows.testing.FakeContext;
import io.doppel.failover.app.windows.testing.ScriptedRunner;

class SmbShareFailoverTest {

    @TempDir
    Path image;
    @TempDir
    Path work;
    @TempDir
    Path outside;

    private final SmbShareFailover plugin = new SmbShareFailover();
    private final ScriptedRunner runner = new ScriptedRunner();
    private final Map<String, String> settings = new HashMap<>(Map.of(
            "shares", "Finance:data/finance, Public:data\\public",
            "fullAccess", "CORP\\Domain Admins",
            "Finance.changeAccess", "CORP\\Finance",
            "readAccess", "CORP\\Staff"));
    private final List<String> events = new ArrayList<>();
    private String finance;
    private String publicFolder;

    @BeforeEach
    void folders() throws IOException {
        finance = Files.createDirectories(image.resolve("data/finance")).toString();
        publicFolder = Files.createDirectories(image.resolve("data/public")).toString();
    }

    /** The target's SMB server with no share of these names yet; a test puts its own rules first. */
    private ScriptedRunner server() {
        return runner
                .on("create Finance", has("New-SmbShare -Name 'Finance'"), ok("CREATED"))
                .on("create Public", has("New-SmbShare -Name 'Public'"), ok("CREATED"))
                .on("remove Finance", has("Remove-SmbShare -Name 'Finance'"), ok("REMOVED"))
                .on("remove Public", has("Remove-SmbShare -Name 'Public'"), ok("REMOVED"))
                .on("list", has("Get-SmbShare -Name $n"), ok("ABSENT|Finance\nABSENT|Public"));
    }

    private FakeContext context() {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        return new FakeContext("files", "fs-a", image, settings, work, deadline, runner, events);
    }

    @Test
    void takeOverCreatesEachShareInOrderForItsFolderWithItsAccessLists() throws ApplicationException {
        server();
        plugin.takeOver(context());
        assertEquals(List.of("create Finance", "create Public"), runner.answered());
        String create = runner.runs().get(0).text();
        assertTrue(create.contains("New-SmbShare -Name 'Finance' -Path '" + finance + "' -Description 'Doppel failover "
                + "files (replica of fs-a)' -FullAccess @('CORP\\Domain Admins') -ChangeAccess @('CORP\\Finance') "
                + "-ReadAccess @('CORP\\Staff') | Out-Null"), create);
        assertTrue(runner.runs().get(1).text().contains("New-SmbShare -Name 'Public' -Path '" + publicFolder + "' "
                + "-Description 'Doppel failover files (replica of fs-a)' -FullAccess @('CORP\\Domain Admins') "
                + "-ReadAccess @('CORP\\Staff') | Out-Null"));
        int check = create.indexOf("if ($null -ne $e -and $e.Path -ne '" + finance + "') { 'CONFLICT|'");
        assertTrue(check > 0 && check < create.indexOf("Remove-SmbShare") && check < create.indexOf("New-SmbShare"),
                "a share of another folder is detected before anything is changed:\n" + create);
        assertEquals(List.of("share Finance created for " + finance, "share Public created for " + publicFolder),
                events);
    }

    @Test
    void releaseRemovesTheSharesInReverseOrderAndLeavesOthersAlone() throws ApplicationException {
        runner.on("remove Finance", has("Remove-SmbShare -Name 'Finance'"), ok("FOREIGN|D:\\Other"));
        server();
        plugin.release(context());
        assertEquals(List.of("remove Public", "remove Finance"), runner.answered());
        assertTrue(runner.runs().get(0).text().contains("if ($e.Path -ne '" + publicFolder + "') { 'FOREIGN|'"));
        assertEquals(List.of("share Public removed", "share Finance is for D:\\Other, not " + finance
                + ": left as it is"), events);
    }

    @Test
    void releaseIsQuietWhenTheSharesDoNotExist() throws ApplicationException {
        runner.on("absent", has("Remove-SmbShare -Name"), ok("ABSENT"));
        plugin.release(context());
        assertEquals(List.of("absent", "absent"), runner.answered());
        assertEquals(List.of(), events);
    }

    @Test
    void healthIsUpWhenEveryShareIsOnlineForItsFolder() {
        runner.on("list", has("Get-SmbShare -Name $n"), ok("SHARE|Finance|Online|" + finance + "\nSHARE|Public|Online|"
                + publicFolder.toUpperCase()));
        Health h = plugin.health(context());
        assertTrue(h.healthy(), h.detail());
        assertEquals("shares online: Finance, Public", h.detail());
        assertTrue(runner.runs().get(0).text().contains("foreach ($n in @('Finance', 'Public'))"));
    }

    @Test
    void healthIsDownWhenAShareIsMissingElsewhereOrOffline() {
        runner.on("list", has("Get-SmbShare -Name $n"), ok("ABSENT|Finance\nSHARE|Public|Online|C:\\Other"),
                ok("SHARE|Finance|Offline|" + finance + "\nSHARE|Public|Online|" + publicFolder),
                failed("FAILED|The service has not been started"));
        Health missing = plugin.health(context());
        assertFalse(missing.healthy());
        assertEquals("share Finance does not exist; share Public is for C:\\Other, not " + publicFolder,
                missing.detail());
        assertEquals("share Finance is Offline", plugin.health(context()).detail());
        Health noServer = plugin.health(context());
        assertFalse(noServer.healthy());
        assertTrue(noServer.detail().contains("The service has not been started"), noServer.detail());
    }

    @Test
    void aShareOfTheSameNameForAnotherFolderIsNeverReplaced() {
        runner.on("taken", has("New-SmbShare -Name 'Finance'"), ok("CONFLICT|C:\\Shares\\Finance"));
        server();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        assertEquals("share Finance already exists on this server for C:\\Shares\\Finance: remove it (Remove-SmbShare "
                + "-Name Finance) or give the share another name in smb.shares", e.getMessage());
        assertEquals(List.of("taken"), runner.answered());
    }

    @Test
    void prepareOnlyLooksAndFindsATakenName() throws ApplicationException {
        runner.on("list", has("Get-SmbShare -Name $n"), ok("ABSENT|Finance\nSHARE|Public|Online|" + publicFolder),
                ok("SHARE|Finance|Online|C:\\Shares\\Finance\nABSENT|Public"));
        plugin.prepare(context());
        assertEquals(List.of("share Public exists already for its folder: the takeover makes it again"), events);
        assertFalse(runner.runs().get(0).text().contains("New-SmbShare"));
        assertFalse(runner.runs().get(0).text().contains("Remove-SmbShare"));
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
        assertTrue(e.getMessage().startsWith("share Finance already exists on this server for C:\\Shares\\Finance"),
                e.getMessage());
    }

    @Test
    void aCreateThatFailsSaysWhichShareAndWhereTheAccountsAreSet() {
        runner.on("bad account", has("New-SmbShare -Name 'Finance'"),
                failed("FAILED|No mapping between account names and security IDs was done."));
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        assertTrue(e.getMessage().startsWith("cannot create share Finance for " + finance + ": No mapping between "
                + "account names"), e.getMessage());
        assertTrue(e.getMessage().contains("smb.Finance."), e.getMessage());
    }

    @Test
    void pathsThatLeaveTheImageAreRefusedBeforeAnythingRuns() {
        for (String path : List.of("..", "../outside", "data/../../etc", "data/./../..", "/etc", "\\Windows",
                "C:\\Windows", "C:relative", "\\\\server\\share", "//server/share", "data/finance:secret", "data/a*",
                "")) {
            settings.put("shares", "Finance:" + path);
            ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()),
                    path);
            assertTrue(e.getMessage().startsWith("smb.shares:"), path + ": " + e.getMessage());
            assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
            assertThrows(ApplicationException.class, () -> plugin.release(context()));
            assertThrows(IllegalArgumentException.class, () -> plugin.protectedPaths(settings));
        }
        assertEquals(List.of(), runner.runs());
    }

    @Test
    void namesWindowsRefusesOrOwnsAreRefused() {
        for (String name : List.of("ADMIN$", "admin$", "C$", "IPC$", "print$", "SYSVOL", "NETLOGON", "Fin*", "Fin?",
                "a/b", "a\\b", "[x]", "a|b", "a=b", "a+b", "a;b", "a<b", "\"x\"", "", " ", ".", "..", "x".repeat(81),
                "tab\there")) {
            settings.put("shares", name + ":data/finance");
            ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()),
                    name);
            assertTrue(e.getMessage().startsWith("smb.shares"), name + ": " + e.getMessage());
        }
        settings.put("shares", "Finance:data/finance,finance:data/public");
        assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        settings.put("shares", "Finance data/finance");
        ApplicationException noPath = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        assertTrue(noPath.getMessage().contains("has no path: write NAME:PATH"), noPath.getMessage());
        settings.remove("shares");
        ApplicationException none = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        assertTrue(none.getMessage().startsWith("smb.shares is not set"), none.getMessage());
        assertEquals(List.of(), runner.runs());
    }

    @Test
    void aLinkInTheImageThatPointsOutOfItIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(image.resolve("data/escape"), outside);
        try {
            settings.put("shares", "Escape:data/escape");
            server();
            ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
            assertTrue(e.getMessage().startsWith("folder data/escape of share Escape leads out of the image"),
                    e.getMessage());
            assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
            assertEquals(List.of(), runner.runs());
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void aFolderMissingFromTheImageIsNamed() {
        settings.put("shares", "Finance:data/finance,Archive:data/archive");
        server();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        assertTrue(e.getMessage().startsWith("folder data/archive of share Archive is not in the image"),
                e.getMessage());
        assertEquals(List.of(), runner.runs(), "no share is made before every folder is found");
    }

    @Test
    void valuesWithSingleQuotesStayLiteralsInsideTheScript() throws Exception {
        String obrien = Files.createDirectories(image.resolve("data/o'brien")).toString();
        settings.put("shares", "O'Brien:data/o'brien");
        settings.put("fullAccess", "CORP\\O'Brien, CORP\\Team $x");
        runner.on("create", has("New-SmbShare"), ok("CREATED"));
        plugin.takeOver(context());
        String create = runner.runs().get(0).text();
        assertTrue(create.contains("New-SmbShare -Name 'O''Brien' -Path '" + obrien.replace("'", "''") + "'"), create);
        assertTrue(create.contains("-FullAccess @('CORP\\O''Brien', 'CORP\\Team $x')"), create);
        assertTrue(runner.runs().get(0).command().stream().noneMatch(arg -> arg.contains("'")));
    }

    @Test
    void theImagesRootItselfCanBeShared() throws ApplicationException {
        settings.put("shares", "Everything:.");
        runner.on("create", has("New-SmbShare -Name 'Everything' -Path '" + image + "' "), ok("CREATED"));
        plugin.takeOver(context());
        assertEquals(List.of("create"), runner.answered());
        assertEquals(List.of(""), plugin.protectedPaths(settings));
    }

    @Test
    void moreSharesThanFitOnAWindowsCommandLineAreRefusedBeforeAnythingRuns() {
        List<String> shares = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            shares.add("Share" + i + ":data/finance");
        }
        settings.put("shares", String.join(",", shares));
        Health h = plugin.health(context());
        assertFalse(h.healthy());
        assertEquals("the PowerShell script to list the shares does not fit on a Windows command line: configure "
                + "fewer shares per failover", h.detail());
        assertEquals(List.of(), runner.runs());
    }

    @Test
    void protectedPathsAreTheSharedFolders() {
        assertEquals(List.of("data/finance", "data/public"), plugin.protectedPaths(settings));
    }

    @Test
    void itIsAvailableOnlyOnWindowsAndSaysWhy() {
        assertTrue(SmbShareFailover.availability("Windows Server 2025").available());
        var linux = SmbShareFailover.availability("Linux");
        assertFalse(linux.available());
        assertTrue(linux.reason().contains("runs only on Windows, and this agent runs on Linux"), linux.reason());
    }

    @Test
    void everySettingIsDocumented() {
        assertEquals(List.of("shares", "fullAccess", "changeAccess", "readAccess", "NAME.fullAccess", "commandTimeout"),
                List.copyOf(plugin.settings().keySet()));
    }
}
