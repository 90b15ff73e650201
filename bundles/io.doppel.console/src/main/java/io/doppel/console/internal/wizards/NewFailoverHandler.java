package io.doppel.console.internal.wizards;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.model.FailoverRef;
import io.doppel.console.internal.model.Server;

/** Failover ▸ New Failover…: opens the wizard without blocking the command; a selected server is proposed as target. */
public final class NewFailoverHandler extends AbstractHandler {

    /** The command's id. */
    public static final String COMMAND = "io.doppel.console.commands.newFailover";

    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        Server preselected = selected(event);
        WizardOpener.open(event, registry -> new NewFailoverWizard(registry, preselected), 700, 520);
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
