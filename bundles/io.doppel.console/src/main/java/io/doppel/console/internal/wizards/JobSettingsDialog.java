package io.doppel.console.internal.wizards;

import java.util.Objects;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.TitleAreaDialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.doppel.api.job.JobDefinition;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.ui.AgentActions;

/**
 * Job ▸ Bandwidth and Rules…: changes what a job sends and how fast, also while it runs
 * ({@code job.limit}, {@code job.rules}). The agent checks both; a refusal is explained in a dialog
 * and the job keeps what it had.
 */
public final class JobSettingsDialog extends TitleAreaDialog {

    /** The window's title, followed by the job's name and a quote. */
    public static final String TITLE_PREFIX = "Bandwidth and rules of job '";

    private final ServerRegistry registry;
    private final JobRef job;
    private Text bandwidth;
    private RulesEditor rules;

    public JobSettingsDialog(Shell parent, ServerRegistry registry, JobRef job) {
        super(parent);
        this.registry = Objects.requireNonNull(registry, "registry");
        this.job = Objects.requireNonNull(job, "job");
        setBlockOnOpen(false);
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(TITLE_PREFIX + job.name() + "'");
    }

    @Override
    protected boolean isResizable() {
        return true;
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        JobDefinition definition = job.status().definition();
        setTitle("Job '" + job.name() + "' on " + job.server().displayName());
        setMessage("Both apply at once, also while the job runs: a narrower replication set stops sending what it "
                + "leaves out; a wider one sends what it adds from then on (a mirror copies what is already there).");
        Composite form = new Composite(area, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(form);
        GridLayoutFactory.swtDefaults().numColumns(2).margins(10, 10).applyTo(form);
        new Label(form, SWT.NONE).setText("&Bandwidth:");
        bandwidth = new Text(form, SWT.BORDER);
        bandwidth.setText(definition.bandwidth() == null ? "" : definition.bandwidth());
        bandwidth.setMessage("unlimited; or e.g. 25GB/h Mon-Fri 08:00-18:00; unlimited");
        bandwidth.setToolTipText("Rates such as 500KB/s, 10MB/s or 25GB/h, each optionally for days (Mon-Fri, Sat,Sun) "
                + "and hours (08:00-18:00), separated by ';'; the last one without days applies otherwise. Empty: unlimited.");
        GridDataFactory.fillDefaults().grab(true, false).hint(convertWidthInCharsToPixels(50), SWT.DEFAULT)
                .applyTo(bandwidth);
        rules = new RulesEditor(form, () -> { });
        GridDataFactory.fillDefaults().grab(true, true).span(2, 1).applyTo(rules.control());
        rules.rules(definition.rules());
        bandwidth.setFocus();
        return area;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.OK_ID, "&Change", true);
        createButton(parent, IDialogConstants.CANCEL_ID, IDialogConstants.CANCEL_LABEL, false);
    }

    @Override
    protected void okPressed() {
        JsonObject limit = new JsonObject();
        limit.addProperty("name", job.name());
        limit.addProperty("bandwidth", bandwidth.getText().strip());
        JsonObject rulesArgs = new JsonObject();
        rulesArgs.addProperty("name", job.name());
        JsonArray list = new JsonArray();
        rules.rules().forEach(list::add);
        rulesArgs.add("rules", list);
        Display display = getShell().getDisplay();
        super.okPressed();
        AgentActions.run(registry, display, job.server(), "change the bandwidth of job '" + job.name() + "'",
                "job.limit", limit, done -> AgentActions.run(registry, display, job.server(),
                        "change the rules of job '" + job.name() + "'", "job.rules", rulesArgs, null));
    }
}
