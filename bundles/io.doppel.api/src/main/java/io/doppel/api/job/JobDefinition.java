package io.doppel.api.job;

import java.util.regex.Pattern;

/**
 * What an admin defines for a replication job on its source agent.
 *
 * @param name              unique on the source agent: letters, digits, '.', '_', '-'
 * @param source            absolute path of the protected directory on the source
 * @param target            the target agent's replication address, {@code host:port}
 * @param targetFingerprint the target's certificate fingerprint to insist on, or {@code null} for any
 *                          trusted peer
 * @param image             the image's name on the target (default: the job's name)
 * @param synchronous       whether a change completes for the application only once the target
 *                          applied it
 * @param interceptor       the id of the interceptor that captures changes (e.g. {@code watch}), or
 *                          {@code null} to use the best one available
 * @param compression       {@code none}, {@code fast}, {@code balanced} or {@code max}; {@code null}
 *                          for {@code fast}
 * @param bandwidth         the bandwidth limit over the week, e.g. {@code 25GB/h Mon-Fri 08:00-18:00; unlimited};
 *                          {@code null} for none; changeable while the job runs
 * @param intervalSeconds   0 to send changes continuously, or send what accumulated every so many seconds
 * @param rules             the replication set: ordered {@code + PATTERN} / {@code - PATTERN} rules, the first
 *                          match decides, unmatched paths are included; {@code null} or empty for everything
 *                          (less the default excludes); changeable while the job runs
 * @param queueMemoryMiB    how much of the send queue is kept in memory (MiB; 0 for the default of 64);
 *                          beyond it the queue is read back from its journal on disk
 * @param mirror            how the job makes the target equal to the source when it first starts and
 *                          whenever it must resynchronise: {@code diff} (the default: only blocks whose
 *                          checksums differ travel), {@code full} (every byte), {@code newer} (files
 *                          newer on the source) or {@code none} (the target already holds a copy)
 * @param verify            when the job verifies its target by itself, or {@code null} for only on demand
 * @param queueDiskMiB      how much of what the target has not acknowledged the send queue's journal may hold
 *                          on disk (MiB; 0 for no limit but the disk's; its files hold up to a quarter more, of
 *                          acknowledged ops): beyond it, what the target has not acknowledged is dropped and the job
 *                          resynchronises the target by a mirror (in the job's mirror mode, {@code diff} if
 *                          it has none), which copies what those changes did instead of the changes
 * @param rpoSeconds        the recovery point objective: an event when changes the target has not applied go
 *                          back further than this many seconds, and another when they no longer do (0: none)
 */
public record JobDefinition(String name, String source, String target, String targetFingerprint, String image,
        boolean synchronous, String interceptor, String compression, String bandwidth, int intervalSeconds,
        java.util.List<String> rules, int queueMemoryMiB, String mirror, VerifySchedule verify, int queueDiskMiB,
        int rpoSeconds) {

    public JobDefinition {
        rules = rules == null ? java.util.List.of() : java.util.List.copyOf(rules);
    }

    /** A definition without a recovery point objective. */
    public JobDefinition(String name, String source, String target, String targetFingerprint, String image,
            boolean synchronous, String interceptor, String compression, String bandwidth, int intervalSeconds,
            java.util.List<String> rules, int queueMemoryMiB, String mirror, VerifySchedule verify, int queueDiskMiB) {
        this(name, source, target, targetFingerprint, image, synchronous, interceptor, compression, bandwidth,
                intervalSeconds, rules, queueMemoryMiB, mirror, verify, queueDiskMiB, 0);
    }

    /** A definition without a queue disk budget. */
    public JobDefinition(String name, String source, String target, String targetFingerprint, String image,
            boolean synchronous, String interceptor, String compression, String bandwidth, int intervalSeconds,
            java.util.List<String> rules, int queueMemoryMiB, String mirror, VerifySchedule verify) {
        this(name, source, target, targetFingerprint, image, synchronous, interceptor, compression, bandwidth,
                intervalSeconds, rules, queueMemoryMiB, mirror, verify, 0, 0);
    }

    /** A definition without a verification schedule. */
    public JobDefinition(String name, String source, String target, String targetFingerprint, String image,
            boolean synchronous, String interceptor, String compression, String bandwidth, int intervalSeconds,
            java.util.List<String> rules, int queueMemoryMiB, String mirror) {
        this(name, source, target, targetFingerprint, image, synchronous, interceptor, compression, bandwidth,
                intervalSeconds, rules, queueMemoryMiB, mirror, null);
    }

    /** A definition with the default mirror mode. */
    public JobDefinition(String name, String source, String target, String targetFingerprint, String image,
            boolean synchronous, String interceptor, String compression, String bandwidth, int intervalSeconds,
            java.util.List<String> rules, int queueMemoryMiB) {
        this(name, source, target, targetFingerprint, image, synchronous, interceptor, compression, bandwidth,
                intervalSeconds, rules, queueMemoryMiB, null);
    }

    /** The mirror modes a job can choose: the {@link MirrorStatus#MODES} and {@code none}. */
    public static final java.util.List<String> MIRROR = java.util.List.of("diff", "full", "newer", "none");

    /** The compression levels a job can use, in order of effort. */
    public static final java.util.List<String> COMPRESSION = java.util.List.of("none", "fast", "balanced", "max");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** Says what is wrong with this definition, naming the field, or {@code null} if nothing is. */
    public String problem() {
        if (name == null || !NAME.matcher(name).matches()) {
            return "name: '" + name + "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";
        }
        if (source == null || !source.startsWith("/")) {
            return "source: '" + source + "' must be an absolute path";
        }
        if (target == null || target.isBlank() || !target.contains(":")) {
            return "target: '" + target + "' must be HOST:PORT of the target agent's replication endpoint";
        }
        if (intervalSeconds < 0 || intervalSeconds > 7 * 24 * 3600) {
            return "intervalSeconds: " + intervalSeconds + " must be 0 (continuous) up to a week";
        }
        if (queueMemoryMiB < 0 || queueMemoryMiB > 65_536) {
            return "queueMemoryMiB: " + queueMemoryMiB + " must be 0 (default) to 65536";
        }
        if (queueDiskMiB < 0 || queueDiskMiB > 16 * 1024 * 1024) {
            return "queueDiskMiB: " + queueDiskMiB + " must be 0 (no limit) to 16777216 (16 TiB)";
        }
        if (queueDiskMiB > 0 && queueDiskMiB < 16) {
            return "queueDiskMiB: " + queueDiskMiB + " is too small; at least 16 MiB, so that one burst of changes fits";
        }
        if (rpoSeconds < 0 || rpoSeconds > 7 * 24 * 3600) {
            return "rpoSeconds: " + rpoSeconds + " must be 0 (none) up to a week";
        }
        if (compression != null && !COMPRESSION.contains(compression)) {
            return "compression: '" + compression + "' must be one of " + COMPRESSION;
        }
        if (mirror != null && !MIRROR.contains(mirror)) {
            return "mirror: '" + mirror + "' must be one of " + MIRROR;
        }
        if (image != null && !NAME.matcher(image).matches()) {
            return "image: '" + image + "' must be 1-64 letters, digits, '.', '_' or '-'";
        }
        if (verify != null) {
            return verify.problem();
        }
        return null;
    }

    /** This definition with another bandwidth schedule. */
    public JobDefinition withBandwidth(String schedule) {
        return new JobDefinition(name, source, target, targetFingerprint, image, synchronous, interceptor, compression,
                schedule, intervalSeconds, rules, queueMemoryMiB, mirror, verify, queueDiskMiB, rpoSeconds);
    }

    /** This definition with another replication set. */
    public JobDefinition withRules(java.util.List<String> newRules) {
        return new JobDefinition(name, source, target, targetFingerprint, image, synchronous, interceptor, compression,
                bandwidth, intervalSeconds, newRules, queueMemoryMiB, mirror, verify, queueDiskMiB, rpoSeconds);
    }

    /** This definition with another verification schedule ({@code null} for none). */
    public JobDefinition withVerify(VerifySchedule schedule) {
        return new JobDefinition(name, source, target, targetFingerprint, image, synchronous, interceptor, compression,
                bandwidth, intervalSeconds, rules, queueMemoryMiB, mirror, schedule, queueDiskMiB, rpoSeconds);
    }

    /** The compression level, defaulted. */
    public String compressionLevel() {
        return compression == null ? "fast" : compression;
    }

    /** The mirror mode, defaulted. */
    public String mirrorMode() {
        return mirror == null ? "diff" : mirror;
    }

    /** The image name, defaulted. */
    public String imageName() {
        return image == null ? name : image;
    }
}
