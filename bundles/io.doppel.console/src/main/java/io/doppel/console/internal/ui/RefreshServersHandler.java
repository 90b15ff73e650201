package io.doppel.console.internal.ui;

import java.util.List;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.Server;

/**
 * Refresh (F5) in the Servers view: re-reads the status of the selected servers, or of all when
 * none is selected. Refreshing a single server explains a failure in a dialog; refreshing many
 * leaves the explanations in the rows instead of stacking dialogs.
 */
public final class RefreshServersHandler extends AbstractHandler {

    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        ServerRegistry registry = Registries.of(HandlerUtil.getActiveWorkbenchWindowChecked(event));
        List<Server> selected = Selections.servers(event);
        List<Server> servers = selected.isEmpty() ? registry.model().servers() : selected;
        if (servers.size() == 1) {
            Display display = HandlerUtil.getActiveShellChecked(event).getDisplay();
            registry.refresh(servers.get(0), (server, outcome) -> FailureFeedback.showIfFailed(display, server, outcome));
        } else {
            servers.forEach(server -> registry.refresh(server, null));
        }
        return null;
    }
}
