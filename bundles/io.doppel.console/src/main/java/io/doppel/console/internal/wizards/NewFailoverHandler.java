package io.doppel.console.internal.wizards;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.FailoverRef;
import io.doppel.console.internal.model.Server;

/** Failover ▸ New Failover…: opens the wizard without blocking the command; a selected server is proposed as target. */
public final class NewFailoverHandler extends AbstractHandler {

    /** The command's id. */
    public static final String COMMAND = "io.doppel.console.commands.newFailover";

    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        IWorkbenchWindow window = HandlerUtil.getActiveWorkbenchWindowChecked(event);
        ServerRegistry registry = window.getService(ServerRegistry.class);
        if (registry == null) {
            throw new ExecutionException("The console's server registry is not running: the component in bundle "
                    + "io.doppel.console was not activated (is org.apache.felix.scr installed and started?)");
        }
        WizardDialog dialog = new WizardDialog(window.getShell(), new NewFailoverWizard(registry, selected(event)));
        dialog.setBlockOnOpen(false);
        dialog.setPageSize(700, 520);
        dialog.open();
        return null;
    }

    private static Server selected(ExecutionEvent event) {
        ISelection selection = HandlerUtil.getCurrentSelection(event);
        if (selection instanceof IStructuredSelection structured && structured.size() == 1) {
            Object first = structured.getFirstElement();
            if (first instanceof Server server) {
                return server;
            }
            if (first instanceof FailoverRef failover) {
                return failover.server();
            }
        }
        return null;
    }
}
