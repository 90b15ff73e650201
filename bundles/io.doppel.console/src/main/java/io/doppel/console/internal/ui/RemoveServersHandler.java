package io.doppel.console.internal.ui;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.ui.handlers.HandlerUtil;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerStore.StoreException;

/**
 * Remove (Delete) in the Servers view: forgets the selected servers. The agents themselves are not
 * touched, and adding one again only needs its address and token file, so no confirmation is asked.
 */
public final class RemoveServersHandler extends AbstractHandler {

    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        ServerRegistry registry = Registries.of(HandlerUtil.getActiveWorkbenchWindowChecked(event));
        for (Server server : Selections.servers(event)) {
            try {
                registry.remove(server);
            } catch (StoreException e) {
                MessageDialog.openWarning(HandlerUtil.getActiveShellChecked(event), "Server list not saved",
                        "The agent at " + server.entry().address() + " was removed from the list, but the list could not "
                                + "be saved, so it will be back after a restart: " + e.getMessage());
                return null;
            }
        }
        return null;
    }
}
