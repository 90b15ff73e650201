package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;

/** Many files made durable by one syncfs of the image's file system; few, and nested mounts, one by one. */
class SyncFsTest extends ApplierFixture {

    @TempDir
    Path tmp;

    @Test
    void syncfsCanBeCalledOnThisRuntime() throws Exception {
        assumeTrue(Runtime.version().feature() >= 22, "the foreign function API is final from Java 22");
        assertTrue(SyncFs.available(), "syncfs(2) should be callable on Java " + Runtime.version().feature() + ": "
                + SyncFs.unavailable());
        long before = SyncFs.calls();
        SyncFs.sync(tmp);
        assertEquals(before + 1, SyncFs.calls());
    }

    @Test
    void manyFilesAreMadeDurableByOneSyncfsAndFewOneByOne() throws Exception {
        assumeTrue(SyncFs.available(), () -> "syncfs(2) cannot be called here: " + SyncFs.unavailable());
        try (ImageApplier applier = ImageApplier.open(tmp.resolve("image"), tmp.resolve("state"))) {
            List<Op> ops = new ArrayList<>();
            for (int i = 0; i < Touched.SYNCFS_FROM * 4; i++) {
                ops.add(create("f" + i));
                ops.add(write("f" + i, 0, "content " + i));
            }
            applyAll(applier, ops.toArray(Op[]::new));
            long before = SyncFs.calls();
            applier.sync();
            assertEquals(before + 1, SyncFs.calls(), "64 new files: one syncfs");
            assertEquals(applier.appliedSequence(), applier.durableSequence());

            applyAll(applier, write("f1", 0, "changed"), new Op.Fsync(p("f1")));
            assertEquals(before + 1, SyncFs.calls(), "an fsync op of one file forces that file alone");
            assertEquals(applier.appliedSequence(), applier.durableSequence());
            assertEquals("changed 1", Files.readString(tmp.resolve("image/f1")));
        }
    }

    @Test
    void aFileSystemMountedBeneathTheImageIsNotCoveredByOneSyncfs() throws Exception {
        Path image = Files.createDirectories(tmp.resolve("image"));
        Path inner = Files.createDirectories(image.resolve("inner"));
        assertTrue(SyncFs.coversTree(image));
        assumeTrue("0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim()),
                "mounting needs root");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", inner.toString())
                .inheritIO().start();
        assumeTrue(mount.waitFor() == 0, "tmpfs could not be mounted");
        try {
            assertFalse(SyncFs.coversTree(image), "a tmpfs is mounted at " + inner);
            assertTrue(SyncFs.coversTree(inner), "nothing is mounted beneath the tmpfs itself");
        } finally {
            assertEquals(0, new ProcessBuilder("umount", inner.toString()).inheritIO().start().waitFor());
        }
    }
}
