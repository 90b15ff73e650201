package io.doppel.console.internal.plugins;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.ui.ISources;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;

/**
 * Server ▸ Plugins…: enabled for exactly one selected server that is connected; opens the dialog that
 * lists, installs and removes the feature plugins of that agent's installation.
 */
public final class AgentPluginsHandler extends AbstractHandler {

    /** The command's id. */
    public static final String COMMAND = "io.doppel.console.commands.server.plugins";

    @Override
    public void setEnabled(Object evaluationContext) {
        Object selection = HandlerUtil.getVariable(evaluationContext, ISources.ACTIVE_CURRENT_SELECTION_NAME);
        setBaseEnabled(selection instanceof ISelection s && server(s) != null);
    }

    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        Server server = server(HandlerUtil.getCurrentSelection(event));
        if (server == null) {
            return null;
        }
        IWorkbenchWindow window = HandlerUtil.getActiveWorkbenchWindowChecked(event);
        ServerRegistry registry = window.getService(ServerRegistry.class);
        if (registry == null) {
            throw new ExecutionException("The console's server registry is not running: the component in bundle "
                    + "io.doppel.console was not activated");
        }
        new AgentPluginsDialog(window.getShell(), registry, server).open();
        return null;
    }

    private static Server server(ISelection selection) {
        if (selection instanceof IStructuredSelection structured && structured.size() == 1
                && structured.getFirstElement() instanceof Server server
                && server.state().connection() == ConnectionState.CONNECTED) {
            return server;
        }
        return null;
    }
}
