package io.doppel.failover.app.windows.exchange.internal;

import static io.doppel.failover.app.windows.testing.ScriptedRunner.failed;
import static io.doppel.failover.app.windows.testing.ScriptedRunner.has;
import static io.doppel.failover.app.windows.testing.ScriptedRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.Health;
import io.doppel.failover.app.windows.testing.FakeContext;
import io.doppel.failover.app.windows.testing.ScriptedRunner;

class ExchangeFailoverTest {

    private static final String SERVICES = "MSExchangeADTopology,MSExchangeServiceHost,MSExchangeRepl,MSExchangeIS,"
            + "MSExchangeTransport";

    @TempDir
    Path image;
    @TempDir
    Path work;

    private final ExchangeFailover plugin = new ExchangeFailover();
    private final ScriptedRunner runner = new ScriptedRunner();
    private final Map<String, String> settings = new HashMap<>(Map.of("databases", "DB01, O'Brien Mailboxes",
            "pollInterval", "10"));
    private final List<String> events = new ArrayList<>();

    /** Exchange as it is on a healthy target; a test puts its own rules first. */
    private ScriptedRunner exchange() {
        return runner
                .on("start services", has("Start-Service -Name $n"), ok(SERVICES.replaceAll("(\\w+),?", "RUNNING|$1\n")))
                .on("mount", has("Mount-Database"), ok("MOUNTED|DB01\nMOUNTED|O'Brien Mailboxes"))
                .on("dismount", has("Dismount-Database"), ok("DISMOUNTED|O'Brien Mailboxes\nDISMOUNTED|DB01"))
                .on("stop services", has("Stop-Service"), ok("STOPPED|MSExchangeTransport\nSTOPPED|MSExchangeIS"))
                .on("health", has("'DATABASE|'"), ok(SERVICES.replaceAll("(\\w+),?", "SERVICE|$1|Running\n")
                        + "DATABASE|DB01|True\nDATABASE|O'Brien Mailboxes|True"))
                .on("check", has("Get-PSSnapin -Registered"), ok(""));
    }

    private FakeContext context(Duration left) {
        return new FakeContext("mail", "exch-a", image, settings, work, Instant.now().plus(left), runner, events);
    }

    private FakeContext context() {
        return context(Duration.ofMinutes(1));
    }

    private static void assertInOrder(String text, String... parts) {
        int at = -1;
        for (String part : parts) {
            int next = text.indexOf(part, at + 1);
            assertTrue(next > at, part + " after the previous ones in:\n" + text);
            at = next;
        }
    }

    @Test
    void takeOverStartsTheServicesInOrderThenMountsEachDatabase() throws ApplicationException {
        exchange();
        plugin.takeOver(context());
        assertEquals(List.of("start services", "mount"), runner.answered());
        String start = runner.runs().get(0).text();
        assertTrue(start.contains("$names = @('MSExchangeADTopology', 'MSExchangeServiceHost', 'MSExchangeRepl', "
                + "'MSExchangeIS', 'MSExchangeTransport')"), start);
        assertInOrder(start, "$missing", "exit 0", "Set-Service -Name $n -StartupType Manual", "Start-Service -Name $n");
        String mount = runner.runs().get(1).text();
        assertInOrder(mount, "Add-PSSnapin -Name 'Microsoft.Exchange.Management.PowerShell.SnapIn'",
                "foreach ($d in @('DB01', 'O''Brien Mailboxes'))", "Mount-Database -Identity $d -Confirm:$false");
        assertEquals(List.of("services running: MSExchangeADTopology, MSExchangeServiceHost, MSExchangeRepl, "
                + "MSExchangeIS, MSExchangeTransport", "mailbox database DB01 mounted",
                "mailbox database O'Brien Mailboxes mounted"), events);
    }

    @Test
    void theConfiguredServicesStartInTheConfiguredOrder() throws ApplicationException {
        settings.put("services", "MSExchangeIS, MSExchangeADTopology");
        exchange();
        plugin.takeOver(context());
        assertTrue(runner.runs().get(0).text().contains("$names = @('MSExchangeIS', 'MSExchangeADTopology')"));
    }

    @Test
    void aDatabaseTheStoreRefusesAtFirstIsMountedAgainAlone() throws ApplicationException {
        runner.on("mount", has("Mount-Database"),
                ok("MOUNTED|DB01\nNOT-MOUNTED|O'Brien Mailboxes|MapiExceptionNetworkError"),
                ok("MOUNTED|O'Brien Mailboxes"));
        exchange();
        plugin.takeOver(context());
        assertEquals(List.of("start services", "mount", "mount"), runner.answered());
        String again = runner.runs().get(2).text();
        assertTrue(again.contains("foreach ($d in @('O''Brien Mailboxes'))"), again);
        assertFalse(again.contains("'DB01'"), again);
    }

    @Test
    void aDatabaseThatNeverMountsFailsAtTheDeadlineWithTheStoresReason() {
        runner.on("mount", has("Mount-Database"), ok("MOUNTED|DB01\nNOT-MOUNTED|O'Brien Mailboxes|Database is in "
                + "dirty shutdown"), ok("NOT-MOUNTED|O'Brien Mailboxes|Database is in dirty shutdown"));
        exchange();
        ApplicationException e = assertThrows(ApplicationException.class,
                () -> plugin.takeOver(context(Duration.ofMillis(300))));
        assertTrue(e.getMessage().startsWith("mailbox database not mounted by the end of the step: O'Brien Mailboxes "
                + "(Database is in dirty shutdown)"), e.getMessage());
        assertTrue(e.getMessage().contains("eseutil /mh"), e.getMessage());
        assertTrue(runner.count("mount") > 1, "tried more than once");
    }

    @Test
    void aMissingServiceSaysWhatToInstallAndNothingIsMounted() {
        runner.on("start services", has("Start-Service -Name $n"), ok("MISSING|MSExchangeIS"));
        exchange();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        assertEquals("service MSExchangeIS does not exist on this server: install Exchange Server on the target (the "
                + "source's version, with the Mailbox role), or correct exchange.services", e.getMessage());
        assertEquals(List.of("start services"), runner.answered());
    }

    @Test
    void aServiceThatDoesNotStartFailsTheTakeoverWithPowerShellsReason() {
        runner.on("start services", has("Start-Service -Name $n"),
                failed("RUNNING|MSExchangeADTopology\nFAILED|Failed to start service 'Microsoft Exchange Service Host'"));
        exchange();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        assertTrue(e.getMessage().startsWith("cannot start the Exchange services: Failed to start service"),
                e.getMessage());
    }

    @Test
    void releaseDismountsThenStopsEverythingInReverseOrder() throws ApplicationException {
        exchange();
        plugin.release(context());
        assertEquals(List.of("dismount", "stop services"), runner.answered());
        assertTrue(runner.runs().get(0).text().contains("foreach ($d in @('O''Brien Mailboxes', 'DB01'))"));
        assertTrue(runner.runs().get(1).text().contains("foreach ($n in @('MSExchangeTransport', 'MSExchangeIS', "
                + "'MSExchangeRepl', 'MSExchangeServiceHost', 'MSExchangeADTopology'))"));
        assertEquals(List.of("mailbox database O'Brien Mailboxes dismounted", "mailbox database DB01 dismounted",
                "service MSExchangeTransport stopped", "service MSExchangeIS stopped"), events);
    }

    @Test
    void releaseIsQuietWhenExchangeDoesNotRunOrIsNotInstalled() throws ApplicationException {
        runner.on("no shell", has("Dismount-Database"), ok("NO-SHELL|Microsoft.Exchange.Management.PowerShell.SnapIn"))
                .on("nothing runs", has("Stop-Service"), ok(""));
        plugin.release(context());
        assertEquals(List.of("no shell", "nothing runs"), runner.answered());
        assertEquals(List.of(), events);
    }

    @Test
    void aDismountThatFailsFailsTheRelease() {
        runner.on("dismount", has("Dismount-Database"), failed("FAILED|Couldn't dismount the database DB01"));
        exchange();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.release(context()));
        assertTrue(e.getMessage().startsWith("cannot dismount the mailbox databases: Couldn't dismount"),
                e.getMessage());
        assertEquals(List.of("dismount"), runner.answered());
    }

    @Test
    void healthIsUpWhenEveryServiceRunsAndEveryDatabaseIsMounted() {
        exchange();
        Health h = plugin.health(context());
        assertTrue(h.healthy(), h.detail());
        assertEquals("services running; mounted: DB01, O'Brien Mailboxes", h.detail());
        assertTrue(runner.runs().get(0).text().contains("Get-MailboxDatabase -Identity $d -Status"));
    }

    @Test
    void healthIsDownWhenADatabaseIsDismountedOrAServiceStopped() {
        runner.on("health", has("'DATABASE|'"), ok("SERVICE|MSExchangeIS|Stopped\nSERVICE|MSExchangeRepl|Running\n"
                + "DATABASE|DB01|True\nDATABASE|O'Brien Mailboxes|False"));
        exchange();
        Health h = plugin.health(context());
        assertFalse(h.healthy());
        assertEquals("service MSExchangeIS is Stopped; mailbox database O'Brien Mailboxes is not mounted", h.detail());
    }

    @Test
    void healthIsDownWhenTheShellDoesNotAnswer() {
        runner.on("health", has("'DATABASE|'"), failed("SERVICE|MSExchangeIS|Running\nFAILED|Active Directory "
                + "operation failed"));
        Health h = plugin.health(context());
        assertFalse(h.healthy());
        assertTrue(h.detail().contains("Active Directory operation failed"), h.detail());
    }

    @Test
    void prepareOnlyLooksAndReportsWhatIsMissing() throws Exception {
        exchange();
        Files.createDirectories(image.resolve("ExchangeDatabases/DB01"));
        settings.put("paths", "ExchangeDatabases/DB01");
        plugin.prepare(context());
        assertEquals(List.of("check"), runner.answered());
        String check = runner.runs().get(0).text();
        for (String change : List.of("Set-Service", "Start-Service", "Stop-Service", "Mount-Database")) {
            assertFalse(check.contains(change), change);
        }
    }

    @Test
    void prepareNamesAMissingServiceAMissingShellAndAnUnknownDatabase() {
        runner.on("check", has("Get-PSSnapin -Registered"), ok("MISSING|MSExchangeRepl"),
                ok("NO-SHELL|Microsoft.Exchange.Management.PowerShell.SnapIn"), ok("UNKNOWN|DB01"));
        ApplicationException missing = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
        assertTrue(missing.getMessage().startsWith("service MSExchangeRepl does not exist"), missing.getMessage());
        ApplicationException shell = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
        assertTrue(shell.getMessage().startsWith("the Exchange Management Shell (snap-in "
                + "Microsoft.Exchange.Management.PowerShell.SnapIn) is not installed"), shell.getMessage());
        ApplicationException unknown = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
        assertTrue(unknown.getMessage().startsWith("Exchange does not know mailbox database DB01"),
                unknown.getMessage());
        settings.put("paths", "Mailbox");
        ApplicationException folder = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
        assertTrue(folder.getMessage().startsWith("folder Mailbox is not in the image"), folder.getMessage());
    }

    @Test
    void hostileValuesStayLiteralsInsideTheScripts() throws ApplicationException {
        String hostile = "Sales $env:Q1 'EU'; Remove-Item C:\\ -Recurse; '";
        settings.put("databases", hostile);
        runner.on("mount", has("Mount-Database"), ok("MOUNTED|" + hostile));
        exchange();
        plugin.takeOver(context());
        String mount = runner.runs().get(1).text();
        assertTrue(mount.contains("@('Sales $env:Q1 ''EU''; Remove-Item C:\\ -Recurse; ''')"), mount);
        for (ScriptedRunner.Run run : runner.runs()) {
            assertEquals("powershell.exe", run.command().getFirst());
            assertTrue(run.command().stream().noneMatch(arg -> arg.contains("'")), "no quotes on the command line");
        }
    }

    @Test
    void settingsThatCannotWorkAreRefusedBeforeAnythingRuns() {
        settings.remove("databases");
        ApplicationException none = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        assertTrue(none.getMessage().startsWith("exchange.databases is not set"), none.getMessage());
        for (String database : List.of("DB*", "DB?1", "[DB]01", "DB\n01")) {
            settings.put("databases", database);
            ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
            assertTrue(e.getMessage().contains("is not a name"), e.getMessage());
        }
        settings.put("databases", "DB01,db01");
        assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        settings.put("databases", "DB01");
        settings.put("snapin", "x'; Stop-Computer");
        assertThrows(ApplicationException.class, () -> plugin.release(context()));
        settings.remove("snapin");
        for (String path : List.of("..", "Mailbox/../../Windows", "/mnt", "D:\\Exchange")) {
            settings.put("paths", path);
            ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
            assertTrue(e.getMessage().contains("is not a folder inside the image"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> plugin.protectedPaths(settings));
        }
        assertEquals(List.of(), runner.runs());
    }

    @Test
    void protectedPathsAreTheConfiguredFoldersOrTheWholeImage() {
        assertEquals(List.of(""), plugin.protectedPaths(Map.of("databases", "DB01")));
        assertEquals(List.of("Exchange/DB01", "Exchange/Logs"),
                plugin.protectedPaths(Map.of("databases", "DB01", "paths", "Exchange\\DB01,Exchange/Logs")));
    }

    @Test
    void itIsAvailableOnlyOnWindowsAndSaysWhy() {
        assertTrue(ExchangeFailover.availability("Windows Server 2019").available());
        var linux = ExchangeFailover.availability("Linux");
        assertFalse(linux.available());
        assertTrue(linux.reason().contains("runs only on Windows, and this agent runs on Linux"), linux.reason());
    }

    @Test
    void everySettingIsDocumented() {
        assertEquals(List.of("services", "databases", "snapin", "paths", "commandTimeout", "pollInterval"),
                List.copyOf(plugin.settings().keySet()));
    }

    @Test
    void moreNamesThanFitOnAWindowsCommandLineAreRefusedBeforeAnythingRuns() {
        List<String> databases = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            databases.add("Mailbox Database " + i);
        }
        settings.put("databases", String.join(",", databases));
        exchange();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
        assertEquals("the PowerShell script to check Exchange does not fit on a Windows command line: configure fewer "
                + "services or databases per failover", e.getMessage());
        assertEquals(List.of(), runner.runs());
    }
}
