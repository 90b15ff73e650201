package io.doppel.console.internal.wizards;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Text;

/** Last page of New Failover: every action and setting in words, before anything happens. */
final class FailoverSummaryPage extends WizardPage {

    private final FailoverDraft draft;
    private Text text;
    private Button start;

    FailoverSummaryPage(FailoverDraft draft) {
        super("failover-summary", "Summary", null);
        this.draft = draft;
        setDescription("Nothing has changed yet. Finish does this:");
        setPageComplete(false);
    }

    @Override
    public void createControl(Composite parent) {
        Composite form = Scrolling.content(parent);
        setControl(form.getParent());
        GridLayoutFactory.swtDefaults().applyTo(form);
        text = new Text(form, SWT.MULTI | SWT.READ_ONLY | SWT.WRAP | SWT.V_SCROLL | SWT.BORDER);
        GridDataFactory.fillDefaults().grab(true, true).hint(500, 240).applyTo(text);
        start = new Button(form, SWT.CHECK);
        start.setText("&Start monitoring now");
        start.setSelection(draft.startNow);
        start.addListener(SWT.Selection, e -> {
            draft.startNow = start.getSelection();
            refresh();
        });
    }

    @Override
    public void setVisible(boolean visible) {
        if (visible) {
            refresh();
        }
        super.setVisible(visible);
    }

    private void refresh() {
        String problem = draft.problem();
        StringBuilder s = new StringBuilder();
        for (String line : draft.describe()) {
            s.append("\u2022 ").append(line).append('\n');
        }
        text.setText(s.toString().strip());
        setErrorMessage(problem == null ? null : "The agent would refuse this: " + problem);
        setPageComplete(problem == null);
    }

    /** The summary's text, for UI tests. */
    String text() {
        return text.getText();
    }
}
