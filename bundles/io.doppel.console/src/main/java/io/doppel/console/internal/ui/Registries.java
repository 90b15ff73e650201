package io.doppel.console.internal.ui;

import org.eclipse.ui.services.IServiceLocator;

import io.doppel.console.internal.connect.ServerRegistry;

/** Finds the {@link ServerRegistry} service from the workbench's point of view. */
final class Registries {

    private Registries() {
    }

    static ServerRegistry of(IServiceLocator locator) {
        ServerRegistry registry = locator.getService(ServerRegistry.class);
        if (registry == null) {
            throw new IllegalStateException("The console's server registry is not running: the component in bundle "
                    + "io.doppel.console was not activated (is org.apache.felix.scr installed and started?)");
        }
        return registry;
    }
}
