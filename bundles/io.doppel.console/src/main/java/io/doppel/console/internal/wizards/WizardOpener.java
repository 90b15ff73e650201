package io.doppel.console.internal.wizards;

import java.util.function.Function;

import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.wizard.IWizard;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.connect.ServerRegistry;

/** Opens a wizard from a command without blocking it: the dialog lives on while the command returns. */
final class WizardOpener {

    private WizardOpener() {
    }

    static void open(ExecutionEvent event, Function<ServerRegistry, IWizard> wizard, int width, int height)
            throws ExecutionException {
        IWorkbenchWindow window = HandlerUtil.getActiveWorkbenchWindowChecked(event);
        ServerRegistry registry = window.getService(ServerRegistry.class);
        if (registry == null) {
            throw new ExecutionException("The console's server registry is not running: the component in bundle "
                    + "io.doppel.console was not activated (is org.apache.felix.scr installed and started?)");
        }
        WizardDialog dialog = new WizardDialog(window.getShell(), wizard.apply(registry));
        dialog.setBlockOnOpen(false);
        dialog.setPageSize(width, height);
        dialog.open();
    }
}
