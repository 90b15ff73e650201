package io.doppel.console.internal.ui;

import java.util.List;

import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.model.Server;

/** The servers a command applies to. */
final class Selections {

    private Selections() {
    }

    static List<Server> servers(ExecutionEvent event) {
        ISelection selection = HandlerUtil.getCurrentSelection(event);
        if (!(selection instanceof IStructuredSelection structured)) {
            return List.of();
        }
        return structured.stream().filter(Server.class::isInstance).map(Server.class::cast).toList();
    }
}
