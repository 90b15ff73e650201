package io.doppel.console.internal.ui;

import java.util.List;
import java.util.Locale;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IConfigurationElement;
import org.eclipse.core.runtime.IExecutableExtension;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.ISources;
import org.eclipse.ui.handlers.HandlerUtil;

import com.google.gson.JsonObject;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.JobRef;

/**
 * Start, stop, pause, resume, mirror, verify, restore or delete the selected jobs; which one is given in
 * plugin.xml ({@code class="…JobActionHandler:stop"}). Enabled when every selected job's last known state
 * allows the action; actions that change what is protected ask first and say exactly what will happen.
 */
public final class JobActionHandler extends AbstractHandler implements IExecutableExtension {

    private JobAction action;

    public JobActionHandler() {
    }

    JobActionHandler(JobAction action) {
        this.action = action;
    }

    @Override
    public void setInitializationData(IConfigurationElement config, String propertyName, Object data)
            throws CoreException {
        action = JobAction.valueOf(String.valueOf(data).strip().toUpperCase(Locale.ROOT));
    }

    @Override
    public void setEnabled(Object evaluationContext) {
        Object selection = HandlerUtil.getVariable(evaluationContext, ISources.ACTIVE_CURRENT_SELECTION_NAME);
        List<JobRef> jobs = selection instanceof ISelection s ? Selections.jobs(s) : List.of();
        setBaseEnabled(!jobs.isEmpty() && jobs.stream().allMatch(action::appliesTo));
    }

    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        List<JobRef> jobs = Selections.jobs(HandlerUtil.getCurrentSelection(event));
        if (jobs.isEmpty()) {
            return null;
        }
        Shell shell = HandlerUtil.getActiveWorkbenchWindowChecked(event).getShell();
        ServerRegistry registry = Registries.of(HandlerUtil.getActiveWorkbenchWindowChecked(event));
        Runnable runAll = () -> jobs.forEach(job -> run(registry, shell.getDisplay(), job));
        if (action.confirms()) {
            confirm(shell, jobs, runAll);
        } else {
            runAll.run();
        }
        return null;
    }

    private void confirm(Shell shell, List<JobRef> jobs, Runnable then) {
        String verb = Character.toUpperCase(action.verb().charAt(0)) + action.verb().substring(1);
        String title = verb + (jobs.size() == 1 ? " job '" + jobs.get(0).name() + "'" : " " + jobs.size() + " jobs");
        StringBuilder text = new StringBuilder();
        for (JobRef job : jobs) {
            if (!text.isEmpty()) {
                text.append("\n\n");
            }
            text.append(action.consequences(job));
        }
        Confirmation.ask(shell, title, text.toString(), "&" + verb, then);
    }

    private void run(ServerRegistry registry, Display display, JobRef job) {
        JsonObject args = new JsonObject();
        args.addProperty("name", job.name());
        if (action == JobAction.RESTORE) {
            args.addProperty("checksumAll", true); // after a takeover, equal size and time prove nothing
        }
        AgentActions.run(registry, display, job.server(), action.describe(job), action.command(), args,
                result -> {
                    if (action == JobAction.VERIFY) {
                        VerifyReportView.show(job);
                    }
                });
    }
}
