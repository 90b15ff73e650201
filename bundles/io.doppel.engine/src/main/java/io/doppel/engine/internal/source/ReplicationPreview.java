package io.doppel.engine.internal.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

import io.doppel.api.op.RelPath;

/**
 * What a job with these rules would replicate of a directory, before the job exists: walks the
 * source as a mirror does (an excluded directory is not entered, so its contents are neither
 * counted nor listed) and asks the same {@link ReplicationRules} the job asks, default excludes
 * included. The walk stops after a bounded number of entries so that a huge tree answers quickly.
 */
public final class ReplicationPreview {

    /** Entries walked at most, by default. */
    public static final int MAX_ENTRIES = 100_000;
    /** Paths listed at most per side. */
    public static final int SAMPLES = 50;

    /** An excluded path (directories end in '/') and the rule that excluded it. */
    public record Excluded(String path, String rule) {
    }

    /**
     * The outcome.
     *
     * @param included        entries (files, directories, links) the job replicates, as far as walked
     * @param excluded        entries the rules exclude (an excluded directory counts once)
     * @param sampleIncluded  the first included paths, directories ending in '/'
     * @param sampleExcluded  the first excluded paths with their rule
     * @param truncated       whether the walk stopped early, so the counts are lower bounds
     */
    public record Result(long included, long excluded, List<String> sampleIncluded, List<Excluded> sampleExcluded,
            boolean truncated) {
    }

    private ReplicationPreview() {
    }

    /**
     * Previews {@code rules} on {@code source}.
     *
     * @throws IllegalArgumentException if the source is not an absolute path of a directory, or a
     *                                  rule is wrong (the message names it)
     */
    public static Result of(String source, List<String> rules) {
        return of(source, rules, MAX_ENTRIES, SAMPLES);
    }

    static Result of(String source, List<String> rules, int maxEntries, int samples) {
        if (source == null || source.isBlank() || !source.startsWith("/")) {
            throw new IllegalArgumentException("source: '" + source + "' must be an absolute path on this agent's "
                    + "machine, e.g. /srv/www");
        }
        Path root = Path.of(source);
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("source: " + source + " does not exist on this agent's machine");
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("source: " + source + " is not a directory");
        }
        ReplicationRules parsed = ReplicationRules.parse(rules, root);
        Walk walk = new Walk(root, parsed, maxEntries, samples);
        try {
            Files.walkFileTree(root, walk);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source + ": " + e.getMessage(), e);
        }
        return new Result(walk.included, walk.excluded, List.copyOf(walk.sampleIncluded),
                List.copyOf(walk.sampleExcluded), walk.truncated);
    }

    private static final class Walk extends SimpleFileVisitor<Path> {
        private final Path root;
        private final ReplicationRules rules;
        private final int maxEntries;
        private final int samples;
        private final List<String> sampleIncluded = new ArrayList<>();
        private final List<Excluded> sampleExcluded = new ArrayList<>();
        private long included;
        private long excluded;
        private long walked;
        private boolean truncated;

        Walk(Path root, ReplicationRules rules, int maxEntries, int samples) {
            this.root = root;
            this.rules = rules;
            this.maxEntries = maxEntries;
            this.samples = samples;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            if (dir.equals(root)) {
                return FileVisitResult.CONTINUE;
            }
            if (full()) {
                return FileVisitResult.TERMINATE;
            }
            return decide(dir, true) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (full()) {
                return FileVisitResult.TERMINATE;
            }
            decide(file, attrs.isDirectory());
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE; // gone meanwhile, or unreadable: the job's walk reports it
        }

        private boolean full() {
            if (walked >= maxEntries) {
                truncated = true;
            }
            return truncated;
        }

        /** Counts one entry; whether it is included. */
        private boolean decide(Path path, boolean directory) {
            walked++;
            String relative = root.relativize(path).toString();
            String shown = directory ? relative + "/" : relative;
            String problem = RelPath.problemWith(relative);
            String rule = problem != null ? "cannot be replicated: " + problem : rules.excludedBy(RelPath.of(relative));
            if (rule == null) {
                included++;
                if (sampleIncluded.size() < samples) {
                    sampleIncluded.add(shown);
                }
                return true;
            }
            excluded++;
            if (sampleExcluded.size() < samples) {
                sampleExcluded.add(new Excluded(shown, rule));
            }
            return false;
        }
    }
}
