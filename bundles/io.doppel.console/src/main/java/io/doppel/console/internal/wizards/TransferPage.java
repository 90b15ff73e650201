package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Spinner;
import org.eclipse.swt.widgets.Text;

import io.doppel.api.job.JobDefinition;
import io.doppel.console.internal.wizards.BandwidthText.Row;

/**
 * Page 4: how the data travels. Compression, a weekly bandwidth schedule built from rows (rate,
 * days, hours) and what applies otherwise, and the recovery point objective.
 */
final class TransferPage extends WizardPage {

    static final String TITLE = "Transfer";
    private static final String[] COMPRESSION_WORDS = {
        "none — for data that does not compress (media, archives) or a fast network",
        "fast — little CPU, most of the gain (the default)",
        "balanced — more CPU for a smaller stream",
        "max — the smallest stream, for slow links" };
    private static final String[] DAYS = { BandwidthText.EVERY_DAY, "Mon-Fri", "Sat,Sun", "Mon", "Tue", "Wed", "Thu",
        "Fri", "Sat", "Sun" };

    private final JobPlan plan;

    private Combo compression;
    private Button unlimited;
    private Button scheduled;
    private Composite scheduleArea;
    private Text rate;
    private Combo days;
    private Text from;
    private Text to;
    private Button addRow;
    private org.eclipse.swt.widgets.List rows;
    private Button remove;
    private Button up;
    private Button down;
    private Combo otherwise;
    private Label scheduleText;
    private Spinner rpo;
    private final List<Row> schedule = new ArrayList<>();

    TransferPage(JobPlan plan) {
        super("transfer", TITLE, null);
        this.plan = plan;
        setDescription("Choose compression, when and how fast the job may send, and its recovery point objective.");
        setPageComplete(true);
    }

    @Override
    public void createControl(Composite parent) {
        Composite page = Scrolling.content(parent);
        setControl(page.getParent());
        page.setLayout(new GridLayout(2, false));

        new Label(page, SWT.NONE).setText("&Compression:");
        compression = new Combo(page, SWT.READ_ONLY | SWT.DROP_DOWN);
        compression.setItems(COMPRESSION_WORDS);
        compression.select(JobDefinition.COMPRESSION.indexOf("fast"));
        GridDataFactory.fillDefaults().grab(true, false).applyTo(compression);
        compression.addListener(SWT.Selection, e -> validate());

        Group bandwidth = new Group(page, SWT.NONE);
        bandwidth.setText("Bandwidth");
        bandwidth.setLayout(new GridLayout(1, false));
        GridDataFactory.fillDefaults().span(2, 1).grab(true, true).applyTo(bandwidth);
        unlimited = new Button(bandwidth, SWT.RADIO);
        unlimited.setText("No &limit");
        unlimited.setSelection(true);
        scheduled = new Button(bandwidth, SWT.RADIO);
        scheduled.setText("Limit on a &schedule: the first row that matches the time applies");
        for (Button b : List.of(unlimited, scheduled)) {
            b.addListener(SWT.Selection, e -> validate());
        }
        createScheduleEditor(bandwidth);

        Label rpoLabel = new Label(page, SWT.NONE);
        rpoLabel.setText("R&PO target (seconds; 0 for none):");
        rpo = new Spinner(page, SWT.BORDER);
        rpo.setValues(0, 0, 7 * 24 * 3600, 0, 1, 60);
        rpo.setToolTipText("An event is logged when changes the target has not applied go back further than this");
        rpo.addListener(SWT.Modify, e -> validate());

        validate();
    }

    private void createScheduleEditor(Composite parent) {
        scheduleArea = new Composite(parent, SWT.NONE);
        scheduleArea.setLayout(new GridLayout(5, false));
        GridDataFactory.fillDefaults().grab(true, true).applyTo(scheduleArea);

        new Label(scheduleArea, SWT.NONE).setText("&Rate:");
        rate = new Text(scheduleArea, SWT.BORDER | SWT.SINGLE);
        rate.setMessage("e.g. 25GB/h or 10MB/s");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(rate);
        new Label(scheduleArea, SWT.NONE).setText("Da&ys:");
        days = new Combo(scheduleArea, SWT.DROP_DOWN);
        days.setItems(DAYS);
        days.select(1);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(days);
        new Label(scheduleArea, SWT.NONE); // the button column

        new Label(scheduleArea, SWT.NONE).setText("Fro&m:");
        from = new Text(scheduleArea, SWT.BORDER | SWT.SINGLE);
        from.setMessage("08:00 (empty: all day)");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(from);
        new Label(scheduleArea, SWT.NONE).setText("&To:");
        to = new Text(scheduleArea, SWT.BORDER | SWT.SINGLE);
        to.setMessage("18:00");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(to);
        addRow = new Button(scheduleArea, SWT.PUSH);
        addRow.setText("&Add Row");
        GridDataFactory.fillDefaults().applyTo(addRow);
        for (var field : List.of(rate, from, to)) {
            field.addListener(SWT.Modify, e -> validate());
        }
        days.addListener(SWT.Modify, e -> validate());
        addRow.addListener(SWT.Selection, e -> {
            schedule.add(typedRow());
            rate.setText("");
            from.setText("");
            to.setText("");
            showRows(schedule.size() - 1);
        });

        rows = new org.eclipse.swt.widgets.List(scheduleArea, SWT.BORDER | SWT.SINGLE | SWT.V_SCROLL);
        GridDataFactory.fillDefaults().span(4, 1).grab(true, true).hint(SWT.DEFAULT, 60).applyTo(rows);
        Composite buttons = new Composite(scheduleArea, SWT.NONE);
        GridLayout column = new GridLayout(1, true);
        column.marginWidth = 0;
        column.marginHeight = 0;
        buttons.setLayout(column);
        GridDataFactory.fillDefaults().align(SWT.FILL, SWT.BEGINNING).applyTo(buttons);
        remove = button(buttons, "Remo&ve");
        up = button(buttons, "&Up");
        down = button(buttons, "Do&wn");
        rows.addListener(SWT.Selection, e -> validate());
        remove.addListener(SWT.Selection, e -> {
            int i = rows.getSelectionIndex();
            schedule.remove(i);
            showRows(Math.min(i, schedule.size() - 1));
        });
        up.addListener(SWT.Selection, e -> move(-1));
        down.addListener(SWT.Selection, e -> move(1));

        new Label(scheduleArea, SWT.NONE).setText("Ot&herwise:");
        otherwise = new Combo(scheduleArea, SWT.DROP_DOWN);
        otherwise.setItems(BandwidthText.UNLIMITED, "10MB/s", "1MB/s");
        otherwise.select(0);
        otherwise.addListener(SWT.Modify, e -> validate());
        GridDataFactory.fillDefaults().span(3, 1).grab(true, false).applyTo(otherwise);
        new Label(scheduleArea, SWT.NONE);

        scheduleText = new Label(scheduleArea, SWT.WRAP);
        GridDataFactory.fillDefaults().span(5, 1).grab(true, false).hint(400, SWT.DEFAULT).applyTo(scheduleText);
    }

    private static Button button(Composite parent, String text) {
        Button b = new Button(parent, SWT.PUSH);
        b.setText(text);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(b);
        return b;
    }

    private Row typedRow() {
        return new Row(rate.getText().strip(), days.getText().strip(), from.getText().strip(), to.getText().strip());
    }

    private void move(int by) {
        int i = rows.getSelectionIndex();
        schedule.add(i + by, schedule.remove(i));
        showRows(i + by);
    }

    private void showRows(int selected) {
        rows.setItems(schedule.stream().map(Row::text).toArray(String[]::new));
        if (selected >= 0) {
            rows.select(selected);
        }
        validate();
    }

    private void validate() {
        boolean limited = scheduled.getSelection();
        setEnabled(scheduleArea, limited);
        Row typed = typedRow();
        boolean typing = !typed.rate().isEmpty() || !typed.from().isEmpty() || !typed.to().isEmpty();
        String rowProblem = typing ? BandwidthText.rowProblem(typed) : null;
        addRow.setEnabled(limited && typing && rowProblem == null);
        int i = rows.getSelectionIndex();
        remove.setEnabled(limited && i >= 0);
        up.setEnabled(limited && i > 0);
        down.setEnabled(limited && i >= 0 && i < schedule.size() - 1);

        String error = null;
        String info = null;
        String text = "";
        if (limited) {
            String rest = otherwise.getText().strip();
            String restProblem = BandwidthText.rateProblem(rest, true);
            text = BandwidthText.of(schedule, rest);
            if (rowProblem != null) {
                error = "Row: " + rowProblem + ".";
            } else if (restProblem != null) {
                error = "Otherwise: " + restProblem + ".";
            } else if (typing) {
                info = "Choose Add Row to add the row you typed (or clear it).";
            } else if (text.isEmpty()) {
                info = "Add a row (e.g. 25GB/h on Mon-Fri from 08:00 to 18:00), or choose a rate for 'Otherwise'.";
            }
            scheduleText.setText(text.isEmpty() ? "Schedule: unlimited" : "Schedule: " + text);
        } else {
            scheduleText.setText("");
        }
        setErrorMessage(error);
        setMessage(info);
        boolean ok = error == null && info == null;
        if (ok) {
            plan.compression = JobDefinition.COMPRESSION.get(Math.max(0, compression.getSelectionIndex()));
            plan.bandwidth = limited ? text : "";
            plan.rpoSeconds = rpo.getSelection();
        }
        setPageComplete(ok);
    }

    private static void setEnabled(Composite area, boolean enabled) {
        for (var c : area.getChildren()) {
            if (c instanceof Composite inner && !(c instanceof Combo)) {
                setEnabled(inner, enabled);
            }
            if (!(c instanceof Button)) {
                c.setEnabled(enabled);
            }
        }
    }
}
