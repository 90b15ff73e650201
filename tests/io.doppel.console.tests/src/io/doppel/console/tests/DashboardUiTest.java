package io.doppel.console.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.core.runtime.preferences.IEclipsePreferences;
import org.eclipse.jface.preference.PreferenceDialog;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Menu;
import org.eclipse.swt.widgets.MenuItem;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchPart;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.dialogs.PreferencesUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;


import io.doppel.api.event.Severity;
import io.doppel.api.job.JobState;
import io.doppel.console.internal.connect.ConsolePreferences;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.dashboard.Colours;
import io.doppel.console.internal.dashboard.DashboardView;
import io.doppel.console.internal.dashboard.JobLine;
import io.doppel.console.internal.dashboard.ServerTile;
import io.doppel.console.internal.events.EventDetailsDialog;
import io.doppel.console.internal.events.EventRow;
import io.doppel.console.internal.events.EventsView;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.preferences.DoppelPreferencePage;
import io.doppel.console.internal.workbench.DoppelPerspective;
import io.doppel.management.AgentAddress;
import io.doppel.management.ManagementClient;
import io.doppel.testing.AgentProcess;
import io.doppel.testing.Await;

/**
 * The dashboard, the events view and the preferences against two real agents replicating a directory:
 * the job shown replicating with its mirror complete and its lag drawn, the job's events listed and
 * filtered, and an agent that stops shown as unreachable while the window keeps responding. The
 * tests run in order: one story, one pair of agents (the last one stops the source).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardUiTest {

    private static final String SOURCE = "dash-source";
    private static final String TARGET = "dash-target";
    private static final String JOB = "docs";
    private static final String OFFSITE = "offsite";
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
        agents = AgentPair.start("dashboard-ui", SOURCE, TARGET);
        source = agents.source;
        target = agents.target;
        data = Files.createDirectories(agents.work.resolve("data"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(data.resolve("page-" + i + ".html"), "<p>page " + i + "</p>\n".repeat(200 * i + 1));
        }
        IEclipsePreferences preferences = ConsolePreferences.node();
        previousRefresh = preferences.getInt(ConsolePreferences.REFRESH_SECONDS, ConsolePreferences.DEFAULT_REFRESH_SECONDS);
        preferences.putInt(ConsolePreferences.REFRESH_SECONDS, 1);

        Agents.call(source, "job.create", ManagementClient.args("name", JOB, "source", data.toString(), "target",
                target.replicationAddress(), "targetFingerprint", agents.targetFingerprint));
        Agents.call(source, "job.start", ManagementClient.args("name", JOB));
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
        page = workbench.showPerspective(DoppelPerspective.ID, workbench.getActiveWorkbenchWindow());
        workbench.getActiveWorkbenchWindow().getShell().setSize(1400, 900);
        registry = workbench.getService(ServerRegistry.class);
        for (String address : List.of(source.address(), target.address())) {
            if (registry.model().find(AgentAddress.parse(address)).isEmpty()) {
                AgentProcess agent = address.equals(source.address()) ? source : target;
                registry.add(new ServerEntry(AgentAddress.parse(address), agent.tokenFile()), null);
            }
        }
        for (Server server : registry.model().servers()) {
            String address = server.entry().address().toString();
            if (!address.equals(source.address()) && !address.equals(target.address())) {
                registry.remove(server); // left by other tests
            }
        }
    }

    @AfterEach
    void restoreViews() {
        ui.closeDialogs(workbench.getActiveWorkbenchWindow().getShell());
        if (page != null && page.getActivePartReference() != null) {
            page.setPartState(page.getActivePartReference(), IWorkbenchPage.STATE_RESTORED);
        }
        ui.dispatchPending();
    }

    @Test
    @Order(1)
    void theDashboardShowsTheJobReplicatingWithItsMirrorDoneAndDrawsItsLagAndThroughput() throws Exception {
        openThroughWindowMenu("Dashboard");
        DashboardView dashboard = (DashboardView) page.findView(DashboardView.ID);
        assertNotNull(dashboard, "Window > Dashboard opens the dashboard");
        maximize(dashboard);
        Server sourceServer = server(source);
        JobLine line = awaitLine(dashboard, sourceServer, l -> "Replicating".equals(l.stateText())
                && l.mirror().text().startsWith("done 100 %"), "the job replicating with its mirror done");
        assertEquals(JobState.REPLICATING, line.job().state());
        assertEquals(100, line.mirror().percent(), line.mirror().text());

        // live changes: replicated, the lag is measured and stays far below the alarm (green)
        Files.writeString(data.resolve("live.html"), "written while the dashboard watches\n");
        Path replica = target.home().resolve("images/" + SOURCE + "/" + JOB + "/live.html");
        ui.await(() -> Files.exists(replica), "the live change to reach the target image " + replica);
        ui.await(() -> line.job().status().lagMillis() >= 0 && line.lagColour() == Colours.GOOD,
                "a measured lag shown in green; it reads " + line.lagText());

        // the charts draw the samples of each refresh
        ui.await(() -> {
            line.lagChart().redraw();
            line.lagChart().update();
            line.throughputChart().redraw();
            line.throughputChart().update();
            return line.lagChart().paintedPoints() >= 2 && line.throughputChart().paintedPoints() >= 2;
        }, "both charts to draw at least two samples");
        assertTrue(line.lagChart().sampleCount() >= line.lagChart().paintedPoints());
        assertEquals(line.job().history().samples().size(), line.lagChart().sampleCount(),
                "the chart shows the job's history of the last hour");

        ServerTile tile = dashboard.tile(sourceServer);
        assertEquals("Connected", tile.stateText());
        assertEquals(Colours.GOOD, tile.stateColour());
        assertEquals("1 job: 1 replicating", tile.jobsText());
        assertEquals("Connected", dashboard.tile(server(target)).stateText());

        // a click on the job's line makes its JobRef the view's selection, for other views to follow
        Event click = new Event();
        click.button = 1;
        line.mirror().notifyListeners(SWT.MouseDown, click);
        assertSame(line.job(), dashboard.selectedJob());
        IStructuredSelection selection = (IStructuredSelection) dashboard.getSite().getSelectionProvider().getSelection();
        assertSame(line.job(), selection.getFirstElement());

        ui.await(() -> dashboard.latestEvents().getItemCount() > 0, "latest events listed");
        ui.publishScreenshot(workbench.getActiveWorkbenchWindow().getShell(), "console-dashboard.png");
    }

    @Test
    @Order(2)
    void theEventsViewListsTheJobsEventsNewestFirstAndItsFiltersNarrowThem() throws Exception {
        for (int i = 0; i < 5; i++) {
            Files.writeString(data.resolve("more-" + i + ".html"), "more " + i + "\n");
        }
        // a second job whose target does not listen: its DISCONNECTED state is logged as a warning
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path offsite = Files.createDirectories(data.resolveSibling("offsite-data"));
            Agents.call(source, "job.create", ManagementClient.args("name", OFFSITE, "source", offsite.toString(), "target",
                    "127.0.0.1:" + closed.getLocalPort()));
        }
        Agents.call(source, "job.start", ManagementClient.args("name", OFFSITE));
        openThroughWindowMenu("Events");
        EventsView events = (EventsView) page.findView(EventsView.ID);
        assertNotNull(events, "Window > Events opens the events");
        maximize(events);
        Server sourceServer = server(source);
        ui.await(() -> events.shownRows().stream().anyMatch(r -> r.server() == sourceServer
                && "mirror.done".equals(r.event().code()) && JOB.equals(r.event().job())),
                "the job's mirror.done event in the Events view; rows: " + events.shownRows());
        ui.await(() -> events.shownRows().stream().anyMatch(r -> r.event().severity() == Severity.WARNING
                && OFFSITE.equals(r.event().job())), "the unreachable target's warning; rows: " + events.shownRows());
        List<EventRow> all = events.shownRows();
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i - 1).event().timeMillis() >= all.get(i).event().timeMillis(), "newest first: " + all);
        }
        assertEquals(all.size() + " events shown of " + all.size(), events.countLine());
        assertTrue(all.stream().anyMatch(r -> "job.state".equals(r.event().code())), "job.state events: " + all);

        ui.publishScreenshot(workbench.getActiveWorkbenchWindow().getShell(), "console-events.png");

        // text: rows whose code, job and message do not contain it are hidden
        ui.enter(events.textFilter(), "mirror.done");
        ui.await(() -> !events.shownRows().isEmpty() && events.shownRows().stream()
                .allMatch(r -> "mirror.done".equals(r.event().code())), "only mirror.done rows");
        int mirrorRows = events.shownRows().size();
        assertTrue(events.countLine().matches(mirrorRows + " events? shown of \\d+"), events.countLine());
        ui.enter(events.textFilter(), "");
        // all rows: those seen before and whatever the agents logged since (the offsite job keeps retrying)
        ui.await(() -> events.shownRows().size() >= all.size()
                && events.countLine().matches("(\\d+) events? shown of \\1"),
                "all rows again once the text is cleared; " + events.countLine());

        // severity at least Warning hides the informational rows, mirror.done among them
        events.severityFilter().select(2);
        events.severityFilter().notifyListeners(SWT.Selection, new Event());
        ui.await(() -> events.shownRows().stream().allMatch(r -> r.event().severity().compareTo(Severity.WARNING) >= 0)
                && events.shownRows().stream().anyMatch(r -> OFFSITE.equals(r.event().job()))
                && events.shownRows().size() < all.size(), "only warnings and worse");
        events.severityFilter().select(0);
        events.severityFilter().notifyListeners(SWT.Selection, new Event());

        // server: the target's events only
        Server targetServer = server(target);
        events.serverFilter().select(events.serverFilter().indexOf(targetServer.displayName()));
        events.serverFilter().notifyListeners(SWT.Selection, new Event());
        ui.await(() -> events.shownRows().stream().allMatch(r -> r.server() == targetServer),
                "only the target's events");
        events.serverFilter().select(0);
        events.serverFilter().notifyListeners(SWT.Selection, new Event());
        ui.await(() -> events.shownRows().size() >= all.size(), "every row again");

        // Enter (or a double-click) on a row opens its details; the message can be selected and copied
        int index = events.shownRows().indexOf(events.shownRows().stream()
                .filter(r -> "mirror.done".equals(r.event().code())).findFirst().orElseThrow());
        EventRow chosen = events.shownRows().get(index);
        events.viewer().getTable().setSelection(index);
        events.viewer().getTable().notifyListeners(SWT.Selection, new Event());
        AtomicReference<String> seen = new AtomicReference<>();
        closeDialogWhenOpen(EventDetailsDialog.TITLE, shell -> seen.set(Ui.allLabels(shell)));
        events.viewer().getTable().notifyListeners(SWT.DefaultSelection, new Event());
        ui.await(() -> seen.get() != null, "the event's details dialog");
        assertTrue(seen.get().contains(chosen.event().message()), seen.get());
        assertTrue(seen.get().contains("mirror.done"), seen.get());
        assertTrue(seen.get().contains(JOB), seen.get());

        // live: a new event appears at the top and the selected row stays selected
        int held = events.shownRows().size();
        Agents.call(source, "job.stop", ManagementClient.args("name", OFFSITE));
        ui.await(() -> events.shownRows().size() > held, "the offsite job's stop to be listed");
        EventRow top = events.shownRows().get(0);
        assertEquals(OFFSITE, top.event().job(), "newest on top: " + top);
        int[] selected = events.viewer().getTable().getSelectionIndices();
        assertEquals(1, selected.length);
        assertSame(chosen, events.shownRows().get(selected[0]), "the selection follows its row");
        IStructuredSelection viewerSelection = events.viewer().getStructuredSelection();
        assertSame(chosen, viewerSelection.getFirstElement());
    }

    @Test
    @Order(3)
    void thePreferencePageEditsTheConsoleSettingsWithinTheirBounds() throws Exception {
        int before = ConsolePreferences.node().getInt(ConsolePreferences.LAG_ALARM_SECONDS,
                ConsolePreferences.DEFAULT_LAG_ALARM_SECONDS);
        PreferenceDialog dialog = PreferencesUtil.createPreferenceDialogOn(workbench.getActiveWorkbenchWindow()
                .getShell(), DoppelPreferencePage.ID, new String[] { DoppelPreferencePage.ID }, null);
        dialog.setBlockOnOpen(false);
        dialog.open();
        try {
            Shell shell = dialog.getShell();
            Text lagAlarm = Ui.textAfterLabel(shell, "&Lag alarm for jobs without an RPO (seconds):");
            assertEquals(Integer.toString(before), lagAlarm.getText());
            Ui.textAfterLabel(shell, "&Refresh connected agents every (seconds):");
            Ui.textAfterLabel(shell, "Connection &timeout (seconds):");
            Button apply = Ui.find(shell, Button.class, b -> b.getText().contains("Apply and Close")).orElseThrow();

            assertTrue(apply.isEnabled(), () -> "enabled at first; the page says: " + Ui.allLabels(shell)
                    + ((org.eclipse.jface.preference.IPreferencePage) dialog.getSelectedPage()).getErrorMessage());
            type(lagAlarm, "0");
            assertFalse(apply.isEnabled(), "0 is below the bound");
            String error = ((org.eclipse.jface.preference.IPreferencePage) dialog.getSelectedPage()).getErrorMessage();
            assertEquals("Lag alarm for jobs without an RPO (seconds) must be a whole number from 1 to 86400.", error);
            type(lagAlarm, "abc");
            assertFalse(apply.isEnabled(), "not a number");
            type(lagAlarm, "45");
            assertTrue(apply.isEnabled(), () -> "enabled again; the page says: " + Ui.allLabels(shell));
            ui.click(apply);
            ui.await(() -> shell.isDisposed(), "the preferences to close");
            assertEquals(Duration.ofSeconds(45), ConsolePreferences.lagAlarm());
        } finally {
            if (dialog.getShell() != null && !dialog.getShell().isDisposed()) {
                dialog.close();
            }
            ConsolePreferences.node().putInt(ConsolePreferences.LAG_ALARM_SECONDS, before);
        }
    }

    @Test
    @Order(4)
    void anAgentThatStopsShowsAsUnreachableWhileTheWindowKeepsResponding() throws Exception {
        DashboardView dashboard = (DashboardView) page.showView(DashboardView.ID);
        Server sourceServer = server(source);
        ui.await(() -> dashboard.tile(sourceServer) != null
                && "Connected".equals(dashboard.tile(sourceServer).stateText()), "the source connected");

        source.stop();
        long stopped = System.nanoTime();
        long[] longestGap = { 0 };
        long[] last = { System.nanoTime() };
        ui.await(() -> {
            long now = System.nanoTime();
            longestGap[0] = Math.max(longestGap[0], now - last[0]);
            last[0] = now;
            ServerTile tile = dashboard.tile(sourceServer);
            return tile != null && ConnectionState.UNREACHABLE.label().equals(tile.stateText());
        }, "the stopped source shown as unreachable");
        Duration took = Duration.ofNanos(System.nanoTime() - stopped);
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "shown unreachable after " + took);
        assertTrue(longestGap[0] < Duration.ofSeconds(1).toNanos(),
                "the event loop stalled for " + Duration.ofNanos(longestGap[0]).toMillis() + " ms");

        ServerTile tile = dashboard.tile(sourceServer);
        assertEquals(Colours.ALARM, tile.stateColour());
        JobLine line = tile.lines().stream().filter(l -> l.job().name().equals(JOB)).findFirst().orElseThrow();
        ui.await(() -> line.stateText().startsWith("Unknown"), "the job's state unknown while its server is away");
        assertEquals("Connected", dashboard.tile(server(target)).stateText(), "the other agent is unaffected");
    }

    private JobLine awaitLine(DashboardView dashboard, Server server, java.util.function.Predicate<JobLine> condition,
            String description) {
        try {
            Await.awaitCondition(LONG, () -> {
                ui.dispatchPending();
                JobRef job = server.job(JOB);
                JobLine line = job == null ? null : dashboard.line(job);
                return line != null && condition.test(line);
            }, description);
        } catch (AssertionError e) {
            JobRef job = server.job(JOB);
            throw new AssertionError(e.getMessage() + "; job: " + (job == null ? "none" : job.status())
                    + "\nsource agent output:\n" + source.output(), e);
        }
        return dashboard.line(server.job(JOB));
    }

    /** Types into a field: its content, then the key events the field editors validate on. */
    private void type(Text field, String value) {
        ui.enter(field, value);
        Event key = new Event();
        key.character = value.isEmpty() ? 0 : value.charAt(value.length() - 1);
        field.notifyListeners(SWT.KeyDown, key);
        field.notifyListeners(SWT.KeyUp, key);
        ui.dispatchPending();
    }

    /** Chooses Window ▸ {@code label} as a person would: the menu is shown, then the item selected. */
    private void openThroughWindowMenu(String label) {
        Menu bar = workbench.getActiveWorkbenchWindow().getShell().getMenuBar();
        MenuItem window = Arrays.stream(bar.getItems()).filter(i -> i.getText().replace("&", "").equals("Window"))
                .findFirst().orElseThrow(() -> new AssertionError("no Window menu"));
        Menu menu = window.getMenu();
        menu.notifyListeners(SWT.Show, new Event());
        ui.dispatchPending();
        MenuItem item = Arrays.stream(menu.getItems()).filter(i -> i.getText().replace("&", "").startsWith(label))
                .findFirst().orElseThrow(() -> new AssertionError("no " + label + " in the Window menu: "
                        + Arrays.stream(menu.getItems()).map(MenuItem::getText).toList()));
        assertTrue(item.isEnabled(), label + " is enabled");
        item.notifyListeners(SWT.Selection, new Event());
        menu.notifyListeners(SWT.Hide, new Event());
        ui.dispatchPending();
    }

    private Server server(AgentProcess agent) {
        return registry.model().find(AgentAddress.parse(agent.address())).orElseThrow();
    }

    private void maximize(IWorkbenchPart part) {
        page.activate(part);
        page.setPartState(page.getReference(part), IWorkbenchPage.STATE_MAXIMIZED);
        ui.dispatchPending();
    }

    /** Runs {@code check} on the dialog titled {@code title} once it is open, then closes it. */
    private void closeDialogWhenOpen(String title, java.util.function.Consumer<Shell> check) {
        Display display = Display.getCurrent();
        Runnable[] poll = new Runnable[1];
        poll[0] = () -> {
            var shell = ui.shell(title);
            if (shell.isPresent()) {
                check.accept(shell.get());
                shell.get().close();
            } else {
                display.timerExec(50, poll[0]);
            }
        };
        display.timerExec(50, poll[0]);
    }
}
