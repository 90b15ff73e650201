package io.doppel.console.internal.wizards;

import java.util.EnumSet;
import java.util.Set;

import org.eclipse.jface.window.Window;
import org.eclipse.swt.widgets.Shell;

import io.doppel.api.job.JobState;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.JobRef;

/**
 * Job ▸ Edit Job…: enabled for one job whose server answers and that is stopped (or stopped by an
 * error), the states in which the agent lets a definition change.
 */
public final class EditJobHandler extends OneJobHandler {

    /** The command's id. */
    public static final String COMMAND = "io.doppel.console.commands.job.edit";

    /** The states {@code job.edit} accepts. */
    static final Set<JobState> EDITABLE = EnumSet.of(JobState.STOPPED, JobState.ERROR);

    @Override
    boolean accepts(JobRef job) {
        return EDITABLE.contains(job.state());
    }

    @Override
    Window dialog(Shell shell, ServerRegistry registry, JobRef job) {
        return new EditJobDialog(shell, registry, job);
    }
}
