package io.doppel.console.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.eclipse.core.runtime.preferences.InstanceScope;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.eclipse.swt.widgets.TreeItem;
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

import io.doppel.console.internal.connect.PreferenceServerStore;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.ui.AddServerDialog;
import io.doppel.console.internal.ui.FailureFeedback;
import io.doppel.console.internal.ui.ServerColumn;
import io.doppel.console.internal.ui.ServersView;
import io.doppel.console.internal.workbench.DoppelPerspective;
import io.doppel.management.AgentAddress;
import io.doppel.testing.AgentProcess;

/**
 * The console as an admin uses it, against a real agent process started from the agent product:
 * the Add Server dialog's real widgets, the background connection, the Servers view's rows and the
 * error dialog. Runs on the UI thread inside the console application (tycho-surefire UI harness).
 */
class ServersViewUiTest {

    private static final String AGENT_NAME = "console-test-agent";

    private static AgentProcess agent;

    private final IWorkbench workbench = PlatformUI.getWorkbench();
    private final Ui ui = new Ui(Display.getCurrent());
    private ServerRegistry registry;
    private ServersView view;

    @BeforeAll
    static void startAgent() {
        String display = System.getenv("DISPLAY");
        if (display == null || display.isBlank()) {
            throw new AssertionError("the console UI tests need an X display: set DISPLAY (e.g. Xvfb :99 & export DISPLAY=:99)");
        }
        agent = AgentProcess.start(workDir().resolve("console-test-agent-home"), "--name", AGENT_NAME);
    }

    @AfterAll
    static void stopAgent() {
        if (agent != null) {
            agent.close();
        }
    }

    @BeforeEach
    void openDoppelPerspective() throws Exception {
        assertNotNull(Display.getCurrent(), "tests must run on the UI thread (useUIThread)");
        IWorkbenchWindow window = workbench.getActiveWorkbenchWindow();
        IWorkbenchPage page = workbench.showPerspective(DoppelPerspective.ID, window);
        view = (ServersView) page.showView(ServersView.ID);
        registry = workbench.getService(ServerRegistry.class);
        for (Server server : registry.model().servers()) {
            registry.remove(server);
        }
        ui.await(() -> view.viewer().getTree().getItemCount() == 0, "an empty Servers view");
        window.getShell().setSize(1280, 480);
    }

    @AfterEach
    void closeDialogs() {
        ui.closeDialogs(workbench.getActiveWorkbenchWindow().getShell());
    }

    @Test
    void aRunningAgentAddedThroughTheDialogShowsAsConnectedWithItsName() throws Exception {
        addServerThroughDialog(agent.address(), agent.tokenFile());

        TreeItem row = awaitRow(agent.address(), ConnectionState.CONNECTED);
        List<String> cells = cells(row);
        assertEquals(AGENT_NAME, cells.get(ServerColumn.NAME.ordinal()), () -> "row: " + cells);
        assertEquals(agent.address(), cells.get(ServerColumn.ADDRESS.ordinal()));
        assertEquals("Connected", cells.get(ServerColumn.STATE.ordinal()));
        assertFalse(cells.get(ServerColumn.VERSION.ordinal()).equals(ServerColumn.UNKNOWN), () -> "row: " + cells);
        assertEquals("0", cells.get(ServerColumn.JOBS.ordinal()));
        assertTrue(cells.get(ServerColumn.FINGERPRINT.ordinal()).matches("([0-9A-F]{2}:)+[0-9A-F]{2}"),
                () -> "row: " + cells);
        assertEquals("", cells.get(ServerColumn.PROBLEM.ordinal()));

        // saved for the next start: a store reading the preferences afresh finds it
        List<ServerEntry> saved = new PreferenceServerStore(
                InstanceScope.INSTANCE.getNode("io.doppel.console").node("servers")).load();
        // with the fingerprint of the agent that answered pinned: another agent at that address is refused later
        assertEquals(List.of(new ServerEntry(AgentAddress.parse(agent.address()), agent.tokenFile(),
                cells.get(ServerColumn.FINGERPRINT.ordinal()))), saved);
    }

    @Test
    void anAgentWithAnotherFingerprintThanTheOneGivenIsRefusedAsTheWrongAgent() throws Exception {
        String other = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
        Shell dialog = openAddServerDialog();
        ui.enter(Ui.textAfterLabel(dialog, "Add&ress:"), agent.address());
        ui.enter(Ui.textAfterLabel(dialog, "&Token file:"), agent.tokenFile().toString());
        ui.enter(Ui.textAfterLabel(dialog, "&Fingerprint:"), "00:11");
        assertFalse(Ui.button(dialog, "&Add").isEnabled());
        assertTrue(Ui.allLabels(dialog).contains("32 hexadecimal pairs"), Ui.allLabels(dialog));
        ui.enter(Ui.textAfterLabel(dialog, "&Fingerprint:"), other.toLowerCase());
        ui.click(Ui.button(dialog, "&Add"));

        TreeItem row = awaitRow(agent.address(), ConnectionState.WRONG_AGENT);
        String problem = row.getText(ServerColumn.PROBLEM.ordinal());
        assertTrue(problem.contains("introduced itself with certificate fingerprint") && problem.contains("not " + other),
                problem);
        Shell error = ui.awaitShell(FailureFeedback.TITLE_PREFIX + agent.address());
        assertTrue(Ui.allLabels(error).contains("doppel identity"), Ui.allLabels(error));
        error.close();
    }

    @Test
    void anAddressWhereNothingListensShowsUnreachableAndExplainsWhyWithoutAStackTrace() throws Exception {
        String address = "127.0.0.1:" + freePort();
        addServerThroughDialog(address, agent.tokenFile());

        TreeItem row = awaitRow(address, ConnectionState.UNREACHABLE);
        String problem = row.getText(ServerColumn.PROBLEM.ordinal());
        assertTrue(problem.contains("connection refused"), problem);

        Shell error = ui.awaitShell(FailureFeedback.TITLE_PREFIX + address);
        String text = Ui.allLabels(error);
        assertTrue(text.contains("Unreachable: cannot connect to an agent at " + address), text);
        assertTrue(text.contains("Next step: Check that the agent is running"), text);
        assertFalse(text.contains("Exception"), text);
        assertFalse(text.contains("\tat "), text);
        error.close();
        ui.await(error::isDisposed, "the error dialog to close");
    }

    @Test
    void aPeerThatNeverAnswersTimesOutWhileTheWindowKeepsResponding() throws Exception {
        // a listening socket that nobody accepts from: the connection is made, the agent's hello never comes
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + silent.getLocalPort();
            addServerThroughDialog(address, agent.tokenFile());
            awaitRow(address, ConnectionState.CONNECTING);

            // meanwhile the UI thread is free: a dialog opens and closes
            Shell dialog = openAddServerDialog();
            ui.click(Ui.button(dialog, "Cancel"));
            ui.await(dialog::isDisposed, "the dialog to close on Cancel");
            assertEquals(ConnectionState.CONNECTING.label(), row(address).orElseThrow()
                    .getText(ServerColumn.STATE.ordinal()), "still connecting while the dialog came and went");

            TreeItem row = awaitRow(address, ConnectionState.TIMED_OUT);
            assertEquals("the agent at " + address + " did not answer in time",
                    row.getText(ServerColumn.PROBLEM.ordinal()));
            Shell error = ui.awaitShell(FailureFeedback.TITLE_PREFIX + address);
            assertTrue(Ui.allLabels(error).contains("Next step:"), Ui.allLabels(error));
            error.close();
        }
    }

    @Test
    void theAddButtonStaysDisabledWhileTheAddressIsInvalidAndTheDialogSaysWhy() throws Exception {
        Shell dialog = openAddServerDialog();
        Ui.textAfterLabel(dialog, "&Token file:").setText(agent.tokenFile().toString());
        ui.enter(Ui.textAfterLabel(dialog, "Add&ress:"), "localhost:99999");

        assertFalse(Ui.button(dialog, "&Add").isEnabled());
        String message = Ui.allLabels(dialog);
        assertTrue(message.contains("Bad agent address 'localhost:99999': port 99999 is outside 1..65535"), message);

        ui.enter(Ui.textAfterLabel(dialog, "Add&ress:"), "localhost:7420");
        assertTrue(Ui.button(dialog, "&Add").isEnabled(), Ui.allLabels(dialog));
        ui.click(Ui.button(dialog, "Cancel"));
        ui.await(dialog::isDisposed, "the dialog to close on Cancel");
        assertEquals(0, registry.model().servers().size());
    }

    @Test
    void screenshotOfAConnectedAndAnUnreachableAgent() throws Exception {
        String deadAddress = "127.0.0.1:" + freePort();
        registry.add(new ServerEntry(AgentAddress.parse(agent.address()), agent.tokenFile()), null);
        registry.add(new ServerEntry(AgentAddress.parse(deadAddress), agent.tokenFile()), null);
        awaitRow(agent.address(), ConnectionState.CONNECTED);
        awaitRow(deadAddress, ConnectionState.UNREACHABLE);
        view.viewer().setSelection(StructuredSelection.EMPTY);
        ui.awaitRepaint(view.viewer().getTree());
        ui.publishScreenshot(workbench.getActiveWorkbenchWindow().getShell(), "console-servers.png");
    }

    private void addServerThroughDialog(String address, Path tokenFile) throws Exception {
        Shell dialog = openAddServerDialog();
        ui.enter(Ui.textAfterLabel(dialog, "Add&ress:"), address);
        ui.enter(Ui.textAfterLabel(dialog, "&Token file:"), tokenFile.toString());
        ui.click(Ui.button(dialog, "&Add"));
        ui.await(dialog::isDisposed, "the Add Server dialog to close on Add");
    }

    private Shell openAddServerDialog() throws Exception {
        workbench.getActiveWorkbenchWindow().getService(IHandlerService.class)
                .executeCommand(ServersView.ADD_SERVER_COMMAND, null);
        Shell dialog = ui.awaitShell(AddServerDialog.TITLE);
        Text address = Ui.textAfterLabel(dialog, "Add&ress:");
        assertEquals(AddServerDialog.DEFAULT_ADDRESS, address.getText());
        assertTrue(address.isFocusControl(), "the address field has the focus when the dialog opens");
        return dialog;
    }

    private TreeItem awaitRow(String address, ConnectionState state) {
        try {
            ui.await(() -> row(address).map(r -> state.label().equals(r.getText(ServerColumn.STATE.ordinal())))
                    .orElse(false), "the Servers view to show " + address + " as " + state.label());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the rows are " + rows() + "; agent output:\n" + agent.output(), e);
        }
        return row(address).orElseThrow();
    }

    private Optional<TreeItem> row(String address) {
        return Arrays.stream(view.viewer().getTree().getItems())
                .filter(item -> address.equals(item.getText(ServerColumn.ADDRESS.ordinal()))).findFirst();
    }

    private List<List<String>> rows() {
        return Arrays.stream(view.viewer().getTree().getItems()).map(ServersViewUiTest::cells).toList();
    }

    private static List<String> cells(TreeItem row) {
        return Arrays.stream(ServerColumn.values()).map(c -> row.getText(c.ordinal())).toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Path workDir() {
        return Path.of(System.getProperty("doppel.test.dir", "target/work"));
    }
}
