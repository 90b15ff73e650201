package io.doppel.console.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.MenuItem;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.handlers.IHandlerService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.doppel.api.job.MirrorStatus;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.ui.ServersView;
import io.doppel.console.internal.wizards.NewJobHandler;
import io.doppel.console.internal.wizards.NewJobWizard;
import io.doppel.console.internal.workbench.DoppelPerspective;
import io.doppel.management.AgentAddress;
import io.doppel.testing.AgentProcess;

/**
 * Job ▸ New Protection Job… as an admin uses it, against two real agent processes: every page filled
 * through its widgets, the agents' own preview, endpoint, peers and interceptors, and Finish, after
 * which the target's image holds what the rules include.
 */
class NewJobWizardUiTest {

    private static final String SOURCE = "wizard-source";
    private static final String TARGET = "wizard-target";

    private static AgentProcess source;
    private static AgentProcess target;
    private static Path data;

    private final IWorkbench workbench = PlatformUI.getWorkbench();
    private final Ui ui = new Ui(Display.getCurrent());
    private ServerRegistry registry;
    private ServersView view;

    @BeforeAll
    static void startAgents() throws IOException {
        for (String dir : List.of("wizard-source-home", "wizard-target-home", "wizard-doomed-home", "wizard-data")) {
            deleteTree(workDir().resolve(dir)); // a job of an earlier run would clash with this one's
        }
        source = AgentProcess.start(workDir().resolve("wizard-source-home"), "--name", SOURCE);
        target = AgentProcess.start(workDir().resolve("wizard-target-home"), "--name", TARGET);
        data = workDir().resolve("wizard-data");
        Files.createDirectories(data.resolve("sub"));
        Files.createDirectories(data.resolve("cache"));
        Files.writeString(data.resolve("index.html"), "<h1>protected</h1>\n");
        Files.write(data.resolve("sub/page.bin"), new byte[] { 0, 1, 2, (byte) 0xff, 42 });
        Files.writeString(data.resolve("cache/scratch.tmp"), "not worth keeping\n");
    }

    @AfterAll
    static void stopAgents() {
        for (AgentProcess agent : new AgentProcess[] { source, target }) {
            if (agent != null) {
                agent.close();
            }
        }
    }

    @BeforeEach
    void serversOfBothAgents() throws Exception {
        assertNotNull(Display.getCurrent(), "tests must run on the UI thread (useUIThread)");
        IWorkbenchWindow window = workbench.getActiveWorkbenchWindow();
        IWorkbenchPage page = workbench.showPerspective(DoppelPerspective.ID, window);
        view = (ServersView) page.showView(ServersView.ID);
        registry = workbench.getService(ServerRegistry.class);
        for (Server server : registry.model().servers()) {
            registry.remove(server);
        }
        add(source);
        add(target);
        window.getShell().setSize(1280, 800);
    }

    @AfterEach
    void closeDialogs() {
        ui.closeDialogs(workbench.getActiveWorkbenchWindow().getShell());
    }

    @Test
    void aJobDefinedPageByPageReplicatesWhatTheRulesIncludeToTheTarget() throws Exception {
        // the server selected in the Servers view is proposed as the source
        view.viewer().setSelection(new StructuredSelection(server(source)));
        workbench.getActiveWorkbenchWindow().getActivePage().activate(view);
        WizardDialog dialog = openWizard();
        Shell shell = dialog.getShell();

        // Source
        Composite page = Ui.page(dialog);
        assertTrue(Ui.combo(page, "&Source server:").getText().startsWith(SOURCE), Ui.combo(page, "&Source server:").getText());
        ui.enter(Ui.textAfterLabel(page, "Job na&me:"), "web");
        ui.enter(Ui.textAfterLabel(page, "Source &directory:"), data.toString());
        ui.enter(Ui.find(page, Text.class, t -> t.getMessage().startsWith("pattern")).orElseThrow(), "cache/");
        ui.click(Ui.button(page, "&Add Rule"));
        ui.click(Ui.button(page, "&Preview"));
        Text preview = Ui.find(page, Text.class, t -> t.getText().startsWith("Included:") || t.getText().startsWith("Preview"))
                .orElseThrow();
        ui.await(() -> preview.getText().startsWith("Included:"), "the source agent's preview");
        assertTrue(preview.getText().contains("+ index.html"), preview.getText());
        assertTrue(preview.getText().contains("+ sub/page.bin"), preview.getText());
        assertTrue(preview.getText().contains("- cache/   (excluded by - cache/)"), preview.getText());
        assertTrue(Ui.button(page, "&Preview").isEnabled(), "Preview can be asked again");
        screenshot(shell, "console-new-job-source.png");
        ui.next(dialog);

        // Target: the only other connected server; address proposed from its endpoint; pairing offered
        page = Ui.page(dialog);
        Combo targets = Ui.combo(page, "&Target server:");
        assertEquals(1, targets.getItemCount(), Arrays.toString(targets.getItems()));
        assertTrue(targets.getText().startsWith(TARGET), targets.getText());
        Text address = Ui.textAfterLabel(page, "&Replication address:");
        ui.await(() -> !address.getText().isEmpty(), "the target's replication address to be proposed");
        assertEquals(target.replicationAddress(), address.getText());
        assertEquals("web", Ui.textAfterLabel(page, "&Image name:").getText(), "the image is named after the job");
        Composite targetPage = page;
        ui.await(() -> Ui.allLabels(targetPage).contains("does not trust"), "the agents' trusted peers");
        assertTrue(Ui.button(page, "Trust &each other for replication (adds each agent's certificate fingerprint to "
                + "the other's trusted peers)").getSelection());
        assertTrue(Ui.allLabels(page).contains(fingerprint(target)), Ui.allLabels(page));
        screenshot(shell, "console-new-job-target.png");
        ui.next(dialog);

        // Capture and first copy: the source agent's interceptors, best available by default
        page = Ui.page(dialog);
        ui.await(() -> Ui.nextButton(dialog).isEnabled(), "the source agent's interceptors");
        assertTrue(Ui.button(page, "&Differences: only the blocks whose checksums differ travel (the default)")
                .getSelection());
        screenshot(shell, "console-new-job-capture.png");
        ui.next(dialog);

        // Transfer: a weekly schedule built from a row
        page = Ui.page(dialog);
        ui.choose(Ui.button(page, "Limit on a &schedule: the first row that matches the time applies"),
                Ui.button(page, "No &limit"));
        ui.enter(Ui.textAfterLabel(page, "&Rate:"), "25GB/h");
        ui.enter(Ui.textAfterLabel(page, "Fro&m:"), "08:00");
        ui.enter(Ui.textAfterLabel(page, "&To:"), "18:00");
        ui.click(Ui.button(page, "&Add Row"));
        assertTrue(Ui.allLabels(page).contains("Schedule: 25GB/h Mon-Fri 08:00-18:00; unlimited"), Ui.allLabels(page));
        screenshot(shell, "console-new-job-transfer.png");
        ui.next(dialog);

        // Summary: every action in words
        page = Ui.page(dialog);
        String summary = Ui.allLabels(page);
        assertTrue(summary.contains("1. On " + SOURCE + ": trust " + TARGET + " ("), summary);
        assertTrue(summary.contains("2. On " + TARGET + ": trust " + SOURCE + " ("), summary);
        assertTrue(summary.contains("3. On " + SOURCE + ": create job 'web' protecting " + data + " (rules - cache/) → "
                + TARGET + " " + target.replicationAddress() + ", image 'web'"), summary);
        assertTrue(summary.contains("bandwidth 25GB/h Mon-Fri 08:00-18:00; unlimited"), summary);
        assertTrue(summary.contains("4. On " + SOURCE + ": start 'web'; the first copy mirrors by differences"), summary);
        assertTrue(Ui.button(page, "&Start the job now").getSelection());
        screenshot(shell);

        Button finish = Ui.button(shell, IDialogConstants.FINISH_LABEL);
        ui.click(finish);
        ui.await(shell::isDisposed, "the wizard to close on Finish");

        Server sourceServer = server(source);
        ui.await(() -> {
            JobRef job = sourceServer.job("web");
            MirrorStatus mirror = job == null ? null : job.status().mirror();
            return mirror != null && "done".equals(mirror.phase());
        }, "the job 'web' to show on " + SOURCE + " with its first mirror done");
        Path image = target.home().resolve("images").resolve(SOURCE).resolve("web");
        ui.await(() -> Files.exists(image.resolve("sub/page.bin")), "the image to hold sub/page.bin");
        assertArrayEquals(Files.readAllBytes(data.resolve("index.html")), Files.readAllBytes(image.resolve("index.html")));
        assertArrayEquals(Files.readAllBytes(data.resolve("sub/page.bin")), Files.readAllBytes(image.resolve("sub/page.bin")));
        assertFalse(Files.exists(image.resolve("cache")), "the excluded directory stays on the source");
    }

    @Test
    void aRelativeOrMissingSourceDirectoryKeepsNextDisabledAndSaysWhatToFix() throws Exception {
        // the Job menu follows the Server menu
        List<String> menus = Arrays.stream(workbench.getActiveWorkbenchWindow().getShell().getMenuBar().getItems())
                .map(MenuItem::getText).toList();
        assertTrue(menus.indexOf("&Job") == menus.indexOf("&Server") + 1, menus.toString());

        view.viewer().setSelection(StructuredSelection.EMPTY);
        WizardDialog dialog = openWizard();
        Composite page = Ui.page(dialog);
        ui.select(Ui.combo(page, "&Source server:"), SOURCE);
        ui.enter(Ui.textAfterLabel(page, "Job na&me:"), "site");

        ui.enter(Ui.textAfterLabel(page, "Source &directory:"), "srv/www");
        assertFalse(Ui.nextButton(dialog).isEnabled());
        String message = Ui.allLabels(dialog.getShell());
        assertTrue(message.contains("Source directory 'srv/www' is relative: enter an absolute path on " + SOURCE), message);

        Path missing = data.resolve("no-such-dir");
        ui.enter(Ui.textAfterLabel(page, "Source &directory:"), missing.toString());
        ui.await(() -> Ui.allLabels(dialog.getShell()).contains("does not exist"), "the agent to say the directory is missing");
        assertFalse(Ui.nextButton(dialog).isEnabled());
        assertTrue(Ui.allLabels(dialog.getShell()).contains("Enter a directory that exists on " + SOURCE),
                Ui.allLabels(dialog.getShell()));

        ui.enter(Ui.textAfterLabel(page, "Source &directory:"), data.toString());
        ui.await(() -> Ui.nextButton(dialog).isEnabled(), "Next once the directory exists");
    }

    @Test
    void anAgentThatDiesBeforeFinishIsReportedWithTheFailedActionAndANextStep() throws Exception {
        AgentProcess doomed = AgentProcess.start(workDir().resolve("wizard-doomed-home"), "--name", "wizard-doomed");
        try {
            add(doomed);
            view.viewer().setSelection(StructuredSelection.EMPTY);
            WizardDialog dialog = openWizard();
            Composite page = Ui.page(dialog);
            ui.select(Ui.combo(page, "&Source server:"), SOURCE);
            ui.enter(Ui.textAfterLabel(page, "Job na&me:"), "doomed-job");
            ui.enter(Ui.textAfterLabel(page, "Source &directory:"), data.toString());
            ui.next(dialog);
            page = Ui.page(dialog);
            ui.select(Ui.combo(page, "&Target server:"), "wizard-doomed");
            ui.await(() -> Ui.nextButton(dialog).isEnabled(), "the target page to complete");
            ui.next(dialog);
            ui.await(() -> Ui.nextButton(dialog).isEnabled(), "the source agent's interceptors");
            ui.next(dialog);
            ui.next(dialog);
            String summary = Ui.allLabels(Ui.page(dialog));
            assertTrue(summary.contains("2. On wizard-doomed: trust " + SOURCE), summary);

            doomed.kill();
            // the console sees it gone (and forgets its name and identity) before Finish: Finish must
            // still run the actions the summary showed, under the names it showed
            ui.await(() -> server(doomed).state().connection() != ConnectionState.CONNECTED,
                    "the console to see wizard-doomed disconnected");
            ui.click(Ui.button(dialog.getShell(), IDialogConstants.FINISH_LABEL));

            Shell error = ui.awaitShell("New protection job not completed");
            String text = Ui.allLabels(error);
            assertTrue(text.contains("Failed: On wizard-doomed: trust " + SOURCE), text);
            assertTrue(text.contains("Reason: "), text);
            assertTrue(text.contains("Next step: Check that the agent is running"), text);
            assertTrue(text.contains("Took effect before it:\n  • On " + SOURCE + ": trust wizard-doomed"), text);
            assertFalse(text.contains("Exception"), text);
            assertFalse(text.contains("\tat "), text);
            screenshot(error, "console-new-job-failed.png");
            error.close();
        } finally {
            doomed.close();
        }
    }

    // --- helpers

    private void add(AgentProcess agent) throws Exception {
        registry.add(new ServerEntry(AgentAddress.parse(agent.address()), agent.tokenFile()), null);
        ui.await(() -> server(agent) != null && server(agent).state().connection() == ConnectionState.CONNECTED,
                agent.address() + " to be connected");
    }

    private Server server(AgentProcess agent) {
        return registry.model().find(AgentAddress.parse(agent.address())).orElse(null);
    }

    private String fingerprint(AgentProcess agent) {
        return server(agent).state().status().identity().fingerprint();
    }

    private WizardDialog openWizard() throws Exception {
        workbench.getActiveWorkbenchWindow().getService(IHandlerService.class).executeCommand(NewJobHandler.COMMAND, null);
        Shell shell = ui.awaitShell(NewJobWizard.TITLE);
        return (WizardDialog) shell.getData();
    }

    /** Saves the wizard as PNG under the screenshot directory; the summary also into docs/ when asked to. */
    private Path screenshot(Shell shell, String name) throws IOException {
        ui.awaitRepaint(shell);
        // buttons repaint on their own after the page changed their state (Next, Finish)
        for (Control c : Ui.descendants(shell)) {
            if (c instanceof Button b && b.isVisible()) {
                ui.awaitRepaint(b);
            }
        }
        Path shot = Path.of(System.getProperty("doppel.screenshot.dir", "target/screenshots"), name);
        // The shell paints itself into the image: without a window manager a dialog's position on the
        // screen is not reliable, its own drawing is.
        org.eclipse.swt.graphics.Point size = shell.getSize();
        org.eclipse.swt.graphics.Image image = new org.eclipse.swt.graphics.Image(shell.getDisplay(), size.x, size.y);
        org.eclipse.swt.graphics.GC gc = new org.eclipse.swt.graphics.GC(image);
        try {
            shell.print(gc);
            org.eclipse.swt.graphics.ImageLoader loader = new org.eclipse.swt.graphics.ImageLoader();
            loader.data = new org.eclipse.swt.graphics.ImageData[] { image.getImageData() };
            Files.createDirectories(shot.getParent());
            loader.save(shot.toString(), SWT.IMAGE_PNG);
        } finally {
            gc.dispose();
            image.dispose();
        }
        assertTrue(Files.size(shot) > 10_000, "screenshot too small to show anything: " + shot);
        return shot;
    }

    private void screenshot(Shell shell) throws IOException {
        Path shot = screenshot(shell, "console-new-job.png");
        String repo = System.getProperty("doppel.repo.dir");
        if (repo != null && !repo.isBlank() && !repo.equals("null")) { // unset properties arrive as "null"
            Path docs = Files.createDirectories(Path.of(repo, "docs"));
            Files.copy(shot, docs.resolve("console-new-job.png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static Path workDir() {
        return Path.of(System.getProperty("doppel.test.dir", "target/work"));
    }
}
