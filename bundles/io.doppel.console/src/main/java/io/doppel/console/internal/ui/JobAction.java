package io.doppel.console.internal.ui;

import java.util.EnumSet;
import java.util.Set;

import io.doppel.api.job.JobState;
import io.doppel.console.internal.model.JobRef;

/**
 * What the admin can do to a job from the console, the management command behind each, the states it
 * applies in, and for the ones that change what is protected, what the confirmation says will happen.
 */
public enum JobAction {

    START("start", "job.start", EnumSet.of(JobState.STOPPED, JobState.ERROR), null),
    STOP("stop", "job.stop", EnumSet.complementOf(EnumSet.of(JobState.STOPPED)),
            "Changes to %2$s are no longer captured while job '%1$s' is stopped. When it starts again, a mirror "
                    + "makes the target equal to the source, because what changed meanwhile is in no journal."),
    PAUSE("pause", "job.pause", EnumSet.of(JobState.CONNECTING, JobState.MIRRORING, JobState.REPLICATING,
            JobState.DISCONNECTED), null),
    RESUME("resume", "job.resume", EnumSet.of(JobState.PAUSED), null),
    MIRROR("mirror", "job.mirror", EnumSet.of(JobState.REPLICATING, JobState.MIRRORING), null),
    VERIFY("verify", "job.verify", EnumSet.of(JobState.REPLICATING, JobState.MIRRORING), null),
    RESTORE("restore", "job.restore", EnumSet.of(JobState.STOPPED),
            "The source directory %2$s is made equal to the target's image %3$s, by differences (every file "
                    + "compared by content): files that differ are overwritten from the image and files only the "
                    + "source has are removed. Keep the "
                    + "applications that use %2$s stopped until it is done; then job '%1$s' replicates again."),
    DELETE("delete", "job.delete", EnumSet.of(JobState.STOPPED),
            "Job '%1$s' and its journal are deleted from %4$s. The files in %2$s and the target's image %3$s "
                    + "stay as they are.");

    private final String verb;
    private final String command;
    private final Set<JobState> appliesIn;
    private final String consequences;

    JobAction(String verb, String command, Set<JobState> appliesIn, String consequences) {
        this.verb = verb;
        this.command = command;
        this.appliesIn = appliesIn;
        this.consequences = consequences;
    }

    /** Lower-case verb: {@code start}. */
    public String verb() {
        return verb;
    }

    public String command() {
        return command;
    }

    /** Whether the job's last known state allows the action (an unreachable server allows none). */
    public boolean appliesTo(JobRef job) {
        JobState state = job.state();
        return state != null && appliesIn.contains(state);
    }

    /** Whether the admin confirms first. */
    public boolean confirms() {
        return consequences != null;
    }

    /** What will happen, in words, for the confirmation; {@code null} if the action needs none. */
    public String consequences(JobRef job) {
        if (consequences == null) {
            return null;
        }
        var definition = job.status().definition();
        return String.format(consequences, job.name(), definition.source(), definition.target() + "/"
                + definition.imageName(), job.server().displayName());
    }

    /** The action in words for titles and messages: {@code stop job 'web'}. */
    public String describe(JobRef job) {
        return verb + " job '" + job.name() + "'";
    }
}
