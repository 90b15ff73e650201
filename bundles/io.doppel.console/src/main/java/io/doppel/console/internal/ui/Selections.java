package io.doppel.console.internal.ui;

import java.util.List;

import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.model.FailoverRef;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;

/** The servers a command applies to. */
final class Selections {

    private Selections() {
    }

    /** The selected servers, and the servers of selected jobs and failovers, each once. */
    static List<Server> servers(ExecutionEvent event) {
        ISelection selection = HandlerUtil.getCurrentSelection(event);
        if (!(selection instanceof IStructuredSelection structured)) {
            return List.of();
        }
        return structured.stream().map(o -> o instanceof Server s ? s
                : o instanceof JobRef j ? j.server()
                : o instanceof FailoverRef f ? f.server() : null)
                .filter(java.util.Objects::nonNull).distinct().toList();
    }

    /** The selected jobs. */
    static List<JobRef> jobs(ISelection selection) {
        if (!(selection instanceof IStructuredSelection structured)) {
            return List.of();
        }
        return structured.stream().filter(JobRef.class::isInstance).map(JobRef.class::cast).toList();
    }

    /** The selected failovers. */
    static List<FailoverRef> failovers(ISelection selection) {
        if (!(selection instanceof IStructuredSelection structured)) {
            return List.of();
        }
        return structured.stream().filter(FailoverRef.class::isInstance).map(FailoverRef.class::cast).toList();
    }
}
