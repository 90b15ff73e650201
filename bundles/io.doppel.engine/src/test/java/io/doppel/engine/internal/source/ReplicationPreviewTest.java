package io.doppel.engine.internal.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.engine.internal.source.ReplicationPreview.Excluded;
import io.doppel.engine.internal.source.ReplicationPreview.Result;

class ReplicationPreviewTest {

    @TempDir
    Path root;

    private void file(String path) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, path);
    }

    @Test
    void listsWhatTheRulesIncludeAndExcludeWithTheRuleThatExcluded() throws IOException {
        file("index.html");
        file("cache/a.bin");
        file("cache/b.bin");
        file("logs/keep/x.log");
        file("logs/old.log");
        file("notes.txt~");

        Result r = ReplicationPreview.of(root.toString(),
                List.of("- cache/", "+ logs/keep/", "+ logs/keep/**", "- logs/**"));

        assertTrue(r.sampleIncluded().containsAll(List.of("index.html", "logs/", "logs/keep/", "logs/keep/x.log")),
                r.toString());
        assertTrue(r.sampleExcluded().contains(new Excluded("cache/", "- cache/")), r.toString());
        assertTrue(r.sampleExcluded().contains(new Excluded("logs/old.log", "- logs/**")), r.toString());
        assertTrue(r.sampleExcluded().contains(new Excluded("notes.txt~", DefaultExcludes.RULE)), r.toString());
        assertFalse(r.sampleExcluded().stream().anyMatch(e -> e.path().startsWith("cache/a")),
                "an excluded directory is not entered, as the job does not enter it: " + r);
        assertEquals(4, r.included());
        assertEquals(3, r.excluded());
        assertFalse(r.truncated());
    }

    @Test
    void showsThatADirectoryExcludedByAnEarlierMatchHidesWhatALaterRuleWouldInclude() throws IOException {
        file("logs/keep/x.log");
        // '+ logs/keep/**' matches beneath logs/keep but not logs/keep itself, which '- logs/**' excludes:
        // the job never enters it, and the preview says so instead of listing x.log as included.
        Result r = ReplicationPreview.of(root.toString(), List.of("+ logs/keep/**", "- logs/**"));
        assertTrue(r.sampleExcluded().contains(new Excluded("logs/keep/", "- logs/**")), r.toString());
        assertEquals(List.of("logs/"), r.sampleIncluded());
    }

    @Test
    void agreesWithTheJobsOwnRulesOnEveryPath() throws IOException {
        file("a/b/c.tmp");
        file("a/b/d.txt");
        file("a/.#lock");
        List<String> rules = List.of("- *.tmp");
        Result r = ReplicationPreview.of(root.toString(), rules);
        ReplicationRules job = ReplicationRules.parse(rules, root);
        for (String p : r.sampleIncluded()) {
            assertTrue(job.included(io.doppel.api.op.RelPath.of(p.endsWith("/") ? p.substring(0, p.length() - 1) : p)), p);
        }
        for (Excluded e : r.sampleExcluded()) {
            assertFalse(job.included(io.doppel.api.op.RelPath.of(e.path())), e.toString());
        }
        assertEquals(2, r.excluded(), r.toString());
    }

    @Test
    void stopsAtTheEntryLimitAndSaysSo() throws IOException {
        for (int i = 0; i < 20; i++) {
            file("f" + i);
        }
        Result r = ReplicationPreview.of(root.toString(), List.of(), 10, 3);
        assertTrue(r.truncated());
        assertEquals(10, r.included() + r.excluded());
        assertEquals(3, r.sampleIncluded().size());

        Result all = ReplicationPreview.of(root.toString(), List.of(), 20, 50);
        assertFalse(all.truncated(), "exactly as many entries as the limit is complete");
        assertEquals(20, all.included());
    }

    @Test
    void refusesARelativeOrMissingSourceAndABadRuleWithAReason() {
        var relative = assertThrows(IllegalArgumentException.class, () -> ReplicationPreview.of("srv/www", List.of()));
        assertTrue(relative.getMessage().contains("must be an absolute path"), relative.getMessage());
        var missing = assertThrows(IllegalArgumentException.class,
                () -> ReplicationPreview.of(root.resolve("nope").toString(), List.of()));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        var bad = assertThrows(IllegalArgumentException.class,
                () -> ReplicationPreview.of(root.toString(), List.of("* oops")));
        assertTrue(bad.getMessage().contains("'* oops' must be '+ PATTERN'"), bad.getMessage());
    }
}
