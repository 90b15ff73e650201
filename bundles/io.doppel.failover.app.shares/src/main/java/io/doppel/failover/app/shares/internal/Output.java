package io.doppel.failover.app.shares.internal;

import java.time.Duration;
import java.time.Instant;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.TakeoverContext;

/** Time and words for the programs the plugin runs: every run and every wait ends by the step's deadline. */
final class Output {

    /** Between two looks at a condition (smbd listing its shares, say). */
    static final Duration POLL = Duration.ofMillis(100);

    private Output() {
    }

    /** How long {@code what} may run: at most {@code cap}, never past the deadline (then it is refused). */
    static Duration within(TakeoverContext context, Duration cap, String what) throws ApplicationException {
        Duration left = Duration.between(Instant.now(), context.deadline());
        if (left.isNegative() || left.isZero()) {
            throw new ApplicationException("the step's time ran out before " + what + ": give the failover a longer "
                    + "--step-timeout");
        }
        return left.compareTo(cap) < 0 ? left : cap;
    }

    /** Waits one poll interval if the deadline leaves room for another look; false when it does not. */
    static boolean pause(TakeoverContext context) throws ApplicationException {
        if (Instant.now().plus(POLL).isAfter(context.deadline())) {
            return false;
        }
        try {
            Thread.sleep(POLL.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApplicationException("interrupted while waiting for smbd", e);
        }
    }

    /** The end of a program's output, which says why it failed, in one line. */
    static String last(String output) {
        String s = output.strip().replaceAll("\\s*\\R\\s*", " | ");
        return s.length() <= 500 ? s : "…" + s.substring(s.length() - 500);
    }
}
