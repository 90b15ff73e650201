package io.doppel.console.internal.events;

import java.time.Instant;

import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;

import io.doppel.api.event.Event;

/** Every field of one event; all text can be selected and copied. */
public final class EventDetailsDialog extends Dialog {

    public static final String TITLE = "Event Details";

    private final EventRow row;

    public EventDetailsDialog(Shell parent, EventRow row) {
        super(parent);
        this.row = row;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(TITLE);
    }

    @Override
    protected boolean isResizable() {
        return true;
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        Composite fields = new Composite(area, SWT.NONE);
        GridLayoutFactory.swtDefaults().numColumns(2).applyTo(fields);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(fields);
        Event e = row.event();
        field(fields, "Time:", EventColumn.TIME_FORMAT.format(Instant.ofEpochMilli(e.timeMillis()))
                + "  (" + Instant.ofEpochMilli(e.timeMillis()) + ")");
        field(fields, "Severity:", EventColumn.severity(e));
        field(fields, "Server:", row.server().displayName() + "  (" + row.server().entry().address() + ")");
        field(fields, "Agent:", text(e.agent()));
        field(fields, "Job:", e.job() == null ? "(the agent itself)" : e.job());
        field(fields, "Code:", text(e.code()));
        field(fields, "Event number:", Long.toString(e.id()));

        Label label = new Label(fields, SWT.NONE);
        label.setText("&Message:");
        GridDataFactory.swtDefaults().align(SWT.BEGINNING, SWT.BEGINNING).applyTo(label);
        Text message = new Text(fields, SWT.MULTI | SWT.WRAP | SWT.READ_ONLY | SWT.BORDER | SWT.V_SCROLL);
        message.setText(text(e.message()));
        GridDataFactory.fillDefaults().grab(true, true).hint(convertWidthInCharsToPixels(72),
                convertHeightInCharsToPixels(6)).applyTo(message);
        message.setFocus();
        return area;
    }

    private static void field(Composite parent, String name, String value) {
        new Label(parent, SWT.NONE).setText(name);
        Text text = new Text(parent, SWT.READ_ONLY | SWT.SINGLE);
        text.setText(value);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(text);
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.CLOSE_ID, IDialogConstants.CLOSE_LABEL, true);
    }

    @Override
    protected void buttonPressed(int buttonId) {
        if (buttonId == IDialogConstants.CLOSE_ID) {
            close();
        } else {
            super.buttonPressed(buttonId);
        }
    }

    private static String text(String value) {
        return value == null ? "" : value;
    }
}
