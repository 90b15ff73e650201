package io.doppel.failover.app.windows.sqlserver.internal;

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

class SqlServerFailoverTest {

    private static final String ENGINE = "'MSSQL$SALES'";
    private static final String AGENT = "'SQLAgent$SALES'";
    private static final String ONLINE = "1|ONLINE|master\n2|ONLINE|tempdb\n3|ONLINE|model\n4|ONLINE|msdb\n"
            + "5|ONLINE|Orders\n6|ONLINE|O'Brien Ledger\n";

    @TempDir
    Path image;
    @TempDir
    Path work;

    private final SqlServerFailover plugin = new SqlServerFailover();
    private final ScriptedRunner runner = new ScriptedRunner();
    private final Map<String, String> settings = new HashMap<>(Map.of("instance", "SALES", "pollInterval", "10"));
    private final List<String> events = new ArrayList<>();

    /** The instance as it is on a healthy target; a test puts its own rules first. */
    private ScriptedRunner instance() {
        return runner
                .on("manual+stop engine", has("Set-Service -Name " + ENGINE + " -StartupType Manual"),
                        ok("STOPPING\nSERVICE|Stopped|Manual"))
                .on("manual+stop agent", has("Set-Service -Name " + AGENT + " -StartupType Manual"),
                        ok("SERVICE|Stopped|Manual"))
                .on("start engine", has("Start-Service -Name " + ENGINE), ok("SERVICE|Running|Manual"))
                .on("start agent", has("Start-Service -Name " + AGENT), ok("SERVICE|Running|Manual"))
                .on("stop agent", has("Stop-Service -Name " + AGENT), ok("STOPPING\nSERVICE|Stopped|Manual"))
                .on("stop engine", has("Stop-Service -Name " + ENGINE), ok("STOPPING\nSERVICE|Stopped|Manual"))
                .on("query engine", has("Get-Service -Name " + ENGINE), ok("SERVICE|Running|Manual"))
                .on("query agent", has("Get-Service -Name " + AGENT), ok("SERVICE|Stopped|Manual"))
                .on("databases", has("sys.databases"), ok(ONLINE))
                .on("select 1", has("SELECT 1"), ok("1"))
                .on("sqlcmd", has("sqlcmd -?"), ok("usage: sqlcmd"));
    }

    private FakeContext context(Duration left) {
        return new FakeContext("sales", "sql-a", image, settings, work, Instant.now().plus(left), runner, events);
    }

    private FakeContext context() {
        return context(Duration.ofMinutes(1));
    }

    @Test
    void takeOverStopsTheInstanceBeforeStartingItAndStartsTheAgentOnlyOnceTheDatabasesAreOnline()
            throws ApplicationException {
        instance();
        plugin.takeOver(context());
        assertEquals(List.of("manual+stop engine", "manual+stop agent", "start engine", "query engine", "databases",
                "start agent"), runner.answered());
        assertTrue(events.contains("databases ONLINE: Orders, O'Brien Ledger"), events.toString());
    }

    @Test
    void takeOverWaitsThroughCrashRecovery() throws ApplicationException {
        runner.on("databases", has("sys.databases"), failed("Login failed: the server is starting up"),
                ok("1|ONLINE|master\n5|RECOVERING|Orders"), ok(ONLINE));
        instance();
        plugin.takeOver(context());
        assertEquals(3, runner.count("databases"));
        assertEquals("start agent", runner.answered().getLast());
    }

    @Test
    void aDatabaseThatNeverComesOnlineFailsTheTakeoverAtTheDeadlineAndTheAgentIsNotStarted() {
        settings.put("databases", "Orders");
        runner.on("databases", has("sys.databases"), ok("1|ONLINE|master\n5|RECOVERING|Orders"));
        instance();
        ApplicationException e = assertThrows(ApplicationException.class,
                () -> plugin.takeOver(context(Duration.ofMillis(300))));
        assertTrue(e.getMessage().contains("Orders (RECOVERING)"), e.getMessage());
        assertTrue(e.getMessage().contains("--step-timeout"), e.getMessage());
        assertTrue(runner.count("databases") > 1, "polled more than once");
        assertFalse(runner.answered().contains("start agent"));
    }

    @Test
    void aSuspectDatabaseFailsAtOnceInsteadOfWaitingForTheDeadline() {
        runner.on("databases", has("sys.databases"), ok("5|SUSPECT|Orders"));
        instance();
        ApplicationException e = assertThrows(ApplicationException.class,
                () -> plugin.takeOver(context(Duration.ofHours(1))));
        assertTrue(e.getMessage().contains("Orders (SUSPECT) will not come ONLINE"), e.getMessage());
        assertEquals(1, runner.count("databases"));
    }

    @Test
    void aConfiguredDatabaseThatIsNotAttachedIsNamed() {
        settings.put("databases", "Orders, Archive");
        instance();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        assertTrue(e.getMessage().startsWith("database Archive is not on SQL Server instance SALES"), e.getMessage());
    }

    @Test
    void aMissingInstanceSaysWhatToInstallAndStartsNothing() {
        runner.on("no engine", has("Get-Service -Name " + ENGINE), ok("MISSING"));
        instance();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
        assertEquals("service MSSQL$SALES does not exist on this server: install SQL Server instance SALES on the "
                + "target with the same data paths", e.getMessage());
        assertEquals(List.of("no engine"), runner.answered());
        assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
    }

    @Test
    void aMissingAgentPointsAtTheAgentSetting() {
        runner.on("no agent", has("Get-Service -Name " + AGENT), ok("MISSING"));
        instance();
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
        assertTrue(e.getMessage().contains("set sqlserver.agent=false"), e.getMessage());
    }

    @Test
    void withoutTheAgentOnlyTheEngineIsTouched() throws ApplicationException {
        settings.put("agent", "false");
        instance();
        plugin.takeOver(context());
        plugin.release(context());
        assertEquals(List.of("manual+stop engine", "start engine", "query engine", "databases", "stop engine"),
                runner.answered());
    }

    @Test
    void releaseStopsTheAgentBeforeTheEngine() throws ApplicationException {
        instance();
        plugin.release(context());
        assertEquals(List.of("stop agent", "stop engine"), runner.answered());
        assertEquals(List.of("SQLAgent$SALES stopped", "MSSQL$SALES stopped"), events);
    }

    @Test
    void releaseIsQuietWhenNothingRunsOrTheInstanceIsNotInstalled() throws ApplicationException {
        runner.on("agent stopped", has("Stop-Service -Name " + AGENT), ok("SERVICE|Stopped|Manual"))
                .on("engine missing", has("Stop-Service -Name " + ENGINE), ok("MISSING"));
        plugin.release(context());
        assertEquals(List.of("agent stopped", "engine missing"), runner.answered());
        assertEquals(List.of(), events);
    }

    @Test
    void releaseFailsWhenAServiceCannotBeStopped() {
        runner.on("stuck", has("Stop-Service -Name " + AGENT), failed("STOPPING\nFAILED|Cannot stop service"));
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.release(context()));
        assertTrue(e.getMessage().startsWith("cannot stop service SQLAgent$SALES: Cannot stop service"),
                e.getMessage());
    }

    @Test
    void healthIsUpWhenTheServiceRunsSelect1AnswersAndTheDatabasesAreOnline() {
        instance();
        Health h = plugin.health(context());
        assertTrue(h.healthy(), h.detail());
        assertEquals(List.of("query engine", "select 1", "databases"), runner.answered());
    }

    @Test
    void healthIsDownWhenTheServiceIsStopped() {
        runner.on("engine stopped", has("Get-Service -Name " + ENGINE), ok("SERVICE|Stopped|Manual"));
        instance();
        Health h = plugin.health(context());
        assertFalse(h.healthy());
        assertEquals("service MSSQL$SALES is Stopped", h.detail());
    }

    @Test
    void healthIsDownWhileADatabaseRecovers() {
        runner.on("recovering", has("sys.databases"), ok("5|ONLINE|Orders\n6|RECOVERING|O'Brien Ledger"));
        instance();
        Health h = plugin.health(context());
        assertFalse(h.healthy());
        assertTrue(h.detail().contains("O'Brien Ledger (RECOVERING)"), h.detail());
    }

    @Test
    void healthIsDownWhenSelect1GetsNoAnswer() {
        runner.on("no answer", has("SELECT 1"), failed("Login timeout expired"));
        instance();
        Health h = plugin.health(context());
        assertFalse(h.healthy());
        assertTrue(h.detail().contains("Login timeout expired"), h.detail());
    }

    @Test
    void prepareOnlyLooksAndFindsMissingFoldersInTheImage() throws Exception {
        instance();
        Files.createDirectories(image.resolve("SQLData/DATA"));
        settings.put("paths", "SQLData/DATA");
        plugin.prepare(context());
        assertEquals(List.of("query engine", "query agent", "sqlcmd"), runner.answered());
        assertTrue(runner.runs().stream().noneMatch(r -> r.text().contains("Set-Service")
                || r.text().contains("Start-Service") || r.text().contains("Stop-Service")));
        settings.put("paths", "SQLData/DATA,SQLLogs");
        ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
        assertTrue(e.getMessage().startsWith("folder SQLLogs is not in the image"), e.getMessage());
    }

    @Test
    void theDefaultInstanceUsesItsOwnServiceNamesAndTheLocalServer() throws ApplicationException {
        settings.remove("instance");
        runner.on("stop agent", has("Stop-Service -Name 'SQLSERVERAGENT'"), ok("MISSING"))
                .on("stop engine", has("Stop-Service -Name 'MSSQLSERVER'"), ok("SERVICE|Stopped|Manual"))
                .on("engine", has("Get-Service -Name 'MSSQLSERVER'"), ok("SERVICE|Running|Manual"))
                .on("select 1", has("SELECT 1"), ok("1"))
                .on("databases", has("sys.databases"), ok(ONLINE));
        assertTrue(plugin.health(context()).healthy());
        assertEquals(List.of("sqlcmd", "-S", ".", "-E", "-C", "-b", "-l", "10", "-h", "-1", "-W", "-f", "65001",
                "-Q", Sqlcmd.SELECT_1), runner.runs().get(1).command());
        plugin.release(context());
        assertEquals(List.of("engine", "select 1", "databases", "stop agent", "stop engine"), runner.answered());
    }

    @Test
    void namesGoIntoPowerShellAsLiteralsAndDatabaseNamesNeverGoIntoACommand() throws ApplicationException {
        settings.put("databases", "O'Brien Ledger");
        instance();
        plugin.takeOver(context());
        for (ScriptedRunner.Run run : runner.runs()) {
            assertFalse(run.text().contains("\"MSSQL$SALES\""), run.text());
            assertFalse(run.text().contains("Brien"), run.text());
            assertEquals(Map.of(), run.environment());
            assertTrue(run.command().getFirst().equals("powershell.exe") || run.command().getFirst().equals("sqlcmd"));
        }
        assertTrue(runner.runs().getFirst().text().contains("Get-Service -Name 'MSSQL$SALES' -ErrorAction"));
    }

    @Test
    void everyCommandEndsByTheDeadline() throws ApplicationException {
        settings.put("commandTimeout", "3600");
        instance();
        plugin.takeOver(context(Duration.ofSeconds(30)));
        assertTrue(runner.runs().stream().allMatch(r -> r.timeout().compareTo(Duration.ofSeconds(30)) <= 0));
    }

    @Test
    void hostileSettingsAreRefusedBeforeAnythingRuns() {
        for (String instance : List.of("SALES'; Stop-Computer; '", "SALES*", "A_NAME_LONGER_THAN_16", "SA LES")) {
            settings.put("instance", instance);
            ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.takeOver(context()));
            assertTrue(e.getMessage().contains("is not a SQL Server instance name"), e.getMessage());
        }
        settings.put("instance", "SALES");
        for (String path : List.of("../outside", "data/../../etc", "/var/opt", "C:\\Program Files", "\\\\srv\\share")) {
            settings.put("paths", path);
            ApplicationException e = assertThrows(ApplicationException.class, () -> plugin.prepare(context()));
            assertTrue(e.getMessage().contains("is not a folder inside the image"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> plugin.protectedPaths(settings));
        }
        settings.put("paths", "");
        settings.put("agent", "yes");
        assertThrows(ApplicationException.class, () -> plugin.release(context()));
        assertEquals(List.of(), runner.runs());
    }

    @Test
    void protectedPathsAreTheConfiguredFoldersOrTheWholeImage() {
        assertEquals(List.of(""), plugin.protectedPaths(Map.of()));
        assertEquals(List.of("SQLData/DATA", "SQLLogs"), plugin.protectedPaths(Map.of("paths", "SQLData\\DATA, SQLLogs")));
    }

    @Test
    void itIsAvailableOnlyOnWindowsAndSaysWhy() {
        assertTrue(SqlServerFailover.availability("Windows Server 2022").available());
        var linux = SqlServerFailover.availability("Linux");
        assertFalse(linux.available());
        assertTrue(linux.reason().contains("runs only on Windows, and this agent runs on Linux"), linux.reason());
        if (!System.getProperty("os.name").startsWith("Windows")) {
            assertFalse(plugin.availability().available());
        }
    }

    @Test
    void everySettingIsDocumented() {
        assertEquals(List.of("instance", "agent", "databases", "paths", "sqlcmd", "commandTimeout", "pollInterval"),
                List.copyOf(plugin.settings().keySet()));
    }
}
