package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.PlatformUI;

import io.doppel.console.internal.connect.ConnectFailure;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;

/**
 * Runs the New Protection Job wizard's actions in order, in the background: progress per action,
 * cancellable between actions. A failure stops the run and is explained in a dialog: which action,
 * the agent's reason, what to do next and which earlier actions took effect. The servers involved
 * are refreshed afterwards either way.
 */
final class SetupRun extends Job {

    /** Title of the dialog that reports a failed action. */
    static final String FAILED_TITLE = "New protection job not completed";
    /** Title of the dialog that reports a cancelled run. */
    static final String CANCELLED_TITLE = "New protection job cancelled";

    private final ServerRegistry registry;
    private final List<PlannedAction> actions;
    private final String jobName;
    private final Display display;

    SetupRun(ServerRegistry registry, List<PlannedAction> actions, String jobName, Display display) {
        super("Creating protection job '" + jobName + "'");
        this.registry = registry;
        this.actions = List.copyOf(actions);
        this.jobName = jobName;
        this.display = display;
        setUser(true);
    }

    @Override
    protected IStatus run(IProgressMonitor monitor) {
        monitor.beginTask(getName(), actions.size());
        List<PlannedAction> done = new ArrayList<>();
        try {
            for (PlannedAction action : actions) {
                if (monitor.isCanceled()) {
                    report(CANCELLED_TITLE, "Cancelled before: " + action.description() + "\n\n" + tookEffect(done),
                            MessageDialog.INFORMATION);
                    return Status.CANCEL_STATUS;
                }
                monitor.subTask(action.description());
                try {
                    registry.calls().call(action.server().entry(), action.command(), action.args());
                } catch (ConnectFailure f) {
                    report(FAILED_TITLE, failure(action, f, done), MessageDialog.ERROR);
                    return Status.OK_STATUS; // explained in the dialog; not an error of the console
                }
                done.add(action);
                monitor.worked(1);
            }
            return Status.OK_STATUS;
        } finally {
            monitor.done();
            Set<Server> involved = new LinkedHashSet<>();
            actions.forEach(a -> involved.add(a.server()));
            involved.stream().filter(registry.model()::contains).forEach(s -> registry.refresh(s, null));
        }
    }

    /** The failure dialog's text: the action, the agent's reason, the next step and what took effect. */
    String failure(PlannedAction action, ConnectFailure f, List<PlannedAction> done) {
        return "Failed: " + action.description() + "\n\nReason: " + SourcePage.reason(f.getMessage())
                + "\n\nNext step: " + nextStep(action, f) + "\n\n" + tookEffect(done);
    }

    private String nextStep(PlannedAction action, ConnectFailure f) {
        String fix = f.state() == ConnectionState.AGENT_ERROR
                ? "Correct what " + action.server().displayName() + " names in the reason."
                : f.state().nextStep();
        return fix + switch (action.command()) {
            case "job.start" -> " The job '" + jobName + "' exists: then start it (doppel job start " + jobName
                    + ") rather than creating it again.";
            case "job.create" -> " Then run Job ▸ New Protection Job… again.";
            default -> " Then run Job ▸ New Protection Job… again; trusting a peer twice is harmless.";
        };
    }

    private static String tookEffect(List<PlannedAction> done) {
        if (done.isEmpty()) {
            return "Nothing took effect: no earlier action had run.";
        }
        StringBuilder b = new StringBuilder("Took effect before it:");
        done.forEach(a -> b.append("\n  • ").append(a.description()));
        return b.toString();
    }

    private void report(String title, String message, int kind) {
        if (display.isDisposed()) {
            return;
        }
        display.asyncExec(() -> {
            if (!PlatformUI.isWorkbenchRunning() || PlatformUI.getWorkbench().isClosing()) {
                return;
            }
            // The workbench window, not the active shell: that may be the progress dialog, closing now.
            var window = PlatformUI.getWorkbench().getActiveWorkbenchWindow();
            MessageDialog dialog = new MessageDialog(window != null ? window.getShell() : null, title, null, message,
                    kind, 0, "&Close");
            dialog.setBlockOnOpen(false);
            dialog.open();
        });
    }
}
