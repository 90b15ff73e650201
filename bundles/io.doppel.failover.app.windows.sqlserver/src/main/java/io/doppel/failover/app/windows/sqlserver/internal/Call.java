package io.doppel.failover.app.windows.sqlserver.internal;

import java.util.List;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;
import io.doppel.failover.app.windows.Deadline;

/**
 * One call from the failover plan: its context, its checked settings and the time it has. Every
 * command and every pause ends by the step's deadline, so no wait here outlives the call.
 */
final class Call {

    private final TakeoverContext context;
    private final SqlServerSettings settings;

    Call(TakeoverContext context) throws ApplicationException {
        this.context = context;
        this.settings = SqlServerSettings.of(context.settings());
    }

    TakeoverContext context() {
        return context;
    }

    SqlServerSettings settings() {
        return settings;
    }

    /**
     * Runs {@code command} for at most the command timeout and never past the deadline.
     *
     * @throws Deadline.OutOfTime if the deadline has passed: a wait reports what it was waiting for instead
     */
    CommandRunner.Result run(String what, List<String> command) throws ApplicationException {
        return Deadline.run(context, settings.commandTimeout(), what, command);
    }

    /**
     * Waits the poll interval before the next check, or less if the deadline comes first.
     *
     * @return whether time is left for another check
     */
    boolean pause() throws ApplicationException {
        return Deadline.pause(context, settings.pollInterval(), "waiting for " + settings.describe());
    }
}
