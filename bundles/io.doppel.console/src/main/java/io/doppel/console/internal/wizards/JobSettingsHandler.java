package io.doppel.console.internal.wizards;

import org.eclipse.jface.window.Window;
import org.eclipse.swt.widgets.Shell;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.JobRef;

/** Job ▸ Bandwidth and Rules…: enabled for one job whose server answers. */
public final class JobSettingsHandler extends OneJobHandler {

    /** The command's id. */
    public static final String COMMAND = "io.doppel.console.commands.job.settings";

    @Override
    Window dialog(Shell shell, ServerRegistry registry, JobRef job) {
        return new JobSettingsDialog(shell, registry, job);
    }
}
