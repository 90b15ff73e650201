package io.doppel.console.internal.ui;

import java.util.Objects;
import java.util.function.Consumer;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.PlatformUI;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.console.internal.connect.ConnectFailure;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;
import io.doppel.management.ManagementException;
import io.doppel.management.protocol.Messages;

/**
 * Runs an admin's action on an agent in the background: an Eclipse job (in the progress view and the
 * status line), then a refresh of the server so its rows show the effect at once. A refusal or a lost
 * connection becomes a dialog that says what failed, why, and what to do next.
 */
public final class AgentActions {

    /** Title prefix of the failure dialog: "Cannot start job 'web' on alpha". */
    public static final String FAILED_TITLE_PREFIX = "Cannot ";

    private AgentActions() {
    }

    /**
     * Starts the action.
     *
     * @param what      the action in words, lower case, e.g. {@code start job 'web'}
     * @param onSuccess told the result on the display thread; may be {@code null}
     * @return the scheduled job
     */
    public static Job run(ServerRegistry registry, Display display, Server server, String what, String command,
            JsonObject args, Consumer<JsonElement> onSuccess) {
        Objects.requireNonNull(display, "display");
        Job job = new Job(capitalised(what) + " on " + server.displayName()) {
            @Override
            protected IStatus run(IProgressMonitor monitor) {
                try {
                    JsonElement result = registry.calls().call(server.entry(), command, args);
                    registry.refresh(server, null);
                    if (onSuccess != null) {
                        onDisplay(display, () -> onSuccess.accept(result));
                    }
                } catch (ConnectFailure e) {
                    registry.refresh(server, null);
                    onDisplay(display, () -> showFailure(display, server, what, e));
                } catch (RuntimeException e) {
                    return Status.error("The console failed to " + what + " on " + server.displayName(), e);
                }
                return Status.OK_STATUS;
            }
        };
        job.setUser(false);
        job.schedule();
        return job;
    }

    /** The failure dialog; non-blocking. */
    public static void showFailure(Display display, Server server, String what, ConnectFailure failure) {
        if (!PlatformUI.isWorkbenchRunning() || PlatformUI.getWorkbench().isClosing()) {
            return;
        }
        MessageDialog dialog = new MessageDialog(display.getActiveShell(),
                FAILED_TITLE_PREFIX + what + " on " + server.displayName(), null, message(what, failure),
                MessageDialog.ERROR, 0, "&Close");
        dialog.setBlockOnOpen(false);
        dialog.open();
    }

    /** The failure in words: what, why, next step. */
    public static String message(String what, ConnectFailure failure) {
        return "Could not " + what + ": " + failure.getMessage() + "\n\nNext step: " + nextStep(failure);
    }

    /** For a refusal, what the agent's reason asks for; for a lost connection, what the connection state says. */
    static String nextStep(ConnectFailure failure) {
        if (failure.state() == ConnectionState.AGENT_ERROR
                && failure.getCause() instanceof ManagementException refusal && refusal.code() != null) {
            return switch (refusal.code()) {
                case Messages.E_BAD_ARGUMENT -> "Correct what the agent names above and try again.";
                case Messages.E_NOT_FOUND -> "It is gone or was renamed: choose Refresh (F5) to see what the agent "
                        + "has now.";
                case Messages.E_UNKNOWN_COMMAND -> "The agent lacks the feature for this; install it on the agent "
                        + "(doppel plugins) or use an agent of the console's version.";
                default -> "Do what the agent's reason above asks (for example stop the job first), or see the "
                        + "agent's log, then try again.";
            };
        }
        return failure.state().nextStep();
    }

    private static void onDisplay(Display display, Runnable runnable) {
        if (!display.isDisposed()) {
            display.asyncExec(runnable);
        }
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
