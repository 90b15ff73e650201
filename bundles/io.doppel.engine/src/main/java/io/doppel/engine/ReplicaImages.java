package io.doppel.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BiConsumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The target side's images, for failover: an image can be <em>promoted</em> (no source may feed it
 * any more; applications serve from it) and later handed back, when it admits only the source's
 * restore; once that restore has rebased the image, replication resumes. Holds are durable: they
 * survive a restart of the agent.
 */
@ProviderType
public interface ReplicaImages {

    /** What an image admits. */
    enum Hold {
        /** Replication as usual. */
        NONE,
        /** Served by the target after a failover: every source connection is refused. */
        PROMOTED,
        /** Handed back after a failover: only the source's restore (and the rebase ending it) is admitted. */
        RESTORE_ONLY
    }

    /** Where the image of {@code source}'s {@code image} lies. */
    Path path(String source, String image);

    Hold hold(String source, String image);

    /**
     * When the connection that feeds the image last delivered anything (epoch millis), or -1 if no
     * connection feeds it. A source that died without closing its connection leaves one open until
     * its silence times out: how recent the last frame is tells that apart from a living source.
     */
    long lastHeard(String source, String image);

    /**
     * How long the connection that feeds the image has been silent, in ms measured on the monotonic
     * clock, so that a step of the system clock neither makes a living source look dead nor a dead
     * one alive; -1 if no connection feeds it.
     *
     * @since 1.3
     */
    long silentMillis(String source, String image);

    /**
     * The last op the source said it had journaled (its journal's head, announced while it streams
     * ahead of what it sent), since this agent started; -1 if it never said. Compared with what
     * the image applied it bounds what a takeover lacks of the source.
     *
     * @since 1.2
     */
    long announcedHead(String source, String image);

    /**
     * Asks the source that feeds the image, over its connection, for the last op that has completed
     * for its applications now (an asynchronous job's journal head; for a synchronous job, the last
     * op this target acknowledged), waiting up to {@code answer} for the answer, then up to
     * {@code catchUp} for the image to apply that far. Called before a takeover while the source
     * may still answer: the replica is then compared with the source as it is, not as it last
     * announced itself, and a planned takeover loses nothing that was on its way.
     *
     * @return the head the source gave (the image may still be behind it if {@code catchUp} ran
     *         out), or -1 if no connection feeds the image or the source gave no answer in time
     * @since 1.4
     */
    long catchUp(String source, String image, Duration answer, Duration catchUp) throws InterruptedException;

    /**
     * The image's last applied op, as recorded durably (settling an op cut short by a crash); -1 if
     * the image was never opened.
     */
    long applied(String source, String image) throws IOException;

    /**
     * Promotes the image: it is held first (new connections are refused), then the connection that
     * feeds it is closed once what it delivered is applied, waiting up to {@code wait}. Returns the
     * image's last applied op.
     *
     * @throws IOException if the hold cannot be recorded or the image is still held open after {@code wait}
     */
    long promote(String source, String image, Duration wait) throws IOException;

    /** A promoted image is handed back: from now on it admits only the source's restore. */
    void expectRestore(String source, String image) throws IOException;

    /** Lifts any hold (a takeover rolled back before anything served from the image). */
    void release(String source, String image) throws IOException;

    /** Called with (source, image) when a restore has rebased a {@link Hold#RESTORE_ONLY} image and the hold is lifted. */
    void onRestored(BiConsumer<String, String> listener);

    void removeRestoredListener(BiConsumer<String, String> listener);
}
