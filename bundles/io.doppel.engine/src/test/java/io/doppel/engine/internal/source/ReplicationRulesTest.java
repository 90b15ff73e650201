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

import io.doppel.api.op.RelPath;

class ReplicationRulesTest {

    @TempDir
    Path root;

    private boolean in(ReplicationRules r, String path) {
        return r.included(RelPath.of(path));
    }

    @Test
    void firstMatchingRuleDecidesAndEverythingElseIsIncluded() throws IOException {
        Files.createDirectories(root.resolve("logs/keep"));
        Files.createDirectories(root.resolve("app/cache"));
        ReplicationRules r = ReplicationRules.parse(List.of("- *.tmp", "- cache/", "+ logs/keep/**", "- logs/**"), root);
        assertFalse(in(r, "a.tmp"));
        assertFalse(in(r, "deep/down/b.tmp"));
        assertTrue(in(r, "a.tmpx"));
        assertFalse(in(r, "app/cache"), "a directory rule matches the directory");
        assertTrue(in(r, "logs/keep/x.log"));
        assertFalse(in(r, "logs/old.log"));
        assertTrue(in(r, "data/db.bin"));
    }

    @Test
    void aDirectoryRuleDoesNotMatchFilesOfThatName() throws IOException {
        Files.writeString(root.resolve("cache"), "a file called cache");
        ReplicationRules r = ReplicationRules.parse(List.of("- cache/"), root);
        assertTrue(in(r, "cache"));
    }

    @Test
    void defaultExcludesApplyAlways() {
        ReplicationRules r = ReplicationRules.parse(List.of("+ **"), root);
        assertFalse(in(r, "doc/.report.odt.swp"));
        assertFalse(in(r, "notes.txt~"));
        assertFalse(in(r, "lost+found"));
        assertTrue(in(r, "notes.txt"));
    }

    @Test
    void anchoredPatternsStartAtTheRoot() {
        ReplicationRules r = ReplicationRules.parse(List.of("- /build/*.o"), root);
        assertFalse(in(r, "build/main.o"));
        assertTrue(in(r, "src/build/main.o"));
        assertTrue(in(r, "build/sub/main.o"), "* stays within one component");
    }

    @Test
    void otherVolumesCanBeExcluded() throws IOException {
        Files.createDirectories(root.resolve("same"));
        ReplicationRules r = ReplicationRules.parse(List.of("- @other-volumes"), root);
        assertTrue(in(r, "same"), "a directory on the root's file system stays");
        if (Files.isDirectory(Path.of("/proc/self")) && !Files.getFileStore(Path.of("/proc")).equals(
                Files.getFileStore(root))) {
            ReplicationRules fromSlash = ReplicationRules.parse(List.of("- @other-volumes"), Path.of("/"));
            assertFalse(fromSlash.included(RelPath.of("proc")), "/proc is another file system than /");
        }
    }

    @Test
    void directoriesAreLookedAtWhereTheJobReads() throws IOException {
        // a job mounted over its directory reads beneath the mount: the rules look there, as it is now
        Path mounted = Files.createDirectories(root.resolve("mounted"));
        Path beneath = Files.createDirectories(root.resolve("beneath"));
        java.util.concurrent.atomic.AtomicReference<Path> reading = new java.util.concurrent.atomic.AtomicReference<>(
                mounted);
        ReplicationRules r = ReplicationRules.parse(List.of("- cache/", "- @other-volumes"), mounted)
                .readingFrom(reading::get);
        Files.createDirectories(beneath.resolve("cache"));
        Files.writeString(mounted.resolve("cache"), "a file where the job reads a directory");
        assertTrue(in(r, "cache"), "a file called cache is not excluded");
        reading.set(beneath);
        assertFalse(in(r, "cache"), "the directory beneath is");
        assertEquals(List.of("- cache/", "- @other-volumes"), r.texts(), "the same rules");
    }

    @Test
    void mistakesNameTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplicationRules.parse(List.of("exclude *.tmp"), root));
        assertTrue(e.getMessage().contains("'exclude *.tmp'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReplicationRules.parse(List.of("+ @other-volumes"), root));
        assertThrows(IllegalArgumentException.class, () -> ReplicationRules.parse(List.of("- "), root));
    }
}
