package io.doppel.console.internal.wizards;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;

/**
 * Job ▸ New Protection Job…: opens the wizard without blocking the command; a selected server (or a
 * job's server) is proposed as the source.
 */
public final class NewJobHandler extends AbstractHandler {

    /** The command's id. */
    public static final String COMMAND = "io.doppel.console.commands.newJob";

    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        Server preselected = selectedServer(event);
        WizardOpener.open(event, registry -> new NewJobWizard(registry, preselected), 700, 560);
        return null;
    }

    private static Server selectedServer(ExecutionEvent event) {
        ISelection selection = HandlerUtil.getCurrentSelection(event);
        if (selection instanceof IStructuredSelection structured && structured.size() == 1) {
            Object first = structured.getFirstElement();
            if (first instanceof Server server) {
                return server;
            }
            if (first instanceof JobRef job) {
                return job.server();
            }
        }
        return null;
    }
}
