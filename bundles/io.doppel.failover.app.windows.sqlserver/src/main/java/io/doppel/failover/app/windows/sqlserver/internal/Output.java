package io.doppel.failover.app.windows.sqlserver.internal;

import io.doppel.api.failover.app.CommandRunner;
import io.doppel.failover.app.windows.PowerShell;

/**
 * What a program printed, short enough for a message. sqlcmd and SQL Server explain themselves over
 * several lines, so a message keeps the end of the output rather than its last line.
 */
final class Output {

    private static final int TAIL = 300;

    private Output() {
    }

    /** The end of what a program printed, at most {@value #TAIL} characters. */
    static String tail(String output) {
        String s = output.strip();
        return s.length() <= TAIL ? s : "…" + s.substring(s.length() - TAIL);
    }

    /** What went wrong in a PowerShell script that did not end well (PowerShell's message if it printed one). */
    static String error(CommandRunner.Result result) {
        if (result.exitCode() == -1) {
            return "it did not end in time (" + tail(result.output()) + ")";
        }
        return PowerShell.failure(result).orElse("exit code " + result.exitCode() + ": " + tail(result.output()));
    }
}
