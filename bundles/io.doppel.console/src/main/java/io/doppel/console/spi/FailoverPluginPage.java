package io.doppel.console.spi;

import java.util.Map;

import org.eclipse.swt.widgets.Composite;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The settings form of one application failover plugin in the console's New Failover wizard, written
 * by the plugin's vendor and contributed through the extension point
 * {@code io.doppel.console.failoverPluginPages}. Without one, the wizard builds a plain form from the
 * settings the plugin declares ({@code ApplicationFailover.settings()}).
 * <p>
 * A new instance serves one wizard; all methods are called on the display thread.
 */
@ConsumerType
public interface FailoverPluginPage {

    /**
     * Builds the form.
     *
     * @param parent   where to put the controls (its layout is the page's to choose)
     * @param declared the settings the plugin declares on the target agent, each with its meaning
     * @param changed  to call whenever the admin changes something, so the wizard checks the page again
     */
    void createControls(Composite parent, Map<String, String> declared, Runnable changed);

    /** The settings as entered now, as the plugin reads them (keys without the plugin's prefix). */
    Map<String, String> settings();

    /** What the admin must fix before the failover can be created, in words; {@code null} if nothing. */
    String problem();
}
