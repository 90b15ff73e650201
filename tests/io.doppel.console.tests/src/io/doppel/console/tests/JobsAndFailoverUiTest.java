package io.doppel.console.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.eclipse.core.runtime.preferences.IEclipsePreferences;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.views.properties.PropertySheet;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.handlers.IHandlerService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.api.failover.FailoverState;
import io.doppel.api.job.JobState;
import io.doppel.console.internal.connect.ConsolePreferences;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.FailoverRef;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.ui.AgentActions;
import io.doppel.console.internal.ui.FailoverActionHandler;
import io.doppel.console.internal.ui.JobColumn;
import io.doppel.console.internal.ui.JobsView;
import io.doppel.console.internal.ui.ServerColumn;
import io.doppel.console.internal.ui.ServersView;
import io.doppel.console.internal.ui.VerifyReportView;
import io.doppel.console.internal.wizards.JobSettingsDialog;
import io.doppel.console.internal.wizards.JobSettingsHandler;
import io.doppel.console.internal.workbench.DoppelPerspective;
import io.doppel.management.AgentAddress;
import io.doppel.management.ManagementClient;
import io.doppel.testing.AgentProcess;

/**
 * The jobs and failovers an admin sees and acts on, against two real agents replicating a directory:
 * the Jobs view's rows and their mirror progress, the job and failover rows beneath the servers, the
 * actions through their commands and confirmations (verify, repair, stop, take over, fail back), and
 * a refusal shown as a dialog with a next step. The tests run in order: one story, one pair of agents.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobsAndFailoverUiTest {

    private static final String SOURCE = "jobs-ui-source";
    private static final String TARGET = "jobs-ui-target";
    private static final String JOB = "site";
    private static final String FAILOVER = "site-takeover";
    private static final int FILES = 48;
    private static final int FILE_BYTES = 256 * 1024;
    private static final Duration LONG = Duration.ofSeconds(90);

    private static AgentPair agents;
    private static AgentProcess source;
    private static AgentProcess target;
    private static Path data;
    private static int previousRefresh;

    private final IWorkbench workbench = PlatformUI.getWorkbench();
    private final Ui ui = new Ui(Display.getCurrent());
    private ServerRegistry registry;
    private IWorkbenchPage page;

    @BeforeAll
    static void startAgentsAndAJob() throws Exception {
        agents = AgentPair.start("jobs-ui", SOURCE, TARGET);
        source = agents.source;
        target = agents.target;
        data = Files.createDirectories(agents.work.resolve("data"));
        Random random = new Random(42);
        for (int i = 0; i < FILES; i++) {
            byte[] bytes = new byte[FILE_BYTES];
            random.nextBytes(bytes);
            Files.write(data.resolve("file-" + i + ".bin"), bytes);
        }
        IEclipsePreferences preferences = ConsolePreferences.node();
        previousRefresh = preferences.getInt(ConsolePreferences.REFRESH_SECONDS, ConsolePreferences.DEFAULT_REFRESH_SECONDS);
        preferences.putInt(ConsolePreferences.REFRESH_SECONDS, 1); // the mirror moves in steps the test can see

        JsonObject job = args("name", JOB, "source", data.toString(), "target", target.replicationAddress(),
                "targetFingerprint", agents.targetFingerprint, "mirror", "full",
                // 12 MiB at 1.5 MB/s: the first copy takes several refreshes, so its progress is seen moving
                "bandwidth", "1500KB/s");
        call(source, "job.create", job);
        JsonObject failover = args("name", FAILOVER, "source", SOURCE, "image", JOB, "mode", "MANUAL");
        JsonArray addresses = new JsonArray();
        addresses.add("127.0.0.1");
        failover.add("addresses", addresses);
        failover.addProperty("agentPort", AgentAddress.parse(source.address()).port());
        failover.addProperty("maxBehindOps", -1);
        call(target, "failover.create", failover);
        call(target, "failover.start", args("name", FAILOVER));
    }

    @AfterAll
    static void stopAgents() {
        ConsolePreferences.node().putInt(ConsolePreferences.REFRESH_SECONDS, previousRefresh);
        if (agents != null) {
            agents.close();
        }
    }

    @BeforeEach
    void openPerspectiveWithBothServers() throws Exception {
        assertNotNull(Display.getCurrent(), "tests must run on the UI thread (useUIThread)");
        IWorkbenchWindow window = workbench.getActiveWorkbenchWindow();
        page = workbench.showPerspective(DoppelPerspective.ID, window);
        window.getShell().setSize(1500, 900);
        registry = workbench.getService(ServerRegistry.class);
        agents.showIn(registry, ui);
    }

    @AfterEach
    void closeDialogs() {
        ui.closeDialogs(workbench.getActiveWorkbenchWindow().getShell());
    }

    @Test
    @Order(1)
    void theJobsViewShowsTheFirstCopyMovingThenReplicatingAndTheTreeShowsJobAndFailover() throws Exception {
        JobsView jobs = (JobsView) page.showView(JobsView.ID);
        execute("io.doppel.console.commands.job.start", jobRef());
        List<String> progress = new ArrayList<>();
        try {
        ui.await(LONG, () -> {
            row(jobs).ifPresent(r -> {
                String mirror = r.getText(JobColumn.MIRROR.ordinal());
                if (mirror.matches("\\d+% .*") && !progress.contains(mirror)) {
                    progress.add(mirror);
                }
            });
            return row(jobs).map(r -> r.getText(JobColumn.STATE.ordinal()).equals("Replicating")
                    && r.getText(JobColumn.MIRROR.ordinal()).startsWith("done")).orElse(false);
        }, "the job replicating after its first copy");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; row: " + row(jobs).map(r -> Arrays.stream(JobColumn.values())
                    .map(c -> r.getText(c.ordinal())).toList()).orElse(null) + "; progress seen: " + progress
                    + "; source agent output:\n" + source.output(), e);
        }
        assertTrue(progress.stream().map(p -> Integer.parseInt(p.substring(0, p.indexOf('%')))).distinct().count() >= 2,
                () -> "the mirror's progress was seen at two different points at least: " + progress);
        TableItem row = row(jobs).orElseThrow();
        assertEquals(SOURCE, row.getText(JobColumn.SERVER.ordinal()));
        assertEquals(target.replicationAddress() + "/" + JOB, row.getText(JobColumn.TARGET.ordinal()));
        assertEquals("", row.getText(JobColumn.LAST_ERROR.ordinal()));
        // every file and the directory itself; all content travelled (a full mirror into an empty image)
        assertEquals("done: " + (FILES + 1) + " files, 12.0 MiB sent", row.getText(JobColumn.MIRROR.ordinal()));

        // the filter hides what does not match and shows what does
        ui.enter(jobs.filter(), "no-such-job");
        assertEquals(0, jobs.viewer().getTable().getItemCount());
        ui.enter(jobs.filter(), SOURCE);
        assertEquals(1, jobs.viewer().getTable().getItemCount());
        ui.enter(jobs.filter(), "");

        // beneath each server in the Servers view: the job on the source, the failover on the target
        ServersView servers = (ServersView) page.showView(ServersView.ID);
        ui.await(() -> child(servers, source, "Job " + JOB).isPresent() && child(servers, target, "Failover " + FAILOVER)
                .map(f -> f.getText(ServerColumn.STATE.ordinal()).equals("Healthy")).orElse(false),
                "the job beneath the source and the healthy failover beneath the target");
        assertEquals("Replicating", child(servers, source, "Job " + JOB).orElseThrow().getText(ServerColumn.STATE.ordinal()));
        assertEquals("\u2190 " + SOURCE + "/" + JOB, child(servers, target, "Failover " + FAILOVER).orElseThrow()
                .getText(ServerColumn.ADDRESS.ordinal()));
        ui.publishScreenshot(workbench.getActiveWorkbenchWindow().getShell(), "console-jobs.png");
    }

    @Test
    @Order(2)
    void thePropertiesViewListsTheSelectedJobsDefinitionAndFigures() throws Exception {
        JobsView jobs = (JobsView) page.showView(JobsView.ID);
        ui.await(() -> row(jobs).isPresent(), "the job's row");
        jobs.viewer().setSelection(new StructuredSelection(jobRef()), true);
        PropertySheet sheet = (PropertySheet) page.showView(IPageLayout.ID_PROP_SHEET);
        page.activate(jobs); // the sheet follows the active part's selection
        ui.dispatchPending();
        Tree tree = (Tree) sheet.getCurrentPage().getControl();
        ui.await(() -> property(tree, "Source directory").isPresent(), "the job's properties");
        assertEquals(data.toString(), property(tree, "Source directory").orElseThrow());
        assertEquals(JOB, property(tree, "Image").orElseThrow());
        assertEquals("Replicating", property(tree, "State").orElseThrow());
        assertEquals("1500KB/s", property(tree, "Bandwidth").orElseThrow());
    }

    /** The value of a property in the sheet's tree (categories expanded). */
    private static java.util.Optional<String> property(Tree tree, String name) {
        List<TreeItem> items = new ArrayList<>();
        for (TreeItem category : tree.getItems()) {
            category.setExpanded(true);
            items.add(category);
            items.addAll(Arrays.asList(category.getItems()));
        }
        return items.stream().filter(i -> name.equals(i.getText(0))).map(i -> i.getText(1)).findFirst();
    }

    @Test
    @Order(3)
    void verifyFindsAFlippedByteOnTheTargetAndRepairFixesIt() throws Exception {
        execute("io.doppel.console.commands.job.verify", jobRef());
        VerifyReportView report = awaitReport(r -> !r.running() && r.equal(), "a clean verification");
        assertEquals(0, report.differences().getTable().getItemCount());

        Path replica = target.home().resolve("images/" + SOURCE + "/" + JOB + "/file-7.bin");
        byte[] bytes = Files.readAllBytes(replica);
        bytes[1000] ^= 0x5a;
        Files.write(replica, bytes);

        ui.click(Ui.button(report.getSite().getShell(), "&Verify Again"));
        awaitReport(r -> !r.running() && r.different() == 1, "the flipped byte found");
        TableItem difference = report.differences().getTable().getItem(0);
        assertEquals("file-7.bin", difference.getText(0));
        assertEquals("different", difference.getText(1));

        ui.click(Ui.button(report.getSite().getShell(), "Verify and &Repair\u2026"));
        Shell confirm = ui.awaitShell(VerifyReportView.REPAIR_TITLE_PREFIX + JOB + "'");
        assertTrue(Ui.allLabels(confirm).contains("What is missing or differs on the target is sent again"),
                Ui.allLabels(confirm));
        ui.click(Ui.button(confirm, "&Repair"));
        awaitReport(r -> !r.running() && r.repair() && r.repaired() == 1, "the difference repaired");
        ui.await(LONG, () -> Arrays.equals(readQuietly(data.resolve("file-7.bin")), readQuietly(replica)),
                "the replica equal to the source again");
        assertArrayEquals(Files.readAllBytes(data.resolve("file-7.bin")), Files.readAllBytes(replica));
    }

    @Test
    @Order(4)
    void theBandwidthAndTheRulesOfTheRunningJobChangeThroughTheirDialogAndABadRateIsRefused() throws Exception {
        execute(JobSettingsHandler.COMMAND, jobRef());
        Shell dialog = ui.awaitShell(JobSettingsDialog.TITLE_PREFIX + JOB + "'");
        assertEquals("1500KB/s", Ui.textAfterLabel(dialog, "&Bandwidth:").getText(), "the current schedule to edit");
        ui.enter(Ui.textAfterLabel(dialog, "&Bandwidth:"), "fast");
        ui.click(Ui.button(dialog, "&Change"));
        Shell refused = ui.awaitShell(AgentActions.FAILED_TITLE_PREFIX + "change the bandwidth of job '" + JOB + "' on "
                + SOURCE);
        assertTrue(Ui.allLabels(refused).contains("'fast' is not a rate"), Ui.allLabels(refused));
        assertTrue(Ui.allLabels(refused).contains("Next step: Correct what the agent names above"),
                Ui.allLabels(refused));
        refused.close();
        assertEquals("1500KB/s", jobRef().status().definition().bandwidth(), "a refused change changes nothing");

        execute(JobSettingsHandler.COMMAND, jobRef());
        dialog = ui.awaitShell(JobSettingsDialog.TITLE_PREFIX + JOB + "'");
        ui.enter(Ui.textAfterLabel(dialog, "&Bandwidth:"), "20MB/s");
        ui.enter(Ui.find(dialog, org.eclipse.swt.widgets.Text.class, t -> t.getMessage().startsWith("pattern")).orElseThrow(),
                "*.tmp");
        ui.click(Ui.button(dialog, "&Add Rule"));
        ui.click(Ui.button(dialog, "&Change"));
        ui.await(LONG, () -> "20MB/s".equals(jobRef().status().definition().bandwidth())
                && List.of("- *.tmp").equals(jobRef().status().definition().rules()),
                "the running job with the new bandwidth and rules");
        assertEquals(JobState.REPLICATING, jobRef().state(), "changed while it runs");
    }

    @Test
    @Order(5)
    void aRefusedActionIsADialogWithTheAgentsReasonAndANextStep() {
        JsonObject args = new JsonObject();
        args.addProperty("name", JOB);
        AgentActions.run(registry, Display.getCurrent(), server(source), "delete job '" + JOB + "'", "job.delete", args,
                null);
        Shell error = ui.awaitShell(AgentActions.FAILED_TITLE_PREFIX + "delete job '" + JOB + "' on " + SOURCE);
        String text = Ui.allLabels(error);
        assertTrue(text.contains("Could not delete job '" + JOB + "'"), text);
        assertTrue(text.contains("Next step:"), text);
        assertFalse(text.contains("Exception"), text);
        assertFalse(text.contains("\tat "), text);
        error.close();
    }

    @Test
    @Order(6)
    void failOverNowStatesThePlanAndTakesOverThenFailBackGivesItBack() throws Exception {
        execute("io.doppel.console.commands.job.stop", jobRef());
        Shell stop = ui.awaitShell("Stop job '" + JOB + "'");
        assertTrue(Ui.allLabels(stop).contains("no longer captured"), Ui.allLabels(stop));
        ui.click(Ui.button(stop, "&Stop"));
        ui.await(LONG, () -> jobRef().state() == JobState.STOPPED, "the job stopped");

        execute("io.doppel.console.commands.failover.now", failoverRef());
        Shell plan = ui.awaitShell(FailoverActionHandler.TAKEOVER_TITLE + FAILOVER);
        String text = Ui.allLabels(plan);
        assertTrue(text.contains(TARGET + " takes over from " + SOURCE), text);
        assertTrue(text.contains("1. Stop applying replication from " + SOURCE + " and unlock the image '" + JOB + "'"),
                text);
        assertTrue(text.contains("split brain"), text); // the source still answers
        // Cancel is the default: nothing happens without the admin's word
        ui.click(Ui.button(plan, "Cancel"));
        ui.await(plan::isDisposed, "the plan to close");
        assertEquals(FailoverState.HEALTHY, failoverRef().status().state());

        execute("io.doppel.console.commands.failover.now", failoverRef());
        plan = ui.awaitShell(FailoverActionHandler.TAKEOVER_TITLE + FAILOVER);
        ui.click(Ui.find(plan, org.eclipse.swt.widgets.Button.class,
                b -> b.getText().startsWith("The source is down or fenced")).map(b -> {
                    b.setSelection(true);
                    return b;
                }).orElseThrow());
        ui.click(Ui.button(plan, "&Take Over"));
        ui.await(LONG, () -> failoverRef().status().state() == FailoverState.FAILED_OVER, "the takeover done");

        execute("io.doppel.console.commands.failover.failback", failoverRef());
        Shell back = ui.awaitShell(FailoverActionHandler.FAILBACK_TITLE + FAILOVER);
        assertTrue(Ui.allLabels(back).contains("gives back the identity of " + SOURCE), Ui.allLabels(back));
        ui.click(Ui.button(back, "&Fail Back"));
        ui.await(LONG, () -> failoverRef().status().state() == FailoverState.FAILING_BACK,
                "the identity given back, the image waiting for the source's restore");

        // the source restores itself from the image (Restore Source… on its stopped job); then monitoring resumes
        execute("io.doppel.console.commands.job.restore", jobRef());
        Shell restore = ui.awaitShell("Restore job '" + JOB + "'");
        assertTrue(Ui.allLabels(restore).contains("is made equal to the target's image"), Ui.allLabels(restore));
        ui.click(Ui.button(restore, "&Restore"));
        ui.await(LONG, () -> jobRef().state() == JobState.REPLICATING
                && failoverRef().status().state() == FailoverState.HEALTHY,
                "the source restored and replicating, the failover healthy again");
    }

    private void execute(String command, Object selected) throws Exception {
        ServersView servers = (ServersView) page.showView(ServersView.ID);
        servers.viewer().setSelection(new StructuredSelection(selected), true);
        ui.dispatchPending();
        workbench.getActiveWorkbenchWindow().getService(IHandlerService.class).executeCommand(command, null);
        ui.dispatchPending();
    }

    private VerifyReportView awaitReport(java.util.function.Predicate<io.doppel.api.job.VerifyReport> done,
            String description) {
        VerifyReportView[] view = new VerifyReportView[1];
        ui.await(LONG, () -> {
            view[0] = (VerifyReportView) page.findView(VerifyReportView.ID);
            return view[0] != null && view[0].report() != null && done.test(view[0].report());
        }, description + "; report: " + (view[0] == null ? null : view[0].report()));
        return view[0];
    }

    private JobRef jobRef() {
        JobRef[] job = new JobRef[1];
        ui.await(() -> (job[0] = server(source).job(JOB)) != null, "the job in the model");
        return job[0];
    }

    private FailoverRef failoverRef() {
        return server(target).failovers().stream().filter(f -> f.name().equals(FAILOVER)).findFirst().orElseThrow();
    }

    private Server server(AgentProcess agent) {
        return registry.model().find(AgentAddress.parse(agent.address())).orElseThrow();
    }

    private static java.util.Optional<TableItem> row(JobsView view) {
        return Arrays.stream(view.viewer().getTable().getItems())
                .filter(i -> JOB.equals(i.getText(JobColumn.JOB.ordinal()))).findFirst();
    }

    private java.util.Optional<TreeItem> child(ServersView view, AgentProcess agent, String name) {
        view.viewer().expandAll();
        return Arrays.stream(view.viewer().getTree().getItems())
                .filter(i -> agent.address().equals(i.getText(ServerColumn.ADDRESS.ordinal())))
                .flatMap(i -> Arrays.stream(i.getItems()))
                .filter(i -> name.equals(i.getText(ServerColumn.NAME.ordinal()))).findFirst();
    }

    private static byte[] readQuietly(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static JsonElement call(AgentProcess agent, String command, JsonObject args) throws Exception {
        return Agents.call(agent, command, args);
    }

    private static JsonObject args(String... keyValues) {
        return ManagementClient.args(keyValues);
    }
}
