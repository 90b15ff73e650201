package io.doppel.console.internal.wizards;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.window.Window;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.ISources;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.JobRef;

/** A command on one selected job whose server answers (and that {@link #accepts} it): it opens a dialog on it. */
abstract class OneJobHandler extends AbstractHandler {

    /** Whether the command applies to {@code job} (whose server answers) as it is now. */
    boolean accepts(JobRef job) {
        return true;
    }

    abstract Window dialog(Shell shell, ServerRegistry registry, JobRef job);

    @Override
    public final void setEnabled(Object evaluationContext) {
        Object selection = HandlerUtil.getVariable(evaluationContext, ISources.ACTIVE_CURRENT_SELECTION_NAME);
        setBaseEnabled(selection instanceof ISelection s && job(s) != null);
    }

    @Override
    public final Object execute(ExecutionEvent event) throws ExecutionException {
        JobRef job = job(HandlerUtil.getCurrentSelection(event));
        if (job == null) {
            return null;
        }
        IWorkbenchWindow window = HandlerUtil.getActiveWorkbenchWindowChecked(event);
        dialog(window.getShell(), window.getService(ServerRegistry.class), job).open();
        return null;
    }

    private JobRef job(ISelection selection) {
        if (selection instanceof IStructuredSelection structured && structured.size() == 1
                && structured.getFirstElement() instanceof JobRef job && job.current() && accepts(job)) {
            return job;
        }
        return null;
    }
}
