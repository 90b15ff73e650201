package io.doppel.console.internal.wizards;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Spinner;
import org.eclipse.swt.widgets.Text;

import io.doppel.api.failover.FailoverDefinition;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;

/**
 * Second page of New Failover: how the target watches the source (addresses, probes, interval,
 * misses, any or all), who decides to take over, how far behind the replica may be, and the witness.
 */
final class FailoverMonitorPage extends WizardPage {

    private final FailoverDraft draft;
    private final ServerModel model;
    private Text addresses;
    private Text agentPort;
    private Text hostPorts;
    private Button icmp;
    private Spinner interval;
    private Spinner misses;
    private Button all;
    private Button automatic;
    private Button behindNone;
    private Button behindSome;
    private Spinner behindLimit;
    private Button witness;

    FailoverMonitorPage(FailoverDraft draft, ServerModel model) {
        super("failover-monitor", "Monitoring the source", null);
        this.draft = draft;
        this.model = model;
        setDescription("A probe by the agent's port tells a crashed agent from a dead host; ICMP and host ports tell "
                + "a living host from a dead one.");
        setPageComplete(false);
    }

    @Override
    public void createControl(Composite parent) {
        Composite form = Scrolling.content(parent);
        setControl(form.getParent());
        GridLayoutFactory.swtDefaults().numColumns(2).applyTo(form);

        addresses = field(form, "&Addresses:", "the source's IP addresses or host names, separated by commas");
        agentPort = field(form, "A&gent port:", "the source agent's management port (0: do not probe it)");
        hostPorts = field(form, "&Host ports:", "optional: TCP ports that answer while the host lives, e.g. 22");
        new Label(form, SWT.NONE);
        icmp = new Button(form, SWT.CHECK);
        icmp.setText("Also probe by ICMP &echo (ping)");
        icmp.setSelection(draft.icmp);

        new Label(form, SWT.NONE).setText("&Interval (ms):");
        interval = new Spinner(form, SWT.BORDER);
        interval.setValues(draft.intervalMillis, 200, 60_000, 0, 100, 1000);
        new Label(form, SWT.NONE).setText("&Misses:");
        misses = new Spinner(form, SWT.BORDER);
        misses.setValues(draft.misses, 1, 100, 0, 1, 5);
        misses.setToolTipText("Consecutive rounds without an answer before an address counts as lost");

        Group lost = group(form, "The source is lost when");
        Button any = radio(lost, "an&y of its addresses is lost");
        all = radio(lost, "a&ll of its addresses are lost");
        all.setSelection(true);
        any.setSelection(false);

        Group decide = group(form, "Then");
        Button manual = radio(decide, "raise an alert and wait for the admin's wor&d (manual)");
        automatic = radio(decide, "take over au&tomatically");
        manual.setSelection(true);

        Group behind = group(form, "A replica known to lack changes the source journaled");
        behindNone = radio(behind, "is ne&ver promoted by itself (the admin may accept the loss)");
        Composite some = new Composite(behind, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(2).applyTo(some);
        behindSome = new Button(some, SWT.RADIO);
        behindSome.setText("may lack &up to");
        behindLimit = new Spinner(some, SWT.BORDER);
        behindLimit.setValues(100, 1, 1_000_000, 0, 1, 100);
        behindLimit.setToolTipText("Most changes the replica may lack and still be promoted by itself");
        Button behindAny = radio(behind, "is promoted however far behind (a site that may lose its last changes)");
        behindNone.setSelection(true);
        behindAny.addListener(SWT.Selection, e -> update());

        new Label(form, SWT.NONE);
        witness = new Button(form, SWT.CHECK);
        witness.setText("Ask the &witness first (the agent's ZooKeeper witness must be configured)");

        for (var c : new org.eclipse.swt.widgets.Control[] {addresses, agentPort, hostPorts}) {
            ((Text) c).addModifyListener(e -> update());
        }
        for (var b : new Button[] {icmp, all, any, manual, automatic, behindNone, behindSome, witness}) {
            b.addListener(SWT.Selection, e -> update());
        }
        interval.addModifyListener(e -> update());
        misses.addModifyListener(e -> update());
        behindLimit.addModifyListener(e -> update());
    }

    @Override
    public void setVisible(boolean visible) {
        if (visible && addresses.getText().isBlank()) {
            proposeFromSource();
        }
        super.setVisible(visible);
        update();
    }

    /** If the source is one of the console's servers, its address and management port are the likely probes. */
    private void proposeFromSource() {
        for (Server server : model.servers()) {
            if (server.displayName().equals(draft.source.strip())) {
                addresses.setText(server.entry().address().host());
                agentPort.setText(Integer.toString(server.entry().address().port()));
                return;
            }
        }
        if (agentPort.getText().isBlank()) {
            agentPort.setText(Integer.toString(draft.agentPort));
        }
    }

    private void update() {
        draft.addresses = addresses.getText();
        draft.icmp = icmp.getSelection();
        draft.intervalMillis = interval.getSelection();
        draft.misses = misses.getSelection();
        draft.trigger = all.getSelection() ? FailoverDefinition.Trigger.ALL : FailoverDefinition.Trigger.ANY;
        draft.mode = automatic.getSelection() ? FailoverDefinition.Mode.AUTOMATIC : FailoverDefinition.Mode.MANUAL;
        draft.maxBehindOps = behindNone.getSelection() ? 0 : behindSome.getSelection() ? behindLimit.getSelection()
                : FailoverDefinition.ANY_BEHIND;
        behindLimit.setEnabled(behindSome.getSelection());
        draft.witness = witness.getSelection();
        String error = null;
        try {
            draft.agentPort = agentPort.getText().isBlank() ? 0 : Integer.parseInt(agentPort.getText().strip());
            draft.hostPorts = hostPorts.getText();
            FailoverDraft.ports(draft.hostPorts);
        } catch (NumberFormatException e) {
            error = "The agent port must be a number (0 not to probe the agent).";
        } catch (IllegalArgumentException e) {
            error = "Host ports: " + e.getMessage().replace("hostPorts: ", "") + ".";
        }
        if (error == null) {
            String problem = draft.problem();
            // later pages' fields are checked there; here only what this page sets
            if (problem != null && (problem.startsWith("addresses") || problem.startsWith("agentPort")
                    || problem.startsWith("hostPorts") || problem.startsWith("intervalMillis")
                    || problem.startsWith("misses"))) {
                error = problem;
            }
        }
        setErrorMessage(error);
        setPageComplete(error == null);
    }

    private static Text field(Composite form, String label, String hint) {
        new Label(form, SWT.NONE).setText(label);
        Text text = new Text(form, SWT.BORDER);
        text.setMessage(hint);
        text.setToolTipText(hint);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(text);
        return text;
    }

    private static Group group(Composite form, String title) {
        Group group = new Group(form, SWT.NONE);
        group.setText(title);
        GridLayoutFactory.swtDefaults().applyTo(group);
        GridDataFactory.fillDefaults().grab(true, false).span(2, 1).applyTo(group);
        return group;
    }

    private static Button radio(Composite parent, String label) {
        Button b = new Button(parent, SWT.RADIO);
        b.setText(label);
        return b;
    }
}
