package io.doppel.api.failover.app;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/** What the failover plan tells an application plugin: where the data is, its settings, how long it has. */
@ProviderType
public interface TakeoverContext {

    /** The failover's name. */
    String failover();

    /** The source agent's name. */
    String source();

    /** The root of the replicated data as the application sees it (the image, or where it is exposed). */
    Path dataRoot();

    /** The plugin's settings from the failover definition. */
    Map<String, String> settings();

    /** A setting, or the default. */
    default String setting(String key, String defaultValue) {
        String v = settings().get(key);
        return v == null || v.isBlank() ? defaultValue : v;
    }

    /**
     * A directory of the plugin's own for this failover, outside the image: for its logs and the
     * state it keeps between takeover and release. Exists when the plugin is called.
     *
     * @since 1.1
     */
    Path workDirectory();

    /** When the current call must have returned. */
    Instant deadline();

    /** Runs programs (services, shells); replaced by a recording runner in plugin tests. */
    CommandRunner commands();

    /** Records a step of the plugin's work in the agent's event log. */
    void log(String message);
}
