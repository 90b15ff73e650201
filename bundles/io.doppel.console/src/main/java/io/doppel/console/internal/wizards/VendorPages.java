package io.doppel.console.internal.wizards;

import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IConfigurationElement;
import org.eclipse.core.runtime.ILog;
import org.eclipse.core.runtime.Platform;

import io.doppel.console.spi.FailoverPluginPage;

/** Finds the settings form a vendor contributed for an application failover plugin, if any. */
final class VendorPages {

    /** The extension point's full id. */
    static final String POINT = "io.doppel.console.failoverPluginPages";

    private VendorPages() {
    }

    /**
     * A new form for the plugin, or {@code null} if none is contributed or the contribution cannot be
     * made (then logged, and the wizard falls back to the plain form).
     */
    static FailoverPluginPage create(String pluginId) {
        for (IConfigurationElement element : Platform.getExtensionRegistry().getConfigurationElementsFor(POINT)) {
            if ("page".equals(element.getName()) && pluginId.equals(element.getAttribute("plugin"))) {
                try {
                    Object page = element.createExecutableExtension("class");
                    if (page instanceof FailoverPluginPage form) {
                        return form;
                    }
                    ILog.of(VendorPages.class).warn("The failover page for '" + pluginId + "' from "
                            + element.getContributor().getName() + " is no FailoverPluginPage; the plain form is used");
                } catch (CoreException e) {
                    ILog.of(VendorPages.class).error("The failover page for '" + pluginId + "' from "
                            + element.getContributor().getName() + " cannot be made; the plain form is used", e);
                }
            }
        }
        return null;
    }
}
