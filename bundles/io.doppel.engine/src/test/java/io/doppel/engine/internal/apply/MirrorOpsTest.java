package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;
import io.doppel.api.op.Op.EntryType;

/** The mirror's ops (entry, remove), lenient ops, and the inspector that answers the mirror's questions. */
class MirrorOpsTest extends ApplierFixture {

    @TempDir
    Path tmp;
    Path image;
    ImageApplier applier;
    long seq;

    @BeforeEach
    void open() throws IOException {
        image = tmp.resolve("image");
        applier = ImageApplier.open(image, tmp.resolve("state"));
    }

    @AfterEach
    void close() throws IOException {
        applier.close();
    }

    private void apply(Op... ops) throws ApplyException {
        for (Op op : ops) {
            applier.apply(++seq, seq, op);
        }
    }

    @Test
    void anEntryKeepsWhatIsOfItsTypeAndReplacesAnythingElse() throws Exception {
        apply(new Op.Entry(p("d"), EntryType.DIRECTORY, null, 0750, -1, -1), create("d/f"), write("d/f", 0, "data"));
        apply(new Op.Entry(p("d"), EntryType.DIRECTORY, null, 0700, -1, -1),
                new Op.Entry(p("d/f"), EntryType.FILE, null, 0600, -1, -1));
        assertEquals("data", Files.readString(image.resolve("d/f")), "a file keeps its data");
        assertEquals(0700, mode("d"));
        assertEquals(0600, mode("d/f"));
        // a directory with content where the source has a file: the whole tree goes
        apply(new Op.Entry(p("d"), EntryType.FILE, null, 0644, -1, -1));
        assertTrue(Files.isRegularFile(image.resolve("d"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(0, Files.size(image.resolve("d")));
        apply(new Op.Entry(p("d"), EntryType.SYMLINK, "elsewhere", 0, -1, -1));
        assertEquals("elsewhere", Files.readSymbolicLink(image.resolve("d")).toString());
        apply(new Op.Entry(p("d"), EntryType.SYMLINK, "other", 0, -1, -1));
        assertEquals("other", Files.readSymbolicLink(image.resolve("d")).toString(), "a link to elsewhere is replaced");
        // applying twice is applying once
        apply(new Op.Entry(p("d"), EntryType.SYMLINK, "other", 0, -1, -1));
        assertEquals("other", Files.readSymbolicLink(image.resolve("d")).toString());
    }

    @Test
    void moveAsideTakesATreeOutOfTheImageKeepingItsPathAndIsQuietWhenNothingIsThere() throws Exception {
        apply(mkdir("a"), mkdir("a/b"), create("a/b/f"), write("a/b/f", 0, "kept"));
        apply(new Op.MoveAside(p("a/b"), "batch1"));
        assertFalse(Files.exists(image.resolve("a/b"), LinkOption.NOFOLLOW_LINKS));
        Path aside = image.getParent().resolve(".aside").resolve(image.getFileName().toString()).resolve("batch1");
        assertEquals("kept", Files.readString(aside.resolve("a/b/f")));
        // again, and a second orphan of the same name in the same batch: nothing lost
        apply(new Op.MoveAside(p("a/b"), "batch1"), create("a/b"), new Op.MoveAside(p("a/b"), "batch1"));
        assertTrue(Files.isRegularFile(aside.resolve("a/b.1")));
        apply(new Op.MoveAside(p("x/y/z"), "batch1"));
        assertEquals(seq, applier.appliedSequence());
    }

    @Test
    void theInspectorDescribesLinksAndExtendedAttributes() throws Exception {
        apply(create("f"), new Op.Link(p("f"), p("g")), create("h"),
                new Op.SetXattr(p("h"), "user.k", "v".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        ImageInspector inspector = applier.inspector();
        ImageInspector.Entry f = inspector.stat(p("f"));
        ImageInspector.Entry g = inspector.stat(p("g"));
        ImageInspector.Entry h = inspector.stat(p("h"));
        assertEquals(2, f.nlink());
        assertEquals(f.inode(), g.inode());
        assertTrue(f.inode() != h.inode());
        assertEquals(0, f.xattrs(), "no user xattrs: digest 0");
        assertTrue(h.xattrs() != 0);
        assertEquals(ImageInspector.XattrDigest.of(image.resolve("h")), h.xattrs());
        assertEquals(null, inspector.stat(p("nothing")));
    }

    @Test
    void removeTakesATreeAndIsQuietWhenNothingIsThere() throws Exception {
        apply(mkdir("a"), mkdir("a/b"), create("a/b/f"), new Op.Symlink(p("a/l"), "/etc", -1, -1));
        apply(new Op.Remove(p("a")));
        assertFalse(Files.exists(image.resolve("a"), LinkOption.NOFOLLOW_LINKS));
        apply(new Op.Remove(p("a")), new Op.Remove(p("a/b/c")));
        assertEquals(seq, applier.appliedSequence());
        assertTrue(Files.exists(Path.of("/etc")), "a symlink inside is removed, never followed");
    }

    @Test
    void aLenientOpWhoseEffectIsThereIsSkippedAStrictOneRefused() throws Exception {
        apply(mkdir("d"), create("d/f"));
        assertThrows(ApplyException.class, () -> applier.apply(seq + 1, seq + 1, create("d/f"), false));
        assertTrue(applier.apply(++seq, seq, create("d/f"), true), "the name exists already: skipped");
        assertTrue(applier.apply(++seq, seq, new Op.Unlink(p("gone")), true));
        assertTrue(applier.apply(++seq, seq, write("missing", 0, "x"), true));
        assertTrue(applier.apply(++seq, seq, new Op.Rmdir(p("d")), true), "a lenient rmdir takes what is inside");
        assertFalse(Files.exists(image.resolve("d")));
        assertEquals(seq, applier.appliedSequence());
        // a hostile path is refused even when lenient
        apply(new Op.Symlink(p("l"), "/", -1, -1));
        ApplyException e = assertThrows(ApplyException.class, () -> applier.apply(seq + 1, seq + 1, write("l/x", 0, "x"), true));
        assertEquals(ApplyException.Reason.HOSTILE, e.reason());
    }

    @Test
    void theInspectorListsInNameOrderByPagesAndDigestsBlocks() throws Exception {
        apply(mkdir("d"));
        for (int i = 0; i < 5; i++) {
            apply(create("d/f" + i), write("d/f" + i, 0, "x".repeat(i)));
        }
        ImageInspector inspector = applier.inspector();
        var first = inspector.list(p("d"), "", 3);
        assertEquals(java.util.List.of("f0", "f1", "f2"), first.entries().stream().map(ImageInspector.Entry::name).toList());
        assertTrue(first.more());
        var rest = inspector.list(p("d"), "f2", 3);
        assertEquals(java.util.List.of("f3", "f4"), rest.entries().stream().map(ImageInspector.Entry::name).toList());
        assertEquals('f', rest.entries().get(1).type());
        assertEquals(4, rest.entries().get(1).size());
        assertFalse(inspector.list(p("nothing"), "", 10).exists());
        byte[] data = new byte[200_000];
        new java.util.Random(1).nextBytes(data);
        apply(create("big"), new Op.Write(p("big"), 0, data));
        for (BlockHash hash : new BlockHash[] {BlockHash.SHA_256, BlockHash.random()}) {
            var sums = inspector.sums(p("big"), 65536, 16, hash);
            assertEquals(200_000, sums.size());
            assertEquals(4 * 16, sums.digests().length);
            assertTrue(java.util.Arrays.equals(hash.of(data, 65536, 65536, 16), 0, 16, sums.digests(), 16, 32),
                    "the source computes the same digest for the same block: " + hash);
            assertTrue(java.util.Arrays.equals(hash.of(data, 200_000 - 3392, 3392, 16), 0, 16, sums.digests(), 48, 64),
                    "and for the short last block: " + hash);
            assertEquals(-1, inspector.sums(p("d"), 65536, 16, hash).size(), "a directory has no sums");
        }
    }

    private int mode(String path) throws IOException {
        return (Integer) Files.getAttribute(image.resolve(path), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
