package io.doppel.console.internal.wizards;

import java.util.EnumSet;
import java.util.Set;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.ui.ISources;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.api.job.JobState;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.JobRef;

/**
 * Job ▸ Edit Job…: enabled for one job whose server answers and that is stopped (or stopped by an
 * error), the states in which the agent lets a definition change.
 */
public final class EditJobHandler extends AbstractHandler {

    /** The command's id. */
    public static final String COMMAND = "io.doppel.console.commands.job.edit";

    /** The states {@code job.edit} accepts. */
    static final Set<JobState> EDITABLE = EnumSet.of(JobState.STOPPED, JobState.ERROR);

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
        new EditJobDialog(window.getShell(), registry, job).open();
        return null;
    }

    private static JobRef job(ISelection selection) {
        if (selection instanceof IStructuredSelection structured && structured.size() == 1
                && structured.getFirstElement() instanceof JobRef job && job.current()
                && EDITABLE.contains(job.state())) {
            return job;
        }
        return null;
    }
}
