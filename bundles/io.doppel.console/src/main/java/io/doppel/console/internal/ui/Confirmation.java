package io.doppel.console.internal.ui;

import java.util.Objects;

import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.widgets.Shell;

/**
 * A question before an action that changes what is protected: it states what will happen, and the
 * action runs only on the confirming button. Non-blocking: the caller returns at once (the workbench
 * and its background refreshes go on), the action runs when the admin answers.
 */
public class Confirmation extends MessageDialog {

    private final Runnable onConfirm;

    /**
     * @param confirmLabel the confirming button, e.g. {@code &Stop}; Cancel is the default button
     */
    public Confirmation(Shell parent, String title, int kind, String text, String confirmLabel, Runnable onConfirm) {
        super(parent, title, null, text, kind, 1, confirmLabel, "Cancel");
        this.onConfirm = Objects.requireNonNull(onConfirm, "onConfirm");
        setBlockOnOpen(false);
    }

    /** Opens the question; {@code onConfirm} runs if the admin confirms. */
    public static void ask(Shell parent, String title, String text, String confirmLabel, Runnable onConfirm) {
        new Confirmation(parent, title, CONFIRM, text, confirmLabel, onConfirm).open();
    }

    @Override
    protected void buttonPressed(int buttonId) {
        super.buttonPressed(buttonId);
        if (buttonId == 0) {
            onConfirm.run();
        }
    }
}
