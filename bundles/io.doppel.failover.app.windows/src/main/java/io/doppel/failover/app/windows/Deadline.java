package io.doppel.failover.app.windows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * Commands and pauses that end by the deadline of the call from the failover plan
 * ({@link TakeoverContext#deadline()}), so that no wait of a plugin outlives the step it is in.
 */
public final class Deadline {

    /**
     * The deadline passed before a command could start. A plugin that waits for something catches it
     * to say instead what it was waiting for.
     */
    public static final class OutOfTime extends ApplicationException {
        private static final long serialVersionUID = 1L;

        public OutOfTime(String message) {
            super(message);
        }
    }

    private Deadline() {
    }

    /**
     * Runs {@code command} through the context's runner, without extra environment, for at most
     * {@code cap} and never past the deadline.
     *
     * @param what what the command does, for the message if no time is left ("stop service X")
     * @throws OutOfTime if the deadline has passed
     */
    public static CommandRunner.Result run(TakeoverContext context, Duration cap, String what, List<String> command)
            throws ApplicationException {
        Duration left = Duration.between(Instant.now(), context.deadline());
        if (left.toMillis() <= 0) {
            throw new OutOfTime("no time left in the step to " + what
                    + ": raise the failover's step timeout (--step-timeout)");
        }
        return context.commands().run(command, Map.of(), left.compareTo(cap) < 0 ? left : cap);
    }

    /**
     * Waits {@code interval} before the next try, or less if the deadline comes first.
     *
     * @param doing what the plugin is doing, for the message if the thread is interrupted
     *              ("mounting the mailbox databases")
     * @return whether time is left for another try
     */
    public static boolean pause(TakeoverContext context, Duration interval, String doing) throws ApplicationException {
        long left = Duration.between(Instant.now(), context.deadline()).toMillis();
        if (left <= 0) {
            return false;
        }
        try {
            Thread.sleep(Math.min(left, interval.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApplicationException("interrupted while " + doing);
        }
        return Instant.now().isBefore(context.deadline());
    }
}
