package io.doppel.console.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Menu;
import org.eclipse.swt.widgets.MenuItem;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableItem;
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

import io.doppel.console.internal.connect.ConsolePreferences;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.plugins.AgentPluginsDialog;
import io.doppel.console.internal.ui.AgentActions;
import io.doppel.console.internal.ui.ServersView;
import io.doppel.console.internal.workbench.DoppelPerspective;
import io.doppel.management.AgentAddress;
import io.doppel.testing.AgentProcess;

/**
 * Server ▸ Plugins… against a real agent started from its own copy of the built agent installation
 * (installing changes the installation; the copy is made afresh in the test's folder): offered for one connected server, in the Server menu and
 * the Servers view's context menu; the dialog lists the installation, what the build's update site
 * offers, installs the SQL Server failover plugin (the running agent offers it at once) and removes
 * it again after a confirmation; an update site that cannot be read is refused with the agent's
 * reason and a next step, and changes nothing. The tests run in order: one story, one agent.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentPluginsUiTest {

    private static final String NAME = "plugins-ui-agent";
    private static final String FEATURE = "io.doppel.failover.app.windows.sqlserver.feature";
    private static final String SHIPPED = "io.doppel.failover.app.postgresql.feature";
    private static final Duration LONG = Duration.ofMinutes(3);

    /** The test's own folder, made afresh: the copied installation, the agent's home. */
    private static Path dir;

    private static Path installation;
    private static AgentProcess agent;
    private static String previousSite;

    private final IWorkbench workbench = PlatformUI.getWorkbench();
    private final Ui ui = new Ui(Display.getCurrent());
    private ServerRegistry registry;
    private IWorkbenchPage page;

    @BeforeAll
    static void startAnAgentOfItsOwnInstallation() throws Exception {
        dir = Path.of(System.getProperty("doppel.test.dir", "target/work")).resolve("agent-plugins").toAbsolutePath();
        Process clean = new ProcessBuilder("rm", "-rf", dir.toString()).redirectErrorStream(true).start();
        assertTrue(clean.waitFor(60, TimeUnit.SECONDS) && clean.exitValue() == 0, () -> "cleaning " + dir);
        Files.createDirectories(dir);
        installation = dir.resolve("installation");
        Process copy = new ProcessBuilder("cp", "-a", AgentProcess.productDir().toString(), installation.toString())
                .redirectErrorStream(true).start();
        assertTrue(copy.waitFor(120, TimeUnit.SECONDS) && copy.exitValue() == 0,
                () -> "copying the agent installation: " + output(copy));
        agent = AgentProcess.startFrom(installation, dir.resolve("home"), "--name", NAME);
        awaitPluginsList();
        previousSite = ConsolePreferences.node().get(AgentPluginsDialog.SITE_PREFERENCE, null);
        ConsolePreferences.node().remove(AgentPluginsDialog.SITE_PREFERENCE);
    }

    @AfterAll
    static void stopTheAgent() throws Exception {
        ServerRegistry registry = PlatformUI.getWorkbench().getService(ServerRegistry.class);
        if (agent != null) {
            var server = registry.model().find(AgentAddress.parse(agent.address()));
            if (server.isPresent()) {
                registry.remove(server.get());
            }
            agent.close();
        }
        if (previousSite == null) {
            ConsolePreferences.node().remove(AgentPluginsDialog.SITE_PREFERENCE);
        } else {
            ConsolePreferences.node().put(AgentPluginsDialog.SITE_PREFERENCE, previousSite);
        }
    }

    @BeforeEach
    void perspectiveWithTheServer() throws Exception {
        assertNotNull(Display.getCurrent(), "tests must run on the UI thread (useUIThread)");
        IWorkbenchWindow window = workbench.getActiveWorkbenchWindow();
        page = workbench.showPerspective(DoppelPerspective.ID, window);
        window.getShell().setSize(1400, 900);
        registry = workbench.getService(ServerRegistry.class);
        AgentAddress address = AgentAddress.parse(agent.address());
        if (registry.model().find(address).isEmpty()) {
            registry.add(new ServerEntry(address, agent.tokenFile()), null);
        }
        ui.await(() -> server().state().connection() == ConnectionState.CONNECTED, "the agent connected");
    }

    @AfterEach
    void closeDialogs() {
        ui.closeDialogs(workbench.getActiveWorkbenchWindow().getShell());
    }

    @Test
    @Order(1)
    void offeredForOneConnectedServerAndShowsTheInstallation() throws Exception {
        ServersView servers = (ServersView) page.showView(ServersView.ID);
        servers.viewer().setSelection(StructuredSelection.EMPTY);
        page.activate(servers);
        ui.dispatchPending();
        assertFalse(serverMenu(false), "Server \u25b8 Plugins\u2026 is disabled without a selected server");

        Shell dialog = open();
        Text folder = Ui.textAfterLabel(dialog, AgentPluginsDialog.FOLDER_LABEL);
        Table installed = table(dialog, AgentPluginsDialog.INSTALLED_LABEL);
        ui.await(() -> ids(installed).contains("io.doppel.agent.feature"), "the installed features listed");
        assertEquals(installation.toRealPath(), Path.of(folder.getText()).toRealPath(), "the installation folder");
        assertTrue(ids(installed).contains(SHIPPED), ids(installed).toString());
        assertFalse(ids(installed).contains(FEATURE), ids(installed).toString());
        assertFalse(Ui.allLabels(dialog).contains("unavailable"), "the agent can write its installation");
        assertEquals(AgentPluginsDialog.DEFAULT_SITE, Ui.textAfterLabel(dialog, AgentPluginsDialog.SITE_LABEL).getText(),
                "the update site's default");
        assertFalse(Ui.button(dialog, AgentPluginsDialog.INSTALL).isEnabled(), "nothing to install yet");
        assertFalse(Ui.button(dialog, AgentPluginsDialog.REMOVE).isEnabled(), "nothing selected to remove");

        // every control by its mnemonic, none shared; the window survives being made small or large
        KeyboardAndLayoutUiTest.checkMnemonics(dialog, "Plugins");
        for (Point size : List.of(new Point(600, 520), new Point(1300, 900))) {
            dialog.setSize(size);
            dialog.layout(true, true);
            ui.dispatchPending();
            KeyboardAndLayoutUiTest.checkInside(dialog, dialog, "Plugins at " + size.x + "x" + size.y);
        }
    }

    @Test
    @Order(2)
    void anUpdateSiteThatCannotBeReadIsRefusedWithTheAgentsReasonAndChangesNothing() throws Exception {
        List<String> before = installedOnTheAgent();
        Shell dialog = open();
        Table installed = table(dialog, AgentPluginsDialog.INSTALLED_LABEL);
        ui.await(() -> !ids(installed).isEmpty(), "the installed features listed");
        String nowhere = dir.resolve("nowhere").toString();
        ui.enter(Ui.textAfterLabel(dialog, AgentPluginsDialog.SITE_LABEL), nowhere);
        ui.click(Ui.button(dialog, AgentPluginsDialog.LIST));

        Shell refused = ui.awaitShell(AgentActions.FAILED_TITLE_PREFIX + "list the plugins of update site " + nowhere
                + " on " + NAME);
        String text = Ui.allLabels(refused);
        assertTrue(text.contains("no update site can be read at"), text);
        assertTrue(text.contains("Next step: "), text);
        assertFalse(text.contains("Exception"), text);
        refused.close();
        assertFalse(dialog.isDisposed(), "the dialog stays open");
        String result = Ui.textAfterLabel(dialog, AgentPluginsDialog.RESULT_LABEL).getText();
        assertTrue(result.contains("no update site can be read at") && result.contains("Next step: "), result);
        assertEquals(0, table(dialog, AgentPluginsDialog.AVAILABLE_LABEL).getItemCount(), "nothing offered");
        assertEquals(before, installedOnTheAgent(), "a refusal changes nothing");
        assertEquals(null, ConsolePreferences.node().get(AgentPluginsDialog.SITE_PREFERENCE, null),
                "a site that cannot be read is not remembered");
    }

    @Test
    @Order(3)
    void thePluginIsInstalledIntoTheRunningAgentAndRemovedAgain() throws Exception {
        assertFalse(failoverPlugins().contains("sqlserver"), "not offered before");
        Shell dialog = open();
        Table installed = table(dialog, AgentPluginsDialog.INSTALLED_LABEL);
        Table available = table(dialog, AgentPluginsDialog.AVAILABLE_LABEL);
        ui.await(() -> !ids(installed).isEmpty(), "the installed features listed");
        String site = updateSite().toString();
        ui.enter(Ui.textAfterLabel(dialog, AgentPluginsDialog.SITE_LABEL), site);
        ui.click(Ui.button(dialog, AgentPluginsDialog.LIST));
        ui.await(LONG, () -> ids(available).contains(FEATURE), "the update site's features listed");
        assertEquals(site, ConsolePreferences.node().get(AgentPluginsDialog.SITE_PREFERENCE, null), "remembered");

        // what is installed at that version is shown but cannot be checked
        TableItem shipped = item(available, SHIPPED);
        assertFalse(AgentPluginsDialog.NOT_INSTALLED.equals(installedColumn(available, SHIPPED)), "the product ships PostgreSQL");
        check(available, shipped);
        assertFalse(shipped.getChecked(), "an installed version cannot be checked");
        assertFalse(Ui.button(dialog, AgentPluginsDialog.INSTALL).isEnabled());
        TableItem sqlserver = item(available, FEATURE);
        assertEquals(AgentPluginsDialog.NOT_INSTALLED, installedColumn(available, FEATURE));
        check(available, sqlserver);
        assertTrue(sqlserver.getChecked());
        Button install = Ui.button(dialog, AgentPluginsDialog.INSTALL);
        assertTrue(install.isEnabled(), "Install enabled for a checked feature");
        ui.click(install);
        assertTrue(((AgentPluginsDialog) dialog.getData()).isBusy(), "busy while the agent installs");
        assertFalse(Ui.allLabels(dialog).replace("Installing", "").isEmpty());
        assertFalse(install.isEnabled(), "no second install while one runs");

        Text result = Ui.textAfterLabel(dialog, AgentPluginsDialog.RESULT_LABEL);
        ui.await(LONG, () -> !((AgentPluginsDialog) dialog.getData()).isBusy() && ids(installed).contains(FEATURE),
                "the install done and the installation read again: " + result.getText());
        assertTrue(result.getText().startsWith("Installed on " + NAME), result.getText());
        assertTrue(result.getText().contains("io.doppel.failover.app.windows.sqlserver "), "the started bundle: "
                + result.getText());
        assertTrue(result.getText().contains("Installed and started in this agent"), result.getText());
        ui.await(() -> failoverPlugins().contains("sqlserver"), "the running agent to offer the sqlserver plugin");
        assertTrue(installedOnTheAgent().contains(FEATURE));
        assertEquals(item(available, FEATURE).getText(column(available, "Version")), installedColumn(available, FEATURE),
                "the Available table shows it installed");

        dialog.setBounds(40, 40, 1000, 760);
        dialog.layout(true, true);
        dialog.forceActive();
        ui.dispatchPending();
        ui.publishScreenshot(dialog, "console-plugins.png");

        // removal: the confirmation says what happens, Cancel is the default
        installed.setSelection(item(installed, FEATURE));
        installed.notifyListeners(SWT.Selection, new Event());
        ui.dispatchPending();
        ui.click(Ui.button(dialog, AgentPluginsDialog.REMOVE));
        Shell confirm = ui.awaitShell(AgentPluginsDialog.REMOVE_TITLE_PREFIX + item(installed, FEATURE).getText(0));
        String question = Ui.allLabels(confirm);
        assertTrue(question.contains(FEATURE) && question.contains("stops its bundles at once"), question);
        assertEquals("Cancel", confirm.getDefaultButton().getText(), "Cancel is the default");
        ui.click(Ui.button(confirm, "&Remove"));
        ui.await(LONG, () -> !((AgentPluginsDialog) dialog.getData()).isBusy() && !ids(installed).contains(FEATURE),
                "the removal done and the installation read again: " + result.getText());
        assertTrue(result.getText().startsWith("Removed from " + NAME), result.getText());
        ui.await(() -> !failoverPlugins().contains("sqlserver"), "the sqlserver plugin gone from the running agent");
        assertFalse(installedOnTheAgent().contains(FEATURE));

        // a feature the product shipped: the agent refuses, the dialog says why and stays
        installed.setSelection(item(installed, SHIPPED));
        installed.notifyListeners(SWT.Selection, new Event());
        ui.click(Ui.button(dialog, AgentPluginsDialog.REMOVE));
        Shell again = ui.awaitShell(AgentPluginsDialog.REMOVE_TITLE_PREFIX + item(installed, SHIPPED).getText(0));
        ui.click(Ui.button(again, "&Remove"));
        Shell refused = ui.awaitShell(AgentActions.FAILED_TITLE_PREFIX + "remove " + item(installed, SHIPPED).getText(0)
                + " on " + NAME);
        String text = Ui.allLabels(refused);
        assertTrue(text.contains("part of the agent itself") && text.contains("Next step: "), text);
        refused.close();
        assertFalse(dialog.isDisposed(), "the dialog stays open");
        assertTrue(installedOnTheAgent().contains(SHIPPED), "a refusal changes nothing");
    }

    /** Opens Server ▸ Plugins… through the menu bar, the server selected in the Servers view. */
    /**
     * An installation the agent cannot write: the dialog says so, and Install and Remove stay
     * disabled. The tests run as root, who may write anywhere, so the folder is made immutable
     * ({@code chattr +i}), which refuses writes to root too; it is made mutable again afterwards.
     */
    @Test
    @Order(4)
    void anInstallationTheAgentCannotWriteOffersNeitherInstallNorRemove() throws Exception {
        assertEquals(0, new ProcessBuilder("chattr", "+i", installation.toString()).inheritIO().start().waitFor(),
                "chattr +i " + installation);
        try {
            assertFalse(Files.isWritable(installation), "an immutable folder is not writable, even for root");
            Shell dialog = open();
            Table installed = table(dialog, AgentPluginsDialog.INSTALLED_LABEL);
            ui.await(() -> ids(installed).contains("io.doppel.agent.feature"), "the installed features listed");
            ui.await(() -> Ui.allLabels(dialog).contains("unavailable"), "the line that says why nothing can change");
            String text = Ui.allLabels(dialog);
            assertTrue(text.contains("Install and Remove are unavailable: the agent's user cannot write the"), text);
            installed.setSelection(0);
            installed.notifyListeners(SWT.Selection, new Event());
            ui.dispatchPending();
            assertFalse(Ui.button(dialog, AgentPluginsDialog.REMOVE).isEnabled(), "Remove with a feature selected");
            ui.enter(Ui.textAfterLabel(dialog, AgentPluginsDialog.SITE_LABEL), updateSite().toString());
            ui.click(Ui.button(dialog, AgentPluginsDialog.LIST));
            Table available = table(dialog, AgentPluginsDialog.AVAILABLE_LABEL);
            ui.await(LONG, () -> ids(available).contains(FEATURE), "the update site's features listed");
            check(available, item(available, FEATURE));
            assertFalse(Ui.button(dialog, AgentPluginsDialog.INSTALL).isEnabled(), "Install with a feature checked");
            assertTrue(Ui.button(dialog, AgentPluginsDialog.INSTALL).getToolTipText().startsWith("Unavailable"),
                    "the button says why");
        } finally {
            new ProcessBuilder("chattr", "-i", installation.toString()).inheritIO().start().waitFor();
        }
    }

    private Shell open() throws Exception {
        ServersView servers = (ServersView) page.showView(ServersView.ID);
        servers.viewer().setSelection(new StructuredSelection(server()), true);
        page.activate(servers);
        ui.dispatchPending();
        assertTrue(contextMenuOffersPlugins(servers), "Plugins\u2026 enabled in the Servers view's context menu");
        assertTrue(serverMenu(true), "Server \u25b8 Plugins\u2026 enabled for the connected server");
        return ui.awaitShell(AgentPluginsDialog.TITLE_PREFIX + NAME);
    }

    /** Whether Server ▸ Plugins… is enabled; chooses it if asked to and it is. */
    private boolean serverMenu(boolean choose) {
        Menu bar = workbench.getActiveWorkbenchWindow().getShell().getMenuBar();
        Menu server = Arrays.stream(bar.getItems()).filter(i -> i.getText().replace("&", "").equals("Server"))
                .findFirst().orElseThrow(() -> new AssertionError("no Server menu")).getMenu();
        MenuItem item = menuItem(server, "Plugins");
        assertEquals("&Plugins\u2026", item.getText().split("\t")[0], "the item's mnemonic");
        boolean enabled = item.isEnabled();
        if (choose && enabled) {
            item.notifyListeners(SWT.Selection, new Event());
        }
        server.notifyListeners(SWT.Hide, new Event());
        ui.dispatchPending();
        return enabled;
    }

    private boolean contextMenuOffersPlugins(ServersView servers) {
        Menu context = servers.viewer().getControl().getMenu();
        assertNotNull(context, "the view has a context menu");
        boolean enabled = menuItem(context, "Plugins").isEnabled();
        context.notifyListeners(SWT.Hide, new Event());
        ui.dispatchPending();
        return enabled;
    }

    private MenuItem menuItem(Menu menu, String label) {
        menu.notifyListeners(SWT.Show, new Event());
        ui.dispatchPending();
        return Arrays.stream(menu.getItems()).filter(i -> i.getText().replace("&", "").startsWith(label)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + label + " in the menu: "
                        + Arrays.stream(menu.getItems()).map(MenuItem::getText).toList()));
    }

    /** Checks an item's box as a click does. */
    private void check(Table table, TableItem item) {
        item.setChecked(true);
        Event e = new Event();
        e.detail = SWT.CHECK;
        e.item = item;
        table.notifyListeners(SWT.Selection, e);
        ui.dispatchPending();
    }

    /** The table right after the label an admin reads. */
    private static Table table(Composite root, String label) {
        for (Control c : Ui.descendants(root)) {
            if (c instanceof Label l && label.equals(l.getText())) {
                Control[] siblings = l.getParent().getChildren();
                int i = Arrays.asList(siblings).indexOf(l);
                if (i + 1 < siblings.length && siblings[i + 1] instanceof Table t) {
                    return t;
                }
            }
        }
        throw new AssertionError("no table labelled '" + label + "' in " + root);
    }

    /** The index of the column with this header. */
    private static int column(Table table, String header) {
        for (int i = 0; i < table.getColumnCount(); i++) {
            if (header.equals(table.getColumn(i).getText())) {
                return i;
            }
        }
        throw new AssertionError("no column " + header);
    }

    /** The feature ids a table shows (its Id column). */
    private static List<String> ids(Table table) {
        int id = column(table, "Id");
        return Arrays.stream(table.getItems()).map(i -> i.getText(id)).toList();
    }

    /** What a feature's row says in the Installed column of the Available table. */
    private static String installedColumn(Table available, String id) {
        return item(available, id).getText(column(available, "Installed"));
    }

    private static TableItem item(Table table, String id) {
        int column = column(table, "Id");
        return Arrays.stream(table.getItems()).filter(i -> id.equals(i.getText(column))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + id + " in " + ids(table)));
    }

    private Server server() {
        return registry.model().find(AgentAddress.parse(agent.address())).orElseThrow();
    }

    /**
     * The agent answers before all its components are up: its plugin commands register, and then p2's
     * services (the profile registry) come up. Waits until {@code plugins.list} answers.
     */
    private static void awaitPluginsList() {
        String[] last = new String[1];
        io.doppel.testing.Await.awaitCondition(Duration.ofSeconds(60), () -> {
            try {
                Agents.call(agent, "plugins.list", new JsonObject());
                return true;
            } catch (io.doppel.management.ManagementException e) {
                last[0] = e.getMessage();
                return false;
            }
        }, "plugins.list to answer on the agent (last: " + last[0] + ")");
    }

    /** The feature ids of the agent's installation, as it lists them itself. */
    private static List<String> installedOnTheAgent() throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonElement e : Agents.call(agent, "plugins.list", new JsonObject()).getAsJsonObject()
                .getAsJsonArray("features")) {
            ids.add(e.getAsJsonObject().get("id").getAsString());
        }
        return ids;
    }

    /** The application failover plugins the running agent offers. */
    private static List<String> failoverPlugins() {
        try {
            List<String> ids = new ArrayList<>();
            for (JsonElement e : Agents.call(agent, "failover.plugins", new JsonObject()).getAsJsonArray()) {
                ids.add(e.getAsJsonObject().get("id").getAsString());
            }
            return ids;
        } catch (Exception e) {
            throw new AssertionError("failover.plugins: " + e.getMessage(), e);
        }
    }

    /** The update site the product module builds: products/io.doppel.agent.product/linux/gtk/x86_64 → ../../../../../repository. */
    private static Path updateSite() {
        Path site = AgentProcess.productDir().getParent().getParent().getParent().getParent().getParent()
                .resolve("repository");
        assertTrue(Files.isRegularFile(site.resolve("content.jar")) || Files.isRegularFile(site.resolve("content.xml.xz")),
                () -> "the build's update site is missing: " + site);
        return site;
    }

    private static String output(Process p) {
        try {
            return new String(p.getInputStream().readAllBytes());
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
