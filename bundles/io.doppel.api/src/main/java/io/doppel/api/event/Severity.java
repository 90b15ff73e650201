package io.doppel.api.event;

import java.util.Locale;

/** How serious an event is, from the least. */
public enum Severity {
    /** Something normal happened (a job started, a mirror finished). */
    INFO,
    /** Something an admin may want to look at; the agent carries on (a lost connection, differences found). */
    WARNING,
    /** Something failed and needs the admin (a job in error, a restore that failed). */
    ERROR,
    /** Protection is lost or at risk right now (a refused peer, data that cannot be replicated). */
    CRITICAL;

    /** The severity named {@code text} (any case), or an exception that lists the names. */
    public static Severity parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("severity must be info, warning, error or critical, not '" + text + "'");
        }
    }
}
