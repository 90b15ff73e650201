package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Spinner;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.TableItem;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.console.internal.connect.AgentCalls;
import io.doppel.console.internal.model.Server;

/**
 * Page 3: how changes are captured and how the first copy is made. The interceptors come from the
 * source agent ({@code capture.interceptors}) with what each guarantees, in words.
 */
final class CapturePage extends WizardPage {

    static final String TITLE = "Capture and First Copy";
    static final String BEST = "Best available";

    /** One interceptor as the source agent described it; {@code id == null} is "best available". */
    record Choice(String id, boolean available, String reason, boolean byteLevel, boolean totalOrder,
            boolean synchronous, String limitations) {

        String guaranteesInWords() {
            List<String> words = new ArrayList<>();
            words.add(byteLevel ? "byte-level (sees each write's bytes)" : "file-level (compares contents)");
            words.add(totalOrder ? "total order across files" : "per-file order");
            words.add(synchronous ? "synchronous capable (can hold writes)" : "asynchronous only");
            String s = String.join(", ", words);
            return limitations == null || limitations.isBlank() ? s : s + ". " + limitations;
        }
    }

    private static final String[][] MIRRORS = {
        { "diff", "&Differences: only the blocks whose checksums differ travel (the default)" },
        { "full", "F&ull: every byte is copied, whatever the target holds" },
        { "newer", "Ne&wer: files newer on the source than on the target are copied" },
        { "none", "N&o first copy: the target already holds an identical copy" } };

    private final JobPlan plan;
    private final AgentCalls calls;

    private Table table;
    private Label tableState;
    /** The chosen interceptor's guarantees and limitations in full (the table's column may cut them). */
    private Label details;
    private final List<Choice> choices = new ArrayList<>();
    private final List<Button> mirrors = new ArrayList<>();
    private Button asynchronous;
    private Button synchronous;
    private Button continuous;
    private Button every;
    private Spinner minutes;
    private Server askedSource;
    private String askProblem;

    CapturePage(JobPlan plan, AgentCalls calls) {
        super("capture", TITLE, null);
        this.plan = plan;
        this.calls = calls;
        setDescription("Choose how changes are captured and sent, and how the first copy is made.");
        setPageComplete(false);
    }

    @Override
    public void createControl(Composite parent) {
        Composite page = Scrolling.content(parent);
        setControl(page.getParent());
        page.setLayout(new GridLayout(1, false));

        new Label(page, SWT.NONE).setText("&Interceptor (captures the changes on the source):");
        table = new Table(page, SWT.BORDER | SWT.FULL_SELECTION | SWT.SINGLE);
        table.setHeaderVisible(true);
        table.setLinesVisible(true);
        for (String[] c : new String[][] { { "Interceptor", "130" }, { "Can run here", "170" }, { "Guarantees", "600" } }) {
            TableColumn column = new TableColumn(table, SWT.LEFT);
            column.setText(c[0]);
            column.setWidth(Integer.parseInt(c[1]));
        }
        GridDataFactory.fillDefaults().grab(true, true).hint(SWT.DEFAULT, 90).applyTo(table);
        table.addListener(SWT.Selection, e -> validate());
        details = new Label(page, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).hint(400, SWT.DEFAULT).applyTo(details);
        tableState = new Label(page, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).hint(400, SWT.DEFAULT).applyTo(tableState);

        Group first = group(page, "First copy (and every resynchronisation)");
        for (String[] m : MIRRORS) {
            Button b = new Button(first, SWT.RADIO);
            b.setText(m[1]);
            b.setData(m[0]);
            b.setSelection(m[0].equals("diff"));
            b.addListener(SWT.Selection, e -> validate());
            mirrors.add(b);
        }

        Group mode = group(page, "Mode");
        asynchronous = new Button(mode, SWT.RADIO);
        asynchronous.setText("&Asynchronous: applications never wait; the target follows closely");
        asynchronous.setSelection(true);
        synchronous = new Button(mode, SWT.RADIO);
        synchronous.setText("&Synchronous: a change completes once the target applied it");
        for (Button b : List.of(asynchronous, synchronous)) {
            b.addListener(SWT.Selection, e -> validate());
        }

        Group sending = group(page, "Sending");
        sending.setLayout(new GridLayout(3, false));
        continuous = new Button(sending, SWT.RADIO);
        continuous.setText("&Continuously, as changes happen");
        GridDataFactory.fillDefaults().span(3, 1).applyTo(continuous);
        continuous.setSelection(true);
        every = new Button(sending, SWT.RADIO);
        every.setText("E&very");
        minutes = new Spinner(sending, SWT.BORDER);
        minutes.setValues(15, 1, 7 * 24 * 60, 0, 1, 10);
        new Label(sending, SWT.NONE).setText("minutes: what accumulated is sent together");
        for (Button b : List.of(continuous, every)) {
            b.addListener(SWT.Selection, e -> validate());
        }
        minutes.addListener(SWT.Modify, e -> validate());

    }

    private static Group group(Composite parent, String title) {
        Group g = new Group(parent, SWT.NONE);
        g.setText(title);
        g.setLayout(new GridLayout(1, false));
        GridDataFactory.fillDefaults().grab(true, false).applyTo(g);
        return g;
    }

    @Override
    public void setVisible(boolean visible) {
        if (visible && plan.source != askedSource) {
            askedSource = plan.source;
            ask(plan.source);
        }
        super.setVisible(visible);
        if (visible) {
            table.setFocus();
        }
    }

    private void ask(Server source) {
        choices.clear();
        table.removeAll();
        askProblem = null;
        tableState.setText("Asking " + source.displayName() + " which interceptors it has…");
        validate();
        AgentQuery.ask(calls, source.entry(), "capture.interceptors", new JsonObject(), table, answer -> {
            if (askedSource != source) {
                return;
            }
            if (answer.ok()) {
                show(answer.result());
            } else {
                askProblem = SourcePage.reason(answer.failure().getMessage());
            }
            validate();
        });
    }

    private void show(JsonElement result) {
        String best = null;
        Choice bestChoice = null;
        List<Choice> found = new ArrayList<>();
        for (JsonElement e : result.getAsJsonArray()) {
            JsonObject o = e.getAsJsonObject();
            Choice c = new Choice(o.get("id").getAsString(), o.get("available").getAsBoolean(),
                    o.has("reason") ? o.get("reason").getAsString() : "", flag(o, "byteLevel"), flag(o, "totalOrder"),
                    flag(o, "synchronous"), o.has("limitations") ? o.get("limitations").getAsString() : "");
            found.add(c);
            if (flag(o, "best")) {
                best = c.id();
                bestChoice = c;
            }
        }
        plan.bestInterceptor = best;
        Choice automatic = bestChoice == null ? new Choice(null, false, "no interceptor can run on "
                + askedSource.displayName(), false, false, false, "")
                : new Choice(null, true, "uses " + best, bestChoice.byteLevel(), bestChoice.totalOrder(),
                        bestChoice.synchronous(), bestChoice.limitations());
        choices.add(automatic);
        choices.addAll(found);
        for (Choice c : choices) {
            TableItem item = new TableItem(table, SWT.NONE);
            item.setText(new String[] { c.id() == null ? BEST : c.id(),
                    c.available() ? (c.id() == null ? c.reason() : "yes") : "no: " + c.reason(),
                    c.available() ? c.guaranteesInWords() : "" });
            if (!c.available()) {
                item.setForeground(table.getDisplay().getSystemColor(SWT.COLOR_DARK_GRAY));
            }
        }
        table.select(0);
        tableState.setText(found.isEmpty() ? "No interceptor is installed on " + askedSource.displayName()
                + ": the job would capture nothing by itself." : "");
    }

    private static boolean flag(JsonObject o, String field) {
        return o.has(field) && o.get(field).getAsBoolean();
    }

    private Choice chosen() {
        int i = table.getSelectionIndex();
        return i >= 0 && i < choices.size() ? choices.get(i) : null;
    }

    private void validate() {
        Choice c = chosen();
        boolean canHold = c != null && c.available() && c.synchronous();
        synchronous.setEnabled(canHold);
        if (!canHold && synchronous.getSelection()) {
            synchronous.setSelection(false);
            asynchronous.setSelection(true);
        }
        minutes.setEnabled(every.getSelection());
        details.setText(c == null ? "" : (c.id() == null ? BEST + " (" + c.reason() + ")" : c.id()) + ": "
                + (c.available() ? c.guaranteesInWords() : "cannot run here: " + c.reason()));
        if (getControl() != null) {
            ((Composite) getControl()).layout(true, true);
        }
        String error = null;
        String info = null;
        if (askProblem != null) {
            error = askedSource.displayName() + " did not list its interceptors (" + askProblem + "). Choose Back, "
                    + "then Next to ask again once the agent answers.";
        } else if (choices.isEmpty()) {
            info = "Asking " + (askedSource == null ? "the source" : askedSource.displayName()) + " for its interceptors…";
        } else if (c == null) {
            info = "Choose an interceptor.";
        } else if (!c.available()) {
            error = (c.id() == null ? "No interceptor can run on " + askedSource.displayName()
                    : "Interceptor '" + c.id() + "' cannot run on " + askedSource.displayName() + ": " + c.reason())
                    + ". Choose another, or make it available there first.";
        }
        setErrorMessage(error);
        setMessage(info != null ? info : c != null && !canHold
                ? "Synchronous mode needs an interceptor that can hold writes; this one cannot, so the job is asynchronous."
                : "Asynchronous suits most jobs; synchronous makes applications wait for the target.");
        boolean ok = error == null && info == null;
        if (ok) {
            plan.interceptor = c.id();
            plan.synchronous = synchronous.getSelection();
            plan.intervalSeconds = every.getSelection() ? minutes.getSelection() * 60 : 0;
            plan.mirror = mirrors.stream().filter(Button::getSelection).map(b -> (String) b.getData()).findFirst()
                    .orElse("diff");
        }
        setPageComplete(ok);
    }
}
