package io.doppel.console.internal.ui;

import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.PlatformUI;

import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerState;

/**
 * Tells the admin, in a dialog, why an action they started on one server failed and what to do.
 * The dialog does not block the caller (the row already shows the state; the dialog explains it).
 */
public final class FailureFeedback {

    /** Title prefix of the dialog, followed by the server's address. */
    public static final String TITLE_PREFIX = "Cannot connect to ";

    private FailureFeedback() {
    }

    /** Shows the dialog on the display thread if {@code outcome} is a failure; callable from any thread. */
    public static void showIfFailed(Display display, Server server, ServerState outcome) {
        if (!outcome.connection().isFailure() || display.isDisposed()) {
            return;
        }
        display.asyncExec(() -> {
            if (!PlatformUI.isWorkbenchRunning() || PlatformUI.getWorkbench().isClosing()) {
                return;
            }
            Shell parent = display.getActiveShell();
            MessageDialog dialog = new MessageDialog(parent, TITLE_PREFIX + server.entry().address(), null,
                    message(server, outcome), MessageDialog.ERROR, 0, "&Close");
            dialog.setBlockOnOpen(false);
            dialog.open();
        });
    }

    /** The dialog's text: state, what happened, what to do next. */
    public static String message(Server server, ServerState outcome) {
        return outcome.connection().label() + ": " + outcome.problem() + "\n\nNext step: "
                + outcome.connection().nextStep();
    }
}
