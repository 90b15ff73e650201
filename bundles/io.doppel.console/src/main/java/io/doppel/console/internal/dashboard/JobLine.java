package io.doppel.console.internal.dashboard;

import java.util.function.Consumer;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Link;

import io.doppel.api.job.JobDefinition;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;
import io.doppel.console.internal.connect.ConsolePreferences;
import io.doppel.console.internal.model.History;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.LagLevel;
import io.doppel.console.internal.ui.Formats;

/**
 * One job on the dashboard: name, source → target, state, mirror, lag against its limit, throughput,
 * queue, and lag and throughput over the last hour. Clicking it (or Enter on its name) selects it.
 */
public final class JobLine {

    private final JobRef job;
    private final DashboardColours colours;
    private final Composite root;
    private final Link name;
    private final Label path;
    private final Label state;
    private final Label lag;
    private final Label throughput;
    private final Label queue;
    private final MirrorBar mirror;
    private final TrendChart lagChart;
    private final TrendChart throughputChart;

    JobLine(Composite parent, JobRef job, DashboardColours colours, Consumer<JobRef> onSelect) {
        this.job = job;
        this.colours = colours;
        root = new Composite(parent, SWT.NONE);
        root.setBackgroundMode(SWT.INHERIT_FORCE);
        GridLayoutFactory.swtDefaults().numColumns(3).margins(6, 4).applyTo(root);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(root);

        Composite header = new Composite(root, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(2).spacing(12, 0).applyTo(header);
        GridDataFactory.fillDefaults().grab(true, false).span(3, 1).applyTo(header);
        name = new Link(header, SWT.NONE);
        name.setText("<a>" + job.name().replace("&", "&&") + "</a>");
        name.setFont(JFaceResources.getFontRegistry().getBold(JFaceResources.DEFAULT_FONT));
        name.setToolTipText("Select this job (its figures show in other views)");
        name.addListener(SWT.Selection, e -> onSelect.accept(job));
        path = new Label(header, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(path);

        Composite info = new Composite(root, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(4).spacing(8, 3).applyTo(info);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(info);
        state = value(info, "State:");
        lag = value(info, "Lag:");
        throughput = value(info, "Throughput:");
        queue = value(info, "Queue:");
        new Label(info, SWT.NONE).setText("Mirror:");
        mirror = new MirrorBar(info);
        GridDataFactory.fillDefaults().grab(true, false).span(3, 1).applyTo(mirror);

        lagChart = new TrendChart(root, "Lag", History.Sample::lagMillis, Formats::lag);
        GridDataFactory.fillDefaults().grab(true, false).hint(220, TrendChart.HEIGHT_HINT).applyTo(lagChart);
        throughputChart = new TrendChart(root, "Throughput", History.Sample::bytesPerSecond, Formats::rate);
        GridDataFactory.fillDefaults().grab(true, false).hint(220, TrendChart.HEIGHT_HINT).applyTo(throughputChart);

        selectOnClick(root, job, onSelect);
        update();
    }

    private static Label value(Composite parent, String caption) {
        new Label(parent, SWT.NONE).setText(caption);
        Label value = new Label(parent, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(value);
        return value;
    }

    private static void selectOnClick(Control control, JobRef job, Consumer<JobRef> onSelect) {
        if (!(control instanceof Link)) {
            control.addListener(SWT.MouseDown, e -> onSelect.accept(job));
        }
        if (control instanceof Composite composite) {
            for (Control child : composite.getChildren()) {
                selectOnClick(child, job, onSelect);
            }
        }
    }

    /** Shows the job's latest figures. */
    void update() {
        JobStatus status = job.status();
        JobDefinition d = status.definition();
        path.setText(d.source() + "  \u2192  " + d.target() + " / " + d.imageName());
        path.setToolTipText("Source directory \u2192 target agent's replication address / image");
        JobState jobState = job.state();
        String stateText = jobState == null ? "Unknown (server unreachable)" : Formats.state(jobState);
        set(state, stateText, Colours.of(jobState));
        state.setToolTipText(status.lastError());
        LagLevel level = job.current() ? LagLevel.of(status, ConsolePreferences.lagAlarm()) : LagLevel.UNKNOWN;
        set(lag, Formats.lag(status.lagMillis()), Colours.of(level));
        lag.setToolTipText("Limit " + Formats.lag(LagLevel.limitMillis(status, ConsolePreferences.lagAlarm()))
                + (d.rpoSeconds() > 0 ? " (the job's recovery point objective)"
                        : " (no recovery point objective: the console's lag alarm preference)"));
        throughput.setText(Formats.rate(status.bytesPerSecond()));
        queue.setText(Figures.queue(status.queuedOps(), status.queuedBytes()));
        mirror.show(status.mirror());
        long now = System.currentTimeMillis();
        lagChart.show(job.history().samples(), now);
        throughputChart.show(job.history().samples(), now);
    }

    private void set(Label label, String text, Colours colour) {
        label.setText(text);
        Color c = colours.get(colour);
        label.setForeground(c);
    }

    void selected(boolean selected) {
        root.setBackground(selected ? colours.selection() : null);
    }

    Composite control() {
        return root;
    }

    // What tests read.

    public JobRef job() {
        return job;
    }

    public String stateText() {
        return state.getText();
    }

    public String lagText() {
        return lag.getText();
    }

    /** The lag's colour, as {@link Colours}. */
    public Colours lagColour() {
        return colours.which(lag.getForeground());
    }

    public MirrorBar mirror() {
        return mirror;
    }

    public TrendChart lagChart() {
        return lagChart;
    }

    public TrendChart throughputChart() {
        return throughputChart;
    }
}
