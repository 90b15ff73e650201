package io.doppel.console.internal.ui;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.ui.IViewPart;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.part.ViewPart;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import io.doppel.api.job.VerifyReport;
import io.doppel.console.internal.connect.ConnectFailure;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.JobRef;
import io.doppel.management.protocol.Json;

/**
 * The verification report of one job: what was compared, what is missing, extra or different, and
 * what was repaired; follows a running verification until it ends. Verify again, or verify and repair
 * (after a confirmation that says what repair does), from here.
 */
public final class VerifyReportView extends ViewPart {

    public static final String ID = "io.doppel.console.views.verify";
    /** Title of the repair confirmation, followed by the job's name and a quote. */
    public static final String REPAIR_TITLE_PREFIX = "Verify and repair job '";
    /** How long one follow-up call waits on the agent for the verification to end. */
    static final int FOLLOW_WAIT_SECONDS = 5;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private Label heading;
    private Label counts;
    private TableViewer differences;
    private Button verifyAgain;
    private Button repair;
    private Combo orphans;
    private volatile JobRef job;
    private volatile VerifyReport report;
    private Job follower;

    /** Shows the view for the job and follows its verification. Display thread. */
    public static void show(JobRef job) {
        IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
        try {
            IViewPart view = page.showView(ID);
            ((VerifyReportView) view).follow(job);
        } catch (PartInitException e) {
            throw new IllegalStateException("the verification report view cannot open", e);
        }
    }

    @Override
    public void createPartControl(Composite parent) {
        Composite root = new Composite(parent, SWT.NONE);
        root.setLayout(new GridLayout(4, false));
        heading = new Label(root, SWT.WRAP);
        heading.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 4, 1));
        counts = new Label(root, SWT.WRAP);
        counts.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 4, 1));

        verifyAgain = new Button(root, SWT.PUSH);
        verifyAgain.setText("&Verify Again");
        verifyAgain.addListener(SWT.Selection, e -> startVerify(false));
        repair = new Button(root, SWT.PUSH);
        repair.setText("Verify and &Repair\u2026");
        repair.addListener(SWT.Selection, e -> startVerify(true));
        Label orphanLabel = new Label(root, SWT.NONE);
        orphanLabel.setText("&Orphans:");
        orphanLabel.setLayoutData(new GridData(SWT.END, SWT.CENTER, true, false));
        orphans = new Combo(root, SWT.READ_ONLY);
        orphans.setItems("report", "aside", "delete");
        orphans.select(0);
        orphans.setToolTipText("What a repair does with entries only the target has: report them, move them aside "
                + "into the image's orphan folder, or delete them");

        differences = new TableViewer(root, SWT.FULL_SELECTION | SWT.MULTI | SWT.H_SCROLL | SWT.V_SCROLL | SWT.BORDER);
        Table table = differences.getTable();
        table.setHeaderVisible(true);
        table.setLinesVisible(true);
        table.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true, 4, 1));
        column("Path", 320, d -> d.path());
        column("Kind", 90, d -> d.kind());
        column("Details", 360, d -> String.join("; ", d.details()));
        column("Action", 160, d -> d.action());
        differences.setContentProvider(ArrayContentProvider.getInstance());
        showReport();
    }

    private void column(String header, int width, java.util.function.Function<VerifyReport.Difference, String> text) {
        TableViewerColumn column = new TableViewerColumn(differences, SWT.LEFT);
        column.getColumn().setText(header);
        column.getColumn().setWidth(width);
        column.setLabelProvider(new ColumnLabelProvider() {
            @Override
            public String getText(Object element) {
                String s = text.apply((VerifyReport.Difference) element);
                return s == null ? "" : s;
            }
        });
    }

    /** Shows the job's latest report and follows it while it runs. */
    public void follow(JobRef newJob) {
        this.job = newJob;
        this.report = null;
        setPartName("Verify: " + newJob.name());
        showReport();
        if (follower != null) {
            follower.cancel();
        }
        ServerRegistry registry = Registries.of(getSite());
        JobRef followed = newJob;
        follower = new Job("Following the verification of job '" + newJob.name() + "'") {
            @Override
            protected IStatus run(IProgressMonitor monitor) {
                JsonObject args = new JsonObject();
                args.addProperty("name", followed.name());
                args.addProperty("waitSeconds", FOLLOW_WAIT_SECONDS);
                while (!monitor.isCanceled() && job == followed) {
                    VerifyReport latest;
                    try {
                        JsonElement answer = registry.calls().call(followed.server().entry(), "job.verify-report", args);
                        latest = answer == null || answer.isJsonNull() ? null : Json.GSON.fromJson(answer, VerifyReport.class);
                    } catch (ConnectFailure e) {
                        onDisplay(() -> heading.setText("Job '" + followed.name() + "' on "
                                + followed.server().displayName() + ": " + AgentActions.message("read the report", e)));
                        return Status.OK_STATUS;
                    } catch (JsonParseException e) {
                        return Status.error("The verification report of job '" + followed.name() + "' is not readable", e);
                    }
                    VerifyReport shown = latest;
                    onDisplay(() -> {
                        // set on the display thread with what it shows: report() never runs ahead of the table
                        report = shown;
                        showReport();
                    });
                    if (latest == null || !latest.running()) {
                        registry.refresh(followed.server(), null);
                        return Status.OK_STATUS;
                    }
                }
                return Status.CANCEL_STATUS;
            }
        };
        follower.setSystem(true);
        follower.schedule();
    }

    private void startVerify(boolean withRepair) {
        JobRef current = job;
        if (current == null) {
            return;
        }
        String orphanPolicy = orphans.getText();
        Runnable start = () -> {
            JsonObject args = new JsonObject();
            args.addProperty("name", current.name());
            args.addProperty("repair", withRepair);
            args.addProperty("orphans", orphanPolicy);
            ServerRegistry registry = Registries.of(getSite());
            AgentActions.run(registry, getSite().getShell().getDisplay(), current.server(),
                    (withRepair ? "verify and repair" : "verify") + " job '" + current.name() + "'", "job.verify", args,
                    result -> follow(current));
        };
        if (!withRepair) {
            start.run();
            return;
        }
        Confirmation.ask(getSite().getShell(), REPAIR_TITLE_PREFIX + current.name() + "'",
                "The target image " + Formats.target(current.status()) + " is compared with "
                        + current.status().definition().source() + " on " + current.server().displayName()
                        + ". What is missing or differs on the target is sent again from the source. Entries only the "
                        + "target has are " + switch (orphanPolicy) {
                            case "aside" -> "moved aside into the image's orphan folder.";
                            case "delete" -> "deleted from the image.";
                            default -> "reported and left as they are.";
                        } + " Replication goes on meanwhile.", "&Repair", start);
    }

    private void showReport() {
        if (heading == null || heading.isDisposed()) {
            return;
        }
        JobRef current = job;
        VerifyReport r = report;
        boolean canStart = current != null && (r == null || !r.running());
        verifyAgain.setEnabled(canStart);
        repair.setEnabled(canStart);
        if (current == null) {
            heading.setText("Select a job and choose Verify to compare its target with its source.");
            counts.setText("");
            differences.setInput(new Object[0]);
        } else if (r == null) {
            heading.setText("Job '" + current.name() + "' on " + current.server().displayName()
                    + ": reading its verification report\u2026");
            counts.setText("");
            differences.setInput(new Object[0]);
        } else {
            heading.setText("Job '" + current.name() + "' on " + current.server().displayName() + ": " + verdict(r));
            counts.setText(String.format(Locale.ROOT, "%,d entries and %s compared \u00b7 %,d missing \u00b7 %,d extra "
                    + "\u00b7 %,d different \u00b7 %,d changing while compared \u00b7 %,d repaired%s \u00b7 started %s%s",
                    r.entriesCompared(), Formats.bytes(r.bytesCompared()), r.missing(), r.extra(), r.different(),
                    r.changing(), r.repaired(), r.truncated() ? " \u00b7 only the first differences are listed" : "",
                    TIME.format(Instant.ofEpochMilli(r.startedAtMillis())),
                    r.running() ? "" : ", ended " + TIME.format(Instant.ofEpochMilli(r.finishedAtMillis()))));
            differences.setInput(r.differences());
        }
        heading.getParent().layout(true, true);
    }

    /** The report's outcome in one phrase. */
    static String verdict(VerifyReport r) {
        if (r.error() != null) {
            return "the verification failed: " + r.error();
        }
        if (r.running()) {
            return r.phase() + "\u2026";
        }
        if (r.equal()) {
            return "source and target are equal";
        }
        long total = r.missing() + r.extra() + r.different();
        return String.format(Locale.ROOT, "%,d %s found%s", total, total == 1 ? "difference" : "differences",
                r.repair() ? ", repaired " + r.repaired() : "");
    }

    /** The report shown now, for UI tests. */
    public VerifyReport report() {
        return report;
    }

    /** The differences table, for UI tests. */
    public TableViewer differences() {
        return differences;
    }

    private void onDisplay(Runnable runnable) {
        if (heading != null && !heading.isDisposed()) {
            heading.getDisplay().asyncExec(() -> {
                if (!heading.isDisposed()) {
                    runnable.run();
                }
            });
        }
    }

    @Override
    public void setFocus() {
        differences.getControl().setFocus();
    }

    @Override
    public void dispose() {
        if (follower != null) {
            follower.cancel();
        }
        job = null;
        super.dispose();
    }
}
