package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.IMessageProvider;
import org.eclipse.jface.dialogs.TitleAreaDialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.ScrolledComposite;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.api.job.JobDefinition;
import io.doppel.console.internal.connect.ConnectFailure;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.ui.AgentActions;
import io.doppel.console.internal.wizards.CapturePage.Choice;

/**
 * Job ▸ Edit Job…: changes a stopped job's definition ({@code job.edit}), sending only what the admin
 * changed. The source, the image and the target's fingerprint are shown but stay: another of those is
 * another job. The agent checks every value before anything changes; a refusal is explained in a
 * dialog and this one stays open with what was typed, to correct it.
 */
public final class EditJobDialog extends TitleAreaDialog {

    /** The window's title, followed by the job's name and a quote. */
    public static final String TITLE_PREFIX = "Edit job '";
    /** The OK button's label. */
    public static final String SAVE = "Sa&ve";

    private static final String[] COMPRESSION_WORDS = {
        "none: for data that does not compress, or a fast network",
        "fast: little CPU, most of the gain (the default)",
        "balanced: more CPU for a smaller stream",
        "max: the smallest stream, for slow links" };
    private static final String[] MIRROR_WORDS = {
        "diff: only the blocks whose checksums differ travel (the default)",
        "full: every byte is copied, whatever the target holds",
        "newer: files newer on the source than on the target are copied",
        "none: no copy; the target already holds an identical one" };

    private final ServerRegistry registry;
    private final JobRef job;
    private final JobDefinition definition;
    /** The interceptors in the combo's order; index 0 is "best available" ({@code id == null}). */
    private final List<Choice> choices = new ArrayList<>();
    private boolean askingInterceptors;
    private String askProblem;
    private boolean saving;

    private Text target;
    private Combo interceptor;
    private Label guarantees;
    private Button synchronous;
    private Combo compression;
    private Combo mirror;
    private Text interval;
    private Text queueMemory;
    private Text queueDisk;
    private Text rpo;

    public EditJobDialog(Shell parent, ServerRegistry registry, JobRef job) {
        super(parent);
        this.registry = Objects.requireNonNull(registry, "registry");
        this.job = Objects.requireNonNull(job, "job");
        this.definition = job.status().definition();
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
        setTitle("Job '" + job.name() + "' on " + job.server().displayName());
        Composite form = Scrolling.content(area);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(form.getParent());
        GridLayoutFactory.swtDefaults().numColumns(2).margins(10, 10).applyTo(form);

        Group stays = new Group(form, SWT.NONE);
        stays.setText("Stays with the job");
        GridLayoutFactory.swtDefaults().numColumns(2).applyTo(stays);
        GridDataFactory.fillDefaults().grab(true, false).span(2, 1).applyTo(stays);
        fixed(stays, "Source directory:", definition.source());
        fixed(stays, "Image on the target:", definition.imageName());
        fixed(stays, "Target fingerprint:", definition.targetFingerprint() == null ? "any trusted peer"
                : definition.targetFingerprint());
        Label note = new Label(stays, SWT.WRAP);
        note.setText("Another source, image or target fingerprint is another job: create it with Job \u25b8 New "
                + "Protection Job\u2026, and delete this one once it is no longer needed. The bandwidth and the rules "
                + "change in Job \u25b8 Bandwidth and Rules\u2026, also while the job runs.");
        GridDataFactory.fillDefaults().grab(true, false).span(2, 1).hint(convertWidthInCharsToPixels(70), SWT.DEFAULT)
                .applyTo(note);

        target = text(form, "&Target address (HOST:PORT):", definition.target(),
                "The target agent's replication endpoint, e.g. backup.example:7421");

        new Label(form, SWT.NONE).setText("&Interceptor:");
        interceptor = new Combo(form, SWT.READ_ONLY | SWT.DROP_DOWN);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(interceptor);
        guarantees = new Label(form, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).span(2, 1).hint(convertWidthInCharsToPixels(70), SWT.DEFAULT)
                .applyTo(guarantees);
        choices.add(new Choice(null, true, "", false, false, false, ""));
        if (definition.interceptor() != null) {
            choices.add(new Choice(definition.interceptor(), true, "", false, false, false, ""));
        }
        showChoices(definition.interceptor());
        interceptor.addListener(SWT.Selection, e -> validate());

        synchronous = new Button(form, SWT.CHECK);
        synchronous.setText("&Synchronous: a change completes for applications only once the target applied it");
        synchronous.setSelection(definition.synchronous());
        GridDataFactory.fillDefaults().span(2, 1).applyTo(synchronous);
        synchronous.addListener(SWT.Selection, e -> validate());

        compression = combo(form, "&Compression:", COMPRESSION_WORDS,
                JobDefinition.COMPRESSION.indexOf(definition.compressionLevel()));
        mirror = combo(form, "&Mirror mode (first start and every resynchronisation):", MIRROR_WORDS,
                JobDefinition.MIRROR.indexOf(definition.mirrorMode()));
        interval = text(form, "Send &every (seconds; 0: continuously):", Integer.toString(definition.intervalSeconds()),
                "0 sends changes as they happen; otherwise what accumulated is sent together every so many seconds");
        queueMemory = text(form, "&Queue in memory (MiB; 0: the default, 64):",
                Integer.toString(definition.queueMemoryMiB()),
                "How much of the send queue is kept in memory; beyond it the queue is read back from its journal");
        queueDisk = text(form, "Queue on &disk (MiB; 0: no limit):", Integer.toString(definition.queueDiskMiB()),
                "Beyond it, what the target has not acknowledged is dropped and a mirror resynchronises the target");
        rpo = text(form, "&RPO (seconds; 0: none):", Integer.toString(definition.rpoSeconds()),
                "An event is logged when changes the target has not applied go back further than this");
        askInterceptors();
        target.setFocus();
        return area;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.OK_ID, SAVE, true);
        createButton(parent, IDialogConstants.CANCEL_ID, IDialogConstants.CANCEL_LABEL, false);
        validate();
    }

    private static void fixed(Composite parent, String label, String value) {
        new Label(parent, SWT.NONE).setText(label);
        Text text = new Text(parent, SWT.READ_ONLY);
        text.setText(value == null ? "" : value);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(text);
    }

    private Text text(Composite parent, String label, String value, String tip) {
        new Label(parent, SWT.NONE).setText(label);
        Text text = new Text(parent, SWT.BORDER | SWT.SINGLE);
        text.setText(value == null ? "" : value);
        text.setToolTipText(tip);
        GridDataFactory.fillDefaults().grab(true, false).hint(convertWidthInCharsToPixels(30), SWT.DEFAULT)
                .applyTo(text);
        text.addListener(SWT.Modify, e -> validate());
        return text;
    }

    private Combo combo(Composite parent, String label, String[] items, int selected) {
        new Label(parent, SWT.NONE).setText(label);
        Combo combo = new Combo(parent, SWT.READ_ONLY | SWT.DROP_DOWN);
        combo.setItems(items);
        combo.select(Math.max(0, selected));
        GridDataFactory.fillDefaults().grab(true, false).applyTo(combo);
        combo.addListener(SWT.Selection, e -> validate());
        return combo;
    }

    /** Asks the source agent which interceptors it has and what each guarantees, as the New Job wizard does. */
    private void askInterceptors() {
        askingInterceptors = true;
        AgentQuery.ask(registry.calls(), job.server().entry(), "capture.interceptors", new JsonObject(), interceptor,
                answer -> {
                    askingInterceptors = false;
                    if (answer.ok()) {
                        showInterceptors(answer.result());
                    } else {
                        askProblem = SourcePage.reason(answer.failure().getMessage());
                    }
                    validate();
                });
    }

    private void showInterceptors(JsonElement result) {
        String selected = chosen() == null ? definition.interceptor() : chosen().id();
        choices.clear();
        choices.addAll(InterceptorChoices.of(result, definition.interceptor(), job.server().displayName()));
        showChoices(selected);
    }

    private void showChoices(String selectedId) {
        interceptor.setItems(choices.stream().map(InterceptorChoices::label).toArray(String[]::new));
        for (int i = 0; i < choices.size(); i++) {
            if (Objects.equals(choices.get(i).id(), selectedId)) {
                interceptor.select(i);
            }
        }
    }

    private Choice chosen() {
        int i = interceptor.getSelectionIndex();
        return i >= 0 && i < choices.size() ? choices.get(i) : null;
    }

    /** What the form says now. */
    private JobEdit typed() {
        Choice c = chosen();
        return new JobEdit(target.getText(), synchronous.getSelection(), c == null ? definition.interceptor() : c.id(),
                JobDefinition.COMPRESSION.get(Math.max(0, compression.getSelectionIndex())),
                JobDefinition.MIRROR.get(Math.max(0, mirror.getSelectionIndex())), interval.getText(),
                queueMemory.getText(), queueDisk.getText(), rpo.getText());
    }

    private boolean known(Choice c) {
        return !askingInterceptors && askProblem == null && c != null;
    }

    private void validate() {
        Button ok = getButton(IDialogConstants.OK_ID);
        if (ok == null || rpo == null) {
            return; // still being built
        }
        Choice c = chosen();
        // the guarantees in a line; the limitations, often a paragraph, in the tooltip
        Choice brief = c == null ? null : new Choice(c.id(), c.available(), c.reason(), c.byteLevel(), c.totalOrder(),
                c.synchronous(), "");
        guarantees.setText(askProblem != null ? job.server().displayName() + " did not list its interceptors ("
                + askProblem + "); the choice is kept as it is."
                : askingInterceptors ? "Asking " + job.server().displayName() + " which interceptors it has\u2026"
                : c == null ? "" : (c.id() == null ? CapturePage.BEST : c.id()) + ": "
                        + (c.available() ? brief.guaranteesInWords() : "cannot run here: " + c.reason()));
        String limitations = c == null || c.limitations() == null || c.limitations().isBlank() ? null
                : c.limitations();
        guarantees.setToolTipText(limitations);
        interceptor.setToolTipText(limitations);
        JobEdit edit = typed();
        String error = edit.problem(definition);
        boolean changedInterceptor = !Objects.equals(edit.interceptor(), definition.interceptor());
        if (error == null && known(c) && changedInterceptor && !c.available()) {
            error = (c.id() == null ? "No interceptor can run on " + job.server().displayName()
                    : "Interceptor '" + c.id() + "' cannot run on " + job.server().displayName() + ": " + c.reason())
                    + ". Choose another, or make it available there first.";
        }
        if (error == null && known(c) && edit.synchronous() && (changedInterceptor || !definition.synchronous())
                && c.available() && !c.synchronous()) {
            error = "Synchronous mode needs an interceptor that can hold writes, and "
                    + (c.id() == null ? "the best available" : "'" + c.id() + "'") + " cannot: clear Synchronous or "
                    + "choose another interceptor.";
        }
        JsonObject changes = error == null ? edit.changes(definition) : null;
        if (saving) {
            setErrorMessage(null);
            setMessage("Saving the changes on " + job.server().displayName() + "\u2026");
        } else if (error != null) {
            setErrorMessage(error);
        } else {
            setErrorMessage(null);
            if (changes == null) {
                setMessage("Change what the job should do differently; Save is enabled once something differs.",
                        IMessageProvider.INFORMATION);
            } else {
                setMessage("To change: " + JobEdit.inWords(changes) + ". The next start mirrors the target, as "
                        + "after any stop.");
            }
        }
        ok.setEnabled(!saving && changes != null);
        Composite form = (Composite) rpo.getParent();
        form.setEnabled(!saving); // what is sent is what the form shows until the agent answers
        if (form.getParent() instanceof ScrolledComposite scroller) {
            form.layout(true, true);
            Scrolling.fit(scroller, form);
        }
    }

    @Override
    protected void okPressed() {
        JsonObject args = typed().changes(definition);
        if (args == null || saving) {
            return;
        }
        saving = true;
        validate();
        Display display = getShell().getDisplay();
        String what = "edit job '" + job.name() + "'";
        Job call = new Job("Edit job '" + job.name() + "' on " + job.server().displayName()) {
            @Override
            protected IStatus run(IProgressMonitor monitor) {
                try {
                    registry.calls().call(job.server().entry(), "job.edit", args);
                    registry.refresh(job.server(), null);
                    onDisplay(display, () -> saved());
                } catch (ConnectFailure e) {
                    registry.refresh(job.server(), null);
                    onDisplay(display, () -> refused(display, what, e));
                } catch (RuntimeException e) {
                    onDisplay(display, () -> {
                        saving = false;
                        if (!isClosed()) {
                            validate();
                        }
                    });
                    return Status.error("The console failed to " + what + " on " + job.server().displayName(), e);
                }
                return Status.OK_STATUS;
            }
        };
        call.setUser(false);
        call.schedule();
    }

    private void saved() {
        saving = false;
        if (!isClosed()) {
            super.okPressed();
        }
    }

    /** The refusal in a dialog (what, why, next step); this one keeps what was typed, to correct it. */
    private void refused(Display display, String what, ConnectFailure failure) {
        saving = false;
        if (!isClosed()) {
            validate();
            setErrorMessage("Not saved: " + failure.getMessage());
        }
        AgentActions.showFailure(display, job.server(), what, failure);
    }

    private boolean isClosed() {
        return getShell() == null || getShell().isDisposed();
    }

    private static void onDisplay(Display display, Runnable runnable) {
        if (!display.isDisposed()) {
            display.asyncExec(runnable);
        }
    }
}
