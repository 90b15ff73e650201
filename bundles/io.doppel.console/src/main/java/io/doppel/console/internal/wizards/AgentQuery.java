package io.doppel.console.internal.wizards;

import java.util.function.Consumer;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.swt.widgets.Control;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.console.internal.connect.AgentCalls;
import io.doppel.console.internal.connect.ConnectFailure;
import io.doppel.console.internal.model.ServerEntry;

/**
 * Asks an agent something for a wizard page without blocking the UI thread: the call runs in an
 * Eclipse job and its answer comes back on the display thread, unless the page is gone by then.
 */
final class AgentQuery {

    /** An answer: the result, or the failure in the admin's words. */
    record Answer(JsonElement result, ConnectFailure failure) {

        boolean ok() {
            return failure == null;
        }
    }

    /** Family of the wizard's queries, for tests and cancellation. */
    static final Object FAMILY = AgentQuery.class;

    private AgentQuery() {
    }

    static Job ask(AgentCalls calls, ServerEntry entry, String command, JsonObject args, Control owner,
            Consumer<Answer> onUiThread) {
        org.eclipse.swt.widgets.Display display = owner.getDisplay();
        Job job = new Job("Asking " + entry.address() + ": " + command) {
            @Override
            protected IStatus run(IProgressMonitor monitor) {
                Answer answer;
                try {
                    answer = new Answer(calls.call(entry, command, args), null);
                } catch (ConnectFailure e) {
                    answer = new Answer(null, e);
                }
                Answer done = answer;
                if (!monitor.isCanceled() && !display.isDisposed()) {
                    display.asyncExec(() -> {
                        if (!owner.isDisposed()) {
                            onUiThread.accept(done);
                        }
                    });
                }
                return Status.OK_STATUS;
            }

            @Override
            public boolean belongsTo(Object family) {
                return family == FAMILY;
            }
        };
        job.setSystem(true);
        job.schedule();
        return job;
    }
}
