package io.doppel.fuse.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;

import io.doppel.api.capture.Availability;

/** What the FUSE tests share: the check that FUSE can run, scratch directories, the image comparison. */
final class FuseTesting {

    private FuseTesting() {
    }

    /** Skips when FUSE cannot run here, saying why; fails instead in CI (environment CI set) or with -Ddoppel.require.fuse=true. */
    static void requireFuse() {
        Availability a = Protected.availability();
        if (!a.available()) {
            if (Boolean.getBoolean("doppel.require.fuse") || System.getenv("CI") != null) {
                fail("FUSE is required here but cannot run: " + a.reason());
            }
            Assumptions.abort("FUSE cannot run here: " + a.reason());
        }
    }

    /** A fresh directory that every user can traverse (the unprivileged steps need to). */
    static Path scratch(String name) throws IOException {
        Path base = Files.createTempDirectory("doppel-" + name + "-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        return base;
    }

    static void delete(Path dir) throws IOException, InterruptedException {
        Run.of(Path.of("/"), 120, "rm", "-rf", dir.toString());
    }

    /**
     * Compares two trees by content and metadata (modes, owners, mtimes, hard links, ACLs, xattrs,
     * symlinks, extra and missing entries): rsync lists every difference, and nothing when they match.
     */
    static void assertSameTree(Path source, Path image, String... excludes) throws IOException, InterruptedException {
        assertSameTree(source, image, true, excludes);
    }

    static void assertSameTree(Path source, Path image, boolean acls, String... excludes)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("rsync", acls ? "-aHAXnc" : "-aHXnc", "--delete", "-i"));
        for (String e : excludes) {
            cmd.add("--exclude=" + e);
        }
        cmd.add(source + "/");
        cmd.add(image + "/");
        Run r = Run.of(Path.of("/"), 600, cmd.toArray(String[]::new)).ok();
        assertEquals("", r.output(), "the image differs from the source (rsync -i lists the differences)");
    }
}
