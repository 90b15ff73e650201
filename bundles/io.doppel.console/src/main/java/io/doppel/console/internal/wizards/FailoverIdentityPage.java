package io.doppel.console.internal.wizards;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;

import io.doppel.api.failover.FailoverDefinition;

/**
 * Third page of New Failover: which of the source's identity the target takes at takeover (addresses
 * added or replacing its own, the host name) and where the image appears while it serves.
 */
final class FailoverIdentityPage extends WizardPage {

    private final FailoverDraft draft;
    private Button none;
    private Button add;
    private Text addresses;
    private Text hostAlias;
    private Button takeHostName;
    private Text exposeAt;

    FailoverIdentityPage(FailoverDraft draft) {
        super("failover-identity", "The source's identity", null);
        this.draft = draft;
        setDescription("Clients keep using the source's address and name: the target brings them up at takeover and "
                + "gives them back at fail-back.");
    }

    @Override
    public void createControl(Composite parent) {
        Composite form = Scrolling.content(parent);
        setControl(form.getParent());
        GridLayoutFactory.swtDefaults().numColumns(2).applyTo(form);
        none = radio(form, "Take n&one of the source's identity (scripts or applications handle clients)");
        add = radio(form, "&Add the source's addresses to the target's own");
        Button replace = radio(form, "&Replace the target's addresses with the source's");
        none.setSelection(true);

        new Label(form, SWT.NONE).setText("A&ddresses:");
        addresses = new Text(form, SWT.BORDER | SWT.MULTI | SWT.V_SCROLL);
        addresses.setToolTipText("One per line: ADDRESS/PREFIX@INTERFACE, e.g. 10.0.0.10/24@eth0; a gratuitous ARP "
                + "announces each");
        GridDataFactory.fillDefaults().grab(true, false).hint(SWT.DEFAULT, 60).applyTo(addresses);
        new Label(form, SWT.NONE).setText("&Host name:");
        hostAlias = new Text(form, SWT.BORDER);
        hostAlias.setMessage("optional: the source's host name, answered for the first address");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(hostAlias);
        new Label(form, SWT.NONE);
        takeHostName = new Button(form, SWT.CHECK);
        takeHostName.setText("Make it the target's own host name &while it serves");
        new Label(form, SWT.NONE).setText("&Expose image at:");
        exposeAt = new Text(form, SWT.BORDER);
        exposeAt.setMessage("optional: a path where the image appears (bind mount) for applications");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(exposeAt);

        for (Button b : new Button[] {none, add, replace, takeHostName}) {
            b.addListener(SWT.Selection, e -> update());
        }
        for (Text t : new Text[] {addresses, hostAlias, exposeAt}) {
            t.addModifyListener(e -> update());
        }
        update();
    }

    private void update() {
        draft.identityMode = none.getSelection() ? null
                : add.getSelection() ? FailoverDefinition.IdentityMode.ADD : FailoverDefinition.IdentityMode.REPLACE;
        boolean identity = draft.identityMode != null;
        addresses.setEnabled(identity);
        hostAlias.setEnabled(identity);
        takeHostName.setEnabled(identity);
        draft.identityAddresses = addresses.getText();
        draft.hostAlias = hostAlias.getText();
        draft.takeHostName = takeHostName.getSelection();
        draft.exposeAt = exposeAt.getText();
        String error = null;
        if (!exposeAt.getText().isBlank() && !exposeAt.getText().strip().startsWith("/")) {
            error = "The image is exposed at an absolute path.";
        } else {
            String problem = draft.problem();
            if (problem != null && problem.startsWith("identity")) {
                error = problem;
            }
        }
        setErrorMessage(error);
        setPageComplete(error == null);
    }

    private static Button radio(Composite form, String label) {
        Button b = new Button(form, SWT.RADIO);
        b.setText(label);
        GridDataFactory.fillDefaults().span(2, 1).applyTo(b);
        return b;
    }
}
