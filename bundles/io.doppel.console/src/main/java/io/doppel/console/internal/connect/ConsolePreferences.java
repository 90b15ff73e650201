package io.doppel.console.internal.connect;

import java.time.Duration;

import org.eclipse.core.runtime.preferences.IEclipsePreferences;
import org.eclipse.core.runtime.preferences.InstanceScope;

/**
 * The console's connection settings (Window ▸ Preferences ▸ Doppel), kept in the instance scope of
 * the console's preferences. Read afresh on every use, so a change applies at the next refresh.
 */
public final class ConsolePreferences {

    /** Preference node of the console. */
    public static final String NODE = "io.doppel.console";
    /** Seconds between two refreshes of a connected agent. */
    public static final String REFRESH_SECONDS = "refreshSeconds";
    /** Seconds the console waits for an agent at each step of a connection before it gives up. */
    public static final String TIMEOUT_SECONDS = "timeoutSeconds";
    /** Lag (seconds) from which a job without its own recovery point objective shows in red. */
    public static final String LAG_ALARM_SECONDS = "lagAlarmSeconds";

    public static final int DEFAULT_REFRESH_SECONDS = 2;
    public static final int DEFAULT_TIMEOUT_SECONDS = 5;
    public static final int DEFAULT_LAG_ALARM_SECONDS = 60;

    /** Bounds an admin may choose within. */
    public static final int MIN_REFRESH_SECONDS = 1;
    public static final int MAX_REFRESH_SECONDS = 3600;
    public static final int MIN_TIMEOUT_SECONDS = 1;
    public static final int MAX_TIMEOUT_SECONDS = 300;
    public static final int MIN_LAG_ALARM_SECONDS = 1;
    public static final int MAX_LAG_ALARM_SECONDS = 86_400;

    private ConsolePreferences() {
    }

    public static IEclipsePreferences node() {
        return InstanceScope.INSTANCE.getNode(NODE);
    }

    public static Duration refreshInterval() {
        return Duration.ofSeconds(bounded(REFRESH_SECONDS, DEFAULT_REFRESH_SECONDS, MIN_REFRESH_SECONDS,
                MAX_REFRESH_SECONDS));
    }

    public static Duration timeout() {
        return Duration.ofSeconds(bounded(TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS,
                MAX_TIMEOUT_SECONDS));
    }

    public static Duration lagAlarm() {
        return Duration.ofSeconds(bounded(LAG_ALARM_SECONDS, DEFAULT_LAG_ALARM_SECONDS, MIN_LAG_ALARM_SECONDS,
                MAX_LAG_ALARM_SECONDS));
    }

    private static int bounded(String key, int otherwise, int min, int max) {
        int value = node().getInt(key, otherwise);
        return Math.max(min, Math.min(max, value));
    }
}
