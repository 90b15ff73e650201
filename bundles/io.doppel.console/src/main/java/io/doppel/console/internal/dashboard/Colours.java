package io.doppel.console.internal.dashboard;

import org.eclipse.swt.graphics.RGB;

import io.doppel.api.job.JobState;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.LagLevel;

/** What colour tells at a glance: green is fine, amber needs watching, red needs the admin. */
public enum Colours {

    GOOD(new RGB(0x2e, 0x7d, 0x32)),
    WATCH(new RGB(0xb2, 0x6a, 0x00)),
    ALARM(new RGB(0xc6, 0x28, 0x28)),
    /** Nothing to say: the widget's own colour. */
    PLAIN(null);

    private final RGB rgb;

    Colours(RGB rgb) {
        this.rgb = rgb;
    }

    /** The colour, or {@code null} for the widget's default. */
    public RGB rgb() {
        return rgb;
    }

    /** Lag against the job's limit: green below half, amber below the limit, red at or above. */
    public static Colours of(LagLevel level) {
        return switch (level) {
            case GOOD -> GOOD;
            case WARNING -> WATCH;
            case ALARM -> ALARM;
            case UNKNOWN -> PLAIN;
        };
    }

    public static Colours of(ConnectionState state) {
        return switch (state) {
            case CONNECTED -> GOOD;
            case NEW, CONNECTING -> WATCH;
            default -> ALARM;
        };
    }

    /** A job's state; {@code null} (server unreachable) is amber: nobody knows it now. */
    public static Colours of(JobState state) {
        if (state == null) {
            return WATCH;
        }
        return switch (state) {
            case REPLICATING -> GOOD;
            case MIRRORING, CONNECTING, RESTORING, PAUSED, DISCONNECTED -> WATCH;
            case ERROR -> ALARM;
            case STOPPED -> PLAIN;
        };
    }
}
