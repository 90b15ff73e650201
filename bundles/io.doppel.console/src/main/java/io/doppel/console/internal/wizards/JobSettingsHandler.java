package io.doppel.console.internal.wizards;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.ISources;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.JobRef;

/** Job ▸ Bandwidth and Rules…: enabled for one job whose server answers. */
public final class JobSettingsHandler extends AbstractHandler {

    /** The command's id. */
    public static final String COMMAND = "io.doppel.console.commands.job.settings";

    @Override
    public void setEnabled(Object evaluationContext) {
        Object selection = HandlerUtil.getVariable(evaluationContext, ISources.ACTIVE_CURRENT_SELECTION_NAME);
        setBaseEnabled(selection instanceof ISelection s && job(s) != null);
    }

    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        JobRef job = job(HandlerUtil.getCurrentSelection(event));
        if (job == null) {
            return null;
        }
        IWorkbenchWindow window = HandlerUtil.getActiveWorkbenchWindowChecked(event);
        ServerRegistry registry = window.getService(ServerRegistry.class);
        new JobSettingsDialog(window.getShell(), registry, job).open();
        return null;
    }

    private static JobRef job(ISelection selection) {
        if (selection instanceof IStructuredSelection structured && structured.size() == 1
                && structured.getFirstElement() instanceof JobRef job && job.current()) {
            return job;
        }
        return null;
    }

}
