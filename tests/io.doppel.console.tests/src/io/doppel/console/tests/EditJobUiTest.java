package io.doppel.console.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

import org.eclipse.core.runtime.preferences.IEclipsePreferences;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Menu;
import org.eclipse.swt.widgets.MenuItem;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.api.job.JobState;
import io.doppel.console.internal.connect.ConsolePreferences;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.ui.AgentActions;
import io.doppel.console.internal.ui.JobsView;
import io.doppel.console.internal.ui.ServersView;
import io.doppel.console.internal.wizards.EditJobDialog;
import io.doppel.console.internal.workbench.DoppelPerspective;
import io.doppel.management.AgentAddress;
import io.doppel.management.ManagementClient;

/**
 * Job ▸ Edit Job… against two real agents: offered only for a stopped job (the Job menu and the Jobs
 * view's context menu), it shows the definition, refuses what is locally wrong, sends only what
 * changed (the agent's job.list shows exactly those fields changed), and when the agent refuses (the
 * job was started meanwhile) says why and what to do, keeps what was typed, and changes nothing.
 * The tests run in order: one story, one pair of agents.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EditJobUiTest {

    private static final String SOURCE = "edit-ui-source";
    private static final String TARGET = "edit-ui-target";
    private static final String JOB = "docs";
    private static final Duration LONG = Duration.ofSeconds(60);

    private static AgentPair agents;
    private static int previousRefresh;

    private final IWorkbench workbench = PlatformUI.getWorkbench();
    private final Ui ui = new Ui(Display.getCurrent());
    private ServerRegistry registry;
    private IWorkbenchPage page;

    @BeforeAll
    static void startAgentsAndAJob() throws Exception {
        agents = AgentPair.start("edit-job", SOURCE, TARGET);
        Path data = Files.createDirectories(agents.work.resolve("data"));
        Files.writeString(data.resolve("readme.txt"), "protected\n");
        IEclipsePreferences preferences = ConsolePreferences.node();
        previousRefresh = preferences.getInt(ConsolePreferences.REFRESH_SECONDS, ConsolePreferences.DEFAULT_REFRESH_SECONDS);
        preferences.putInt(ConsolePreferences.REFRESH_SECONDS, 1);
        Agents.call(agents.source, "job.create", ManagementClient.args("name", JOB, "source", data.toString(), "target",
                agents.target.replicationAddress(), "targetFingerprint", agents.targetFingerprint));
    }

    @AfterAll
    static void stopAgents() {
        ConsolePreferences.node().putInt(ConsolePreferences.REFRESH_SECONDS, previousRefresh);
        if (agents != null) {
            agents.close();
        }
    }

    @BeforeEach
    void perspectiveWithBothServers() throws Exception {
        assertNotNull(Display.getCurrent(), "tests must run on the UI thread (useUIThread)");
        IWorkbenchWindow window = workbench.getActiveWorkbenchWindow();
        page = workbench.showPerspective(DoppelPerspective.ID, window);
        window.getShell().setSize(1400, 900);
        registry = workbench.getService(ServerRegistry.class);
        agents.showIn(registry, ui);
    }

    @AfterEach
    void closeDialogs() {
        ui.closeDialogs(workbench.getActiveWorkbenchWindow().getShell());
    }

    @Test
    @Order(1)
    void editJobIsOfferedForAStoppedJobOnlyInTheJobMenuAndTheJobsViewsContextMenu() throws Exception {
        agent("job.start");
        awaitState(s -> s != JobState.STOPPED, "the job started");
        JobsView jobs = selectInJobsView();
        assertFalse(chooseInJobMenu(false), "disabled in the Job menu while the job runs");
        assertFalse(contextItemEnabled(jobs), "disabled in the context menu while the job runs");
        assertFalse(serversContextItemEnabled(), "disabled in the Servers view's context menu while the job runs");

        agent("job.stop");
        awaitState(s -> s == JobState.STOPPED, "the job stopped");
        assertTrue(serversContextItemEnabled(), "enabled in the Servers view's context menu for the stopped job");
        jobs = selectInJobsView();
        assertTrue(contextItemEnabled(jobs), "enabled in the context menu for the stopped job");
        assertTrue(chooseInJobMenu(true), "enabled in the Job menu for the stopped job");
        Shell dialog = ui.awaitShell(EditJobDialog.TITLE_PREFIX + JOB + "'");

        // every field by its mnemonic, none shared; the window survives being made small or large
        KeyboardAndLayoutUiTest.checkMnemonics(dialog, "Edit Job");
        for (Point size : java.util.List.of(new Point(560, 420), new Point(1200, 900))) {
            dialog.setSize(size);
            dialog.layout(true, true);
            ui.dispatchPending();
            KeyboardAndLayoutUiTest.checkInside(dialog, dialog, "Edit Job at " + size.x + "x" + size.y);
        }
    }

    @Test
    @Order(2)
    void theChangedFieldsAndOnlyThoseReachTheAgent() throws Exception {
        JsonObject before = definitionOnTheAgent();
        Shell dialog = open();
        String labels = Ui.allLabels(dialog);
        assertTrue(labels.contains(agents.work.resolve("data").toString()), "the source is shown: " + labels);
        assertTrue(labels.contains(agents.targetFingerprint), "the fingerprint is shown: " + labels);
        assertTrue(labels.contains("is another job"), labels);
        Text target = Ui.textAfterLabel(dialog, "&Target address (HOST:PORT):");
        assertEquals(agents.target.replicationAddress(), target.getText());
        assertFalse(save(dialog).isEnabled(), "nothing changed yet");

        // what is locally wrong keeps Save disabled and says why
        ui.enter(target, "no-port");
        assertFalse(save(dialog).isEnabled());
        assertTrue(errorText(dialog).contains("Target address 'no-port': write HOST:PORT"), errorText(dialog));
        ui.enter(target, agents.target.replicationAddress());
        Text rpo = Ui.textAfterLabel(dialog, "&RPO (seconds; 0: none):");
        ui.enter(rpo, "soon");
        assertFalse(save(dialog).isEnabled());
        assertTrue(errorText(dialog).contains("RPO: 'soon' is not a whole number"), errorText(dialog));
        ui.enter(rpo, "900000");
        assertFalse(save(dialog).isEnabled());
        assertTrue(errorText(dialog).contains("RPO: 900000 must be 0 (none) up to a week"), errorText(dialog));

        ui.enter(rpo, "300");
        ui.select(Ui.combo(dialog, "&Compression:"), "max");
        Combo interceptor = Ui.combo(dialog, "&Interceptor:");
        ui.await(() -> Arrays.stream(interceptor.getItems()).anyMatch(i -> i.equals("watch")),
                "the source agent's interceptors: " + Arrays.toString(interceptor.getItems()));
        ui.select(interceptor, "watch");
        assertTrue(Ui.allLabels(dialog).matches("(?s).*watch: (byte|file)-level.*order.*"),
                "its guarantees: " + Ui.allLabels(dialog));
        assertTrue(save(dialog).isEnabled(), () -> "Save enabled: " + errorText(dialog));
        dialog.forceActive(); // drawn as the window in use, not as one in the background
        ui.dispatchPending();
        ui.await(() -> save(dialog).setFocus() && save(dialog).isFocusControl(), "Save focused: the admin's next key");
        ui.publishScreenshot(dialog, "console-edit-job.png");
        ui.click(save(dialog));
        ui.await(LONG, dialog::isDisposed, "the dialog to close once the agent saved the changes");

        JsonObject after = definitionOnTheAgent();
        assertEquals(Set.of("compression", "rpoSeconds", "interceptor"), changed(before, after),
                "before " + before + ", after " + after);
        assertEquals("max", after.get("compression").getAsString());
        assertEquals(300, after.get("rpoSeconds").getAsInt());
        assertEquals("watch", after.get("interceptor").getAsString());
        ui.await(() -> "max".equals(jobRef().status().definition().compression()), "the console showing the change");
    }

    @Test
    @Order(3)
    void aRefusalSaysWhyAndWhatToDoKeepsWhatWasTypedAndChangesNothing() throws Exception {
        JsonObject before = definitionOnTheAgent();
        Shell dialog = open();
        Text rpo = Ui.textAfterLabel(dialog, "&RPO (seconds; 0: none):");
        assertEquals("300", rpo.getText(), "the definition as it is now");
        ui.enter(rpo, "600");
        agent("job.start"); // meanwhile, someone starts the job
        ui.click(save(dialog));

        Shell refused = ui.awaitShell(AgentActions.FAILED_TITLE_PREFIX + "edit job '" + JOB + "' on " + SOURCE);
        String text = Ui.allLabels(refused);
        assertTrue(text.contains("Could not edit job '" + JOB + "'"), text);
        assertTrue(text.contains("stop it first"), text);
        assertTrue(text.contains("Next step: "), text);
        assertFalse(text.contains("Exception"), text);
        refused.close();
        assertFalse(dialog.isDisposed(), "the dialog stays open to correct");
        assertEquals("600", rpo.getText(), "what was typed is kept");
        assertTrue(errorText(dialog).startsWith("Not saved: "), errorText(dialog));
        assertEquals(before, definitionOnTheAgent(), "a refused edit changes nothing");

        // the admin does what the next step says, and saves again from the same dialog
        agent("job.stop");
        awaitState(s -> s == JobState.STOPPED, "the job stopped");
        ui.await(() -> save(dialog).isEnabled(), "Save enabled again");
        ui.click(save(dialog));
        ui.await(LONG, dialog::isDisposed, "the dialog to close once the agent saved the change");
        JsonObject after = definitionOnTheAgent();
        assertEquals(Set.of("rpoSeconds"), changed(before, after));
        assertEquals(600, after.get("rpoSeconds").getAsInt());
    }

    private Shell open() throws Exception {
        awaitState(s -> s == JobState.STOPPED, "the job stopped");
        selectInJobsView();
        assertTrue(chooseInJobMenu(true), "Edit Job… enabled for the stopped job");
        return ui.awaitShell(EditJobDialog.TITLE_PREFIX + JOB + "'");
    }

    private static org.eclipse.swt.widgets.Button save(Shell dialog) {
        return Ui.button(dialog, EditJobDialog.SAVE);
    }

    /** The title area's message: an error when one is shown. */
    private static String errorText(Shell dialog) {
        EditJobDialog d = (EditJobDialog) dialog.getData();
        return d.getErrorMessage() == null ? "" : d.getErrorMessage();
    }

    private JobsView selectInJobsView() throws Exception {
        JobsView jobs = (JobsView) page.showView(JobsView.ID);
        JobRef job = jobRef();
        jobs.viewer().setSelection(StructuredSelection.EMPTY);
        ui.dispatchPending();
        jobs.viewer().setSelection(new StructuredSelection(job), true);
        page.activate(jobs);
        ui.dispatchPending();
        return jobs;
    }

    /** Whether Job ▸ Edit Job… is enabled in the menu bar; chooses it if asked to and it is. */
    private boolean chooseInJobMenu(boolean choose) {
        Menu job = menuBar("Job");
        MenuItem item = menuItem(job, "Edit Job");
        boolean enabled = item.isEnabled();
        if (choose && enabled) {
            item.notifyListeners(SWT.Selection, new Event());
        }
        job.notifyListeners(SWT.Hide, new Event());
        ui.dispatchPending();
        return enabled;
    }

    /** A menu of the menu bar. */
    private Menu menuBar(String label) {
        Menu bar = workbench.getActiveWorkbenchWindow().getShell().getMenuBar();
        return Arrays.stream(bar.getItems()).filter(i -> i.getText().replace("&", "").equals(label)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + label + " menu")).getMenu();
    }

    /** Whether Job ▸ Edit Job… in the Jobs view's context menu is enabled (read while the menu shows). */
    private boolean contextItemEnabled(JobsView jobs) {
        return contextItemEnabled(jobs.viewer().getControl());
    }

    /** Whether Job ▸ Edit Job… in the Servers view's context menu is enabled, the job selected there. */
    private boolean serversContextItemEnabled() throws Exception {
        ServersView servers = (ServersView) page.showView(ServersView.ID);
        servers.viewer().expandAll();
        servers.viewer().setSelection(new StructuredSelection(jobRef()), true);
        page.activate(servers);
        ui.dispatchPending();
        return contextItemEnabled(servers.viewer().getControl());
    }

    private boolean contextItemEnabled(org.eclipse.swt.widgets.Control view) {
        Menu context = view.getMenu();
        assertNotNull(context, "the view has a context menu");
        Menu job = menuItem(context, "Job").getMenu();
        assertNotNull(job, "the context menu's Job submenu");
        boolean enabled = menuItem(job, "Edit Job").isEnabled();
        job.notifyListeners(SWT.Hide, new Event());
        context.notifyListeners(SWT.Hide, new Event());
        ui.dispatchPending();
        return enabled;
    }

    /** The item of a menu whose label starts with {@code label}, after the menu was shown (as a click shows it). */
    private MenuItem menuItem(Menu menu, String label) {
        menu.notifyListeners(SWT.Show, new Event());
        ui.dispatchPending();
        MenuItem item = Arrays.stream(menu.getItems()).filter(i -> i.getText().replace("&", "").startsWith(label))
                .findFirst().orElseThrow(() -> new AssertionError("no " + label + " in the menu: "
                        + Arrays.stream(menu.getItems()).map(MenuItem::getText).toList()));
        return item;
    }

    private void awaitState(java.util.function.Predicate<JobState> state, String description) {
        ui.await(LONG, () -> {
            JobRef job = server().job(JOB);
            return job != null && job.current() && state.test(job.state());
        }, description + "; job: " + (server().job(JOB) == null ? null : server().job(JOB).state()));
    }

    private JobRef jobRef() {
        JobRef[] job = new JobRef[1];
        ui.await(() -> (job[0] = server().job(JOB)) != null, "the job in the model");
        return job[0];
    }

    private Server server() {
        return registry.model().find(AgentAddress.parse(agents.source.address())).orElseThrow();
    }

    private static void agent(String command) throws Exception {
        Agents.call(agents.source, command, ManagementClient.args("name", JOB));
    }

    /** The job's definition as the source agent lists it ({@code job.list}). */
    private static JsonObject definitionOnTheAgent() throws Exception {
        for (JsonElement e : Agents.call(agents.source, "job.list", new JsonObject()).getAsJsonArray()) {
            JsonObject definition = e.getAsJsonObject().getAsJsonObject("definition");
            if (JOB.equals(definition.get("name").getAsString())) {
                return definition;
            }
        }
        throw new AssertionError("no job " + JOB + " on the source agent");
    }

    /** The fields whose values differ. */
    private static Set<String> changed(JsonObject before, JsonObject after) {
        Set<String> fields = new TreeSet<>(before.keySet());
        fields.addAll(after.keySet());
        fields.removeIf(f -> java.util.Objects.equals(before.get(f), after.get(f)));
        return fields;
    }
}
