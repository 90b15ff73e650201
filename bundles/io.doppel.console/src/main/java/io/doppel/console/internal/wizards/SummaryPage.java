package io.doppel.console.internal.wizards;

import java.util.List;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;

/** Page 5: every action Finish takes, in words, before any of them starts. */
final class SummaryPage extends WizardPage {

    static final String TITLE = "Summary";
    static final String START_NOW = "&Start the job now";

    private final JobPlan plan;
    private Text actions;
    private Button startNow;
    private boolean seen;

    /**
     * The actions on screen, fixed when the page was shown: Finish runs exactly these, even if a
     * server disconnects (and loses its name or identity in the model) between showing and Finish.
     */
    private List<PlannedAction> shown = List.of();

    SummaryPage(JobPlan plan) {
        super("summary", TITLE, null);
        this.plan = plan;
        setDescription("Check what will be done; Finish does it, in this order.");
        setPageComplete(false);
    }

    @Override
    public void createControl(Composite parent) {
        Composite page = Scrolling.content(parent);
        setControl(page.getParent());
        page.setLayout(new GridLayout(1, false));
        new Label(page, SWT.NONE).setText("Finish will:");
        actions = new Text(page, SWT.BORDER | SWT.MULTI | SWT.READ_ONLY | SWT.WRAP | SWT.V_SCROLL);
        GridDataFactory.fillDefaults().grab(true, true).hint(500, 160).applyTo(actions);
        startNow = new Button(page, SWT.CHECK);
        startNow.setText(START_NOW);
        startNow.setSelection(plan.startNow);
        startNow.addListener(SWT.Selection, e -> {
            plan.startNow = startNow.getSelection();
            show();
        });
        Label note = new Label(page, SWT.WRAP);
        note.setText("The actions run in the background, one after the other; you can cancel between them in the "
                + "Progress view. If one fails, you are told which, why, and what took effect before it.");
        GridDataFactory.fillDefaults().grab(true, false).hint(500, SWT.DEFAULT).applyTo(note);
    }

    @Override
    public void setVisible(boolean visible) {
        boolean planned = plan.source != null && plan.target != null;
        if (visible) {
            seen = planned;
            if (planned) {
                show();
            } else {
                actions.setText("Choose the source and the target on the earlier pages first.");
            }
        }
        super.setVisible(visible);
        setPageComplete(seen);
    }

    private void show() {
        List<PlannedAction> planned = plan.actions();
        shown = planned;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < planned.size(); i++) {
            b.append(i + 1).append(". ").append(planned.get(i).description()).append('\n');
        }
        actions.setText(b.toString().stripTrailing());
    }

    /** The actions the admin saw on this page, the last time it was shown. */
    List<PlannedAction> shownActions() {
        return shown;
    }
}
