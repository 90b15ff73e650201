package io.doppel.console.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Spinner;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.handlers.IHandlerService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


import io.doppel.api.failover.FailoverDefinition;
import io.doppel.api.failover.FailoverState;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.FailoverRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.ui.ServersView;
import io.doppel.console.internal.wizards.NewFailoverHandler;
import io.doppel.console.internal.wizards.NewFailoverWizard;
import io.doppel.console.internal.workbench.DoppelPerspective;
import io.doppel.management.AgentAddress;
import io.doppel.management.ManagementClient;
import io.doppel.management.protocol.Json;
import io.doppel.testing.AgentProcess;

/**
 * The New Failover wizard against two real agents: the target's trusted peers and installed
 * application plugins fill its pages, the definition is checked as the agent checks it, and Finish
 * creates the failover on the target and starts monitoring the living source (healthy).
 */
class NewFailoverWizardUiTest {

    private static final String SOURCE = "failover-wizard-source";
    private static final String TARGET = "failover-wizard-target";

    private static AgentPair agents;
    private static AgentProcess source;
    private static AgentProcess target;

    private final IWorkbench workbench = PlatformUI.getWorkbench();
    private final Ui ui = new Ui(Display.getCurrent());
    private ServerRegistry registry;
    private ServersView view;

    @BeforeAll
    static void startAgents() throws Exception {
        agents = AgentPair.start("failover-wizard", SOURCE, TARGET);
        source = agents.source;
        target = agents.target;
    }

    @AfterAll
    static void stopAgents() {
        if (agents != null) {
            agents.close();
        }
    }

    @BeforeEach
    void bothServers() throws Exception {
        assertNotNull(Display.getCurrent(), "tests must run on the UI thread (useUIThread)");
        IWorkbenchPage page = workbench.showPerspective(DoppelPerspective.ID, workbench.getActiveWorkbenchWindow());
        view = (ServersView) page.showView(ServersView.ID);
        registry = workbench.getService(ServerRegistry.class);
        for (Server server : registry.model().servers()) {
            registry.remove(server);
        }
        agents.showIn(registry, ui);
    }

    @AfterEach
    void closeDialogs() {
        ui.closeDialogs(workbench.getActiveWorkbenchWindow().getShell());
    }

    @Test
    void aFailoverDefinedPageByPageIsCreatedOnTheTargetAndMonitorsTheLivingSource() throws Exception {
        view.viewer().setSelection(new StructuredSelection(server(target)));
        workbench.getActiveWorkbenchWindow().getActivePage().activate(view);
        workbench.getActiveWorkbenchWindow().getService(IHandlerService.class).executeCommand(NewFailoverHandler.COMMAND,
                null);
        WizardDialog dialog = (WizardDialog) ui.awaitShell(NewFailoverWizard.TITLE).getData();

        // Replica and source: the selected server is the target; its trusted peers are the sources offered
        Composite page = Ui.page(dialog);
        assertTrue(Ui.combo(page, "&Target (takes over):").getText().startsWith(TARGET),
                Ui.combo(page, "&Target (takes over):").getText());
        Combo sources = Ui.combo(page, "&Source (protected):");
        ui.await(() -> List.of(sources.getItems()).contains(SOURCE), "the target's trusted peers offered as sources");
        ui.select(sources, SOURCE);
        Combo image = Ui.combo(page, "&Image:");
        image.setText("site");
        ui.dispatchPending();
        assertEquals("site", Ui.textAfterLabel(page, "Na&me:").getText(), "the name follows the image");
        ui.next(dialog);

        // Monitoring: the source is a server of this console, so its address and agent port are proposed
        page = Ui.page(dialog);
        AgentAddress sourceAddress = AgentAddress.parse(source.address());
        assertEquals(sourceAddress.host(), Ui.textAfterLabel(page, "&Addresses:").getText());
        assertEquals(Integer.toString(sourceAddress.port()), Ui.textAfterLabel(page, "A&gent port:").getText());
        ui.enter(Ui.textAfterLabel(page, "&Host ports:"), "22, ssh");
        assertFalse(Ui.nextButton(dialog).isEnabled(), "a host port that is no number is refused");
        assertTrue(dialog.getCurrentPage().getErrorMessage().contains("'ssh' is not a port number"),
                dialog.getCurrentPage().getErrorMessage());
        ui.enter(Ui.textAfterLabel(page, "&Host ports:"), "");
        Spinner misses = Ui.find(page, Spinner.class, s -> s.getToolTipText() != null
                && s.getToolTipText().startsWith("Consecutive rounds")).orElseThrow();
        misses.setSelection(2);
        misses.notifyListeners(org.eclipse.swt.SWT.Modify, new org.eclipse.swt.widgets.Event());
        Button upTo = Ui.find(page, Button.class, b -> b.getText().equals("may lack &up to")).orElseThrow();
        ui.choose(upTo, Ui.find(page, Button.class, b -> b.getText().startsWith("is ne&ver promoted")).orElseThrow());
        Spinner limit = Ui.find(page, Spinner.class, s -> s.getToolTipText() != null
                && s.getToolTipText().startsWith("Most changes the replica may lack")).orElseThrow();
        assertTrue(limit.isEnabled(), "the limit applies once 'may lack up to' is chosen");
        limit.setSelection(10);
        limit.notifyListeners(org.eclipse.swt.SWT.Modify, new org.eclipse.swt.widgets.Event());
        ui.next(dialog);

        // Identity: an address without its interface is refused in the agent's own words
        page = Ui.page(dialog);
        ui.choose(Ui.find(page, Button.class, b -> b.getText().startsWith("&Add the source's addresses")).orElseThrow(),
                Ui.find(page, Button.class, b -> b.getText().startsWith("Take n&one")).orElseThrow());
        Text addresses = Ui.textAfterLabel(page, "A&ddresses:");
        ui.enter(addresses, "10.0.0.10/24");
        assertFalse(Ui.nextButton(dialog).isEnabled());
        assertTrue(dialog.getCurrentPage().getErrorMessage().contains("must be ADDRESS/PREFIX@INTERFACE"),
                dialog.getCurrentPage().getErrorMessage());
        ui.enter(addresses, "10.0.0.10/24@eth0");
        ui.enter(Ui.textAfterLabel(page, "&Host name:"), "www-primary");
        ui.next(dialog);

        // Scripts and applications: the plugins installed on the target; the script plugin with its vendor's
        // form (contributed by this fragment), the others with a plain form built from their declared settings
        page = Ui.page(dialog);
        Composite apps = page;
        ui.await(() -> Ui.find(apps, Button.class, b -> b.getText().startsWith("Start 'script'")).isPresent(),
                "the target's application plugins");
        // every usable field of every form, the plain ones of the plugins chosen too, by a mnemonic of its own
        KeyboardAndLayoutUiTest.checkMnemonics(dialog.getShell(), "New Failover \u25b8 Scripts and applications");
        java.util.List<Button> plainPlugins = Ui.descendants(apps).stream().filter(c -> c instanceof Button b
                && b.getText().startsWith("Start '") && !b.getText().startsWith("Start 'script'") && b.isEnabled())
                .map(Button.class::cast).toList();
        for (Button plugin : plainPlugins) { // one at a time: a page has letters for a plugin's fields, not for all
            plugin.setSelection(true);
            ui.click(plugin);
            KeyboardAndLayoutUiTest.checkMnemonics(dialog.getShell(), "New Failover \u25b8 Scripts and applications, "
                    + "with " + plugin.getText());
            plugin.setSelection(false);
            ui.click(plugin);
        }
        org.eclipse.swt.widgets.Group postgres = Ui.find(page, org.eclipse.swt.widgets.Group.class,
                g -> g.getText().equals("postgresql")).orElseThrow();
        assertTrue(Ui.descendants(postgres).stream().anyMatch(c -> c instanceof Text t && t.getToolTipText() != null
                && !t.getToolTipText().isBlank()), "a form of the declared settings, each with its meaning");
        // the PostgreSQL plugin's own page, from its console plugin: it refuses what the plugin would refuse
        Button pg = Ui.find(page, Button.class, b -> b.getText().startsWith("Start 'postgresql'")).orElseThrow();
        pg.setSelection(true);
        ui.click(pg);
        Text datadir = Ui.textAfterLabel(postgres, "&Data directory:");
        ui.enter(datadir, "/var/lib/postgresql/15/main");
        assertFalse(Ui.nextButton(dialog).isEnabled(), "the PostgreSQL page refuses an absolute data directory");
        assertEquals("postgresql: the data directory is relative to the replicated data (e.g. main), not an absolute path",
                dialog.getCurrentPage().getErrorMessage());
        ui.enter(datadir, "main");
        assertTrue(Ui.textAfterLabel(postgres, "&More settings:").getMessage().startsWith("default: "),
                "each field says its default");
        ui.enter(Ui.textAfterLabel(postgres, "&More settings:"), "shared_buffers");
        assertEquals("postgresql: 'shared_buffers' is not a server setting: write name=value, e.g. shared_buffers=256MB",
                dialog.getCurrentPage().getErrorMessage());
        ui.enter(Ui.textAfterLabel(postgres, "&More settings:"), "");
        ui.enter(datadir, "");
        pg.setSelection(false);
        ui.click(pg);
        Button script = Ui.find(page, Button.class, b -> b.getText().startsWith("Start 'script'")).orElseThrow();
        script.setSelection(true);
        ui.click(script);
        org.eclipse.swt.widgets.Group scriptGroup = Ui.find(page, org.eclipse.swt.widgets.Group.class,
                g -> g.getText().equals("script")).orElseThrow();
        Text start = Ui.textAfterLabel(scriptGroup, ScriptPluginPage.START_LABEL);
        ui.enter(start, "bin/true");
        assertFalse(Ui.nextButton(dialog).isEnabled(), "the vendor's form refuses a relative command");
        assertEquals("script: the start command must begin with an absolute path",
                dialog.getCurrentPage().getErrorMessage());
        ui.enter(start, "/bin/true");
        ui.next(dialog);

        // Summary: every setting in words before anything happens
        String summary = ((NewFailoverWizard) dialog.getCurrentPage().getWizard()).summaryText();
        assertTrue(summary.contains("On " + TARGET + ": create failover 'site' for the image 'site' of " + SOURCE), summary);
        assertTrue(summary.contains("lost after 2 missed rounds of all its addresses"), summary);
        assertTrue(summary.contains("Never promote a replica known to lack more than 10 changes"), summary);
        assertTrue(summary.contains("Add addresses at takeover: 10.0.0.10/24@eth0; answer for the host name www-primary"),
                summary);
        assertTrue(summary.contains("Start the application 'script' with {start=/bin/true}"), summary);
        assertTrue(summary.contains("On " + TARGET + ": start monitoring 'site'"), summary);
        ui.click(Ui.button(dialog.getShell(), IDialogConstants.FINISH_LABEL));
        ui.await(() -> dialog.getShell() == null || dialog.getShell().isDisposed(), "the wizard to close");

        // created on the target as entered, and monitoring the living source
        ui.await(Duration.ofSeconds(60), () -> failover("site") != null
                && failover("site").status().state() == FailoverState.HEALTHY, "the failover healthy beneath the target");
        FailoverDefinition created = Json.GSON.fromJson(Agents.call(target, "failover.definition",
                ManagementClient.args("name", "site")), FailoverDefinition.class);
        assertEquals(SOURCE, created.source());
        assertEquals(List.of(sourceAddress.host()), created.addresses());
        assertEquals(sourceAddress.port(), created.agentPort());
        assertEquals(2, created.misses());
        assertEquals(10, created.maxBehindOps());
        assertEquals(FailoverDefinition.Mode.MANUAL, created.mode());
        assertEquals(List.of("10.0.0.10/24@eth0"), created.identity().addresses());
        assertEquals("script", created.applications().get(0).plugin());
        assertEquals("/bin/true", created.applications().get(0).settings().get("start"));
    }

    private FailoverRef failover(String name) {
        return server(target).failovers().stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
    }

    private Server server(AgentProcess agent) {
        return registry.model().find(AgentAddress.parse(agent.address())).orElseThrow();
    }


}
