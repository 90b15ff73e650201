package io.doppel.console.internal.ui;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.model.ServerStore.StoreException;

/**
 * Server ▸ Add Server…: asks for address and token file, adds the server and connects to it in the
 * background. The dialog does not block the command: it is modal and adds the server on OK.
 */
public final class AddServerHandler extends AbstractHandler {

    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        // The workbench window, not the "active shell": that may be a dialog that is gone by the time
        // the admin presses Add.
        Shell shell = HandlerUtil.getActiveWorkbenchWindowChecked(event).getShell();
        Display display = shell.getDisplay();
        ServerRegistry registry = Registries.of(HandlerUtil.getActiveWorkbenchWindowChecked(event));
        AddServerDialog dialog = new AddServerDialog(shell, address -> registry.model().find(address).isPresent(),
                entry -> add(display, registry, entry));
        dialog.setBlockOnOpen(false);
        dialog.open();
        return null;
    }

    private static void add(Display display, ServerRegistry registry, ServerEntry entry) {
        try {
            registry.add(entry, (server, outcome) -> FailureFeedback.showIfFailed(display, server, outcome));
        } catch (StoreException e) {
            MessageDialog warning = new MessageDialog(display.getActiveShell(), "Server list not saved", null,
                    "The agent at " + entry.address() + " was added but the list could not be saved, so it will be "
                            + "missing after a restart: " + e.getMessage(),
                    MessageDialog.WARNING, 0, "&Close");
            warning.setBlockOnOpen(false);
            warning.open();
        }
    }
}
