package io.doppel.failover.internal.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * What a takeover has taken so far, saved after every step: what a rollback, a fail-back or an
 * agent restart in the middle must give back, and nothing else.
 */
public final class Taken {
    /** The image was promoted. */
    public boolean promoted;
    /** The image's last applied op when it was promoted. */
    public long appliedSeq = -1;
    /** The changes the source had journaled beyond the image when it was last heard (0: none known). */
    public long behindOps;
    /** Where the image was bind-mounted, or null. */
    public String exposedAt;
    /** Addresses this target brought up ({@code ADDRESS/PREFIX@INTERFACE}). */
    public List<String> addedAddresses = new ArrayList<>();
    /** The target's own addresses it took down to replace them ({@code ADDRESS/PREFIX@INTERFACE}). */
    public List<String> removedAddresses = new ArrayList<>();
    /** The host alias entry written to the hosts file, or null. */
    public String hostAlias;
    /** This target's own host name, kept while it goes by the source's; null if it kept its own. */
    public String originalHostName;
    /** Application plugins started, in order. */
    public List<String> applications = new ArrayList<>();

    public boolean empty() {
        return !promoted && exposedAt == null && addedAddresses.isEmpty() && removedAddresses.isEmpty()
                && hostAlias == null && originalHostName == null && applications.isEmpty();
    }
}
