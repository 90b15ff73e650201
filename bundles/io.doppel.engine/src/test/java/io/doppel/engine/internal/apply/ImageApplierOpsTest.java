package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;
import io.doppel.api.op.Op.RenameMode;
import io.doppel.engine.internal.apply.ApplyException.Reason;

class ImageApplierOpsTest extends ApplierFixture {

    @TempDir
    Path tmp;
    Path image;
    ImageApplier applier;

    @BeforeEach
    void open() throws IOException {
        image = tmp.resolve("image");
        applier = ImageApplier.open(image, tmp.resolve("state"));
    }

    @AfterEach
    void close() throws IOException {
        applier.close();
    }

    private Reason refused(Op op) {
        long before = applier.appliedSequence();
        ApplyException e = assertThrows(ApplyException.class, () -> applier.apply(before + 1, op));
        assertEquals(before, applier.appliedSequence(), "a refused op must not advance the cursor");
        return e.reason();
    }

    private int mode(String path) throws IOException {
        return (Integer) Files.getAttribute(image.resolve(path), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void createMakesAnEmptyFileWithItsModeAndRefusesAnExistingOne() throws Exception {
        applyAll(applier, new Op.Create(p("f"), 0640, Op.NO_OWNER, Op.NO_OWNER));
        assertEquals(0, Files.size(image.resolve("f")));
        assertEquals(0640, mode("f"));
        assertEquals(Reason.CONFLICT, refused(create("f")));
        assertEquals(Reason.CONFLICT, refused(create("missing/f")));
    }

    @Test
    void writesArePositionalExtendTheFileAndLeaveHoles() throws Exception {
        applyAll(applier, create("f"), write("f", 0, "hello"), write("f", 1, "EL"), write("f", 1 << 20, "end"));
        byte[] all = Files.readAllBytes(image.resolve("f"));
        assertEquals((1 << 20) + 3, all.length);
        assertEquals("hELlo", new String(all, 0, 5));
        assertTrue(allZero(Arrays.copyOfRange(all, 5, 1 << 20)));
        long blocks = (Long) Files.getAttribute(image.resolve("f"), "unix:size") / 512;
        assertTrue(blocks > 0);
        assertEquals(Reason.CONFLICT, refused(write("nothing", 0, "x")));
        applyAll(applier, mkdir("d"));
        assertEquals(Reason.CONFLICT, refused(write("d", 0, "x")));
    }

    @Test
    void truncateCutsAndExtendsWithZeros() throws Exception {
        applyAll(applier, create("f"), write("f", 0, "abcdef"), new Op.Truncate(p("f"), 3));
        assertEquals("abc", Files.readString(image.resolve("f")));
        applyAll(applier, new Op.Truncate(p("f"), 10));
        assertArrayEquals(new byte[] {'a', 'b', 'c', 0, 0, 0, 0, 0, 0, 0}, Files.readAllBytes(image.resolve("f")));
    }

    @Test
    void fallocateExtendsOrPunchesZerosButKeepsSizeWhenAsked() throws Exception {
        applyAll(applier, create("f"), write("f", 0, "abcdefgh"));
        applyAll(applier, new Op.Fallocate(p("f"), 2, 3, true, true));
        assertArrayEquals(new byte[] {'a', 'b', 0, 0, 0, 'f', 'g', 'h'}, Files.readAllBytes(image.resolve("f")));
        applyAll(applier, new Op.Fallocate(p("f"), 6, 100, true, true));
        assertEquals(8, Files.size(image.resolve("f")));
        applyAll(applier, new Op.Fallocate(p("f"), 0, 1000, true, false));
        assertEquals(8, Files.size(image.resolve("f")));
        applyAll(applier, new Op.Fallocate(p("f"), 10, 20, false, false));
        assertEquals(30, Files.size(image.resolve("f")));
    }

    @Test
    void unlinkRemovesFilesAndSymlinksButNotDirectories() throws Exception {
        applyAll(applier, create("f"), new Op.Symlink(p("l"), "f", -1, -1), mkdir("d"));
        applyAll(applier, new Op.Unlink(p("f")), new Op.Unlink(p("l")));
        assertFalse(Files.exists(image.resolve("f"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(image.resolve("l"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(Reason.CONFLICT, refused(new Op.Unlink(p("d"))));
        assertEquals(Reason.CONFLICT, refused(new Op.Unlink(p("f"))));
    }

    @Test
    void mkdirAndRmdirFollowPosixRules() throws Exception {
        applyAll(applier, new Op.Mkdir(p("d"), 01777, -1, -1), mkdir("d/e"));
        assertEquals(01777, mode("d"));
        assertEquals(Reason.CONFLICT, refused(mkdir("d")));
        assertEquals(Reason.CONFLICT, refused(new Op.Rmdir(p("d"))));
        applyAll(applier, create("f"));
        assertEquals(Reason.CONFLICT, refused(new Op.Rmdir(p("f"))));
        applyAll(applier, new Op.Rmdir(p("d/e")), new Op.Rmdir(p("d")));
        assertFalse(Files.exists(image.resolve("d")));
    }

    @Test
    void renameReplacesAndNoreplaceRefusesAnExistingDestination() throws Exception {
        applyAll(applier, create("a"), write("a", 0, "A"), create("b"), write("b", 0, "B"), mkdir("d"));
        applyAll(applier, rename("a", "d/a2", RenameMode.REPLACE));
        assertEquals("A", Files.readString(image.resolve("d/a2")));
        applyAll(applier, rename("d/a2", "b", RenameMode.REPLACE));
        assertEquals("A", Files.readString(image.resolve("b")));
        applyAll(applier, create("c"));
        assertEquals(Reason.CONFLICT, refused(rename("c", "b", RenameMode.NOREPLACE)));
        applyAll(applier, rename("c", "c2", RenameMode.NOREPLACE));
        assertEquals(Reason.CONFLICT, refused(rename("c", "x", RenameMode.REPLACE)));
        assertEquals(Reason.CONFLICT, refused(rename("d", "d/inside", RenameMode.REPLACE)));
        applyAll(applier, rename("b", "b", RenameMode.REPLACE));
        assertEquals("A", Files.readString(image.resolve("b")));
    }

    @Test
    void exchangeSwapsTwoEntriesAndLeavesNoParkingName() throws Exception {
        applyAll(applier, create("a"), write("a", 0, "A"), mkdir("d"), create("d/x"));
        applyAll(applier, rename("a", "d", RenameMode.EXCHANGE));
        assertEquals("A", Files.readString(image.resolve("d")));
        assertTrue(Files.isRegularFile(image.resolve("a/x")));
        try (var list = Files.list(image)) {
            assertEquals(2, list.count());
        }
        assertEquals(Reason.CONFLICT, refused(rename("a", "missing", RenameMode.EXCHANGE)));
        assertEquals(Reason.CONFLICT, refused(rename("a", "a/x", RenameMode.EXCHANGE)));
    }

    @Test
    void symlinkStoresItsTargetWithoutFollowingIt() throws Exception {
        applyAll(applier, new Op.Symlink(p("l"), "/nonexistent/doppel/target", -1, -1), new Op.Symlink(p("m"), "../../x y", -1, -1));
        assertEquals("/nonexistent/doppel/target", Files.readSymbolicLink(image.resolve("l")).toString());
        assertEquals("../../x y", Files.readSymbolicLink(image.resolve("m")).toString());
        assertEquals(Reason.CONFLICT, refused(new Op.Symlink(p("l"), "y", -1, -1)));
    }

    @Test
    void hardLinkNamesTheSameFile() throws Exception {
        applyAll(applier, create("a"), mkdir("d"), new Op.Link(p("a"), p("d/b")), write("d/b", 0, "shared"));
        assertEquals("shared", Files.readString(image.resolve("a")));
        assertEquals(2, (Integer) Files.getAttribute(image.resolve("a"), "unix:nlink"));
        assertEquals(Reason.CONFLICT, refused(new Op.Link(p("d"), p("e"))));
        assertEquals(Reason.CONFLICT, refused(new Op.Link(p("a"), p("d/b"))));
    }

    @Test
    void setModeSetsSetuidSetgidAndSticky() throws Exception {
        applyAll(applier, create("f"), new Op.SetMode(p("f"), 07755));
        assertEquals(07755, mode("f"));
        applyAll(applier, new Op.SetMode(p("f"), 0600), new Op.SetMode(p(""), 0750));
        assertEquals(0600, mode("f"));
        assertEquals(0750, (Integer) Files.getAttribute(image, "unix:mode") & 07777);
    }

    @Test
    void setOwnerChangesIdsAndMinusOneKeepsThem() throws Exception {
        applyAll(applier, create("f"));
        int uid = (Integer) Files.getAttribute(image.resolve("f"), "unix:uid");
        if (uid != 0) {
            applyAll(applier, new Op.SetOwner(p("f"), uid, -1)); // not root: only a no-op chown is possible
            return;
        }
        applyAll(applier, new Op.SetOwner(p("f"), 1234, -1));
        assertEquals(1234, Files.getAttribute(image.resolve("f"), "unix:uid"));
        assertEquals(0, Files.getAttribute(image.resolve("f"), "unix:gid"));
        applyAll(applier, new Op.SetOwner(p("f"), -1, 4321), new Op.Create(p("g"), 0600, 77, 88),
                new Op.Symlink(p("l"), "f", 99, 98));
        assertEquals(1234, Files.getAttribute(image.resolve("f"), "unix:uid"));
        assertEquals(4321, Files.getAttribute(image.resolve("f"), "unix:gid"));
        assertEquals(77, Files.getAttribute(image.resolve("g"), "unix:uid"));
        assertEquals(88, Files.getAttribute(image.resolve("g"), "unix:gid"));
        assertEquals(99, Files.getAttribute(image.resolve("l"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(1234, Files.getAttribute(image.resolve("f"), "unix:uid"));
    }

    @Test
    void setTimesKeepsNanosecondsAndOmitsWhatItIsAsked() throws Exception {
        long atime = 1_700_000_000_123_456_789L;
        long mtime = 1_600_000_000_987_654_321L;
        applyAll(applier, create("f"), new Op.SetTimes(p("f"), atime, mtime));
        assertEquals(nanos(mtime), Files.getLastModifiedTime(image.resolve("f")));
        assertEquals(nanos(atime), Files.getAttribute(image.resolve("f"), "lastAccessTime"));
        applyAll(applier, new Op.SetTimes(p("f"), Op.TIME_OMIT, 5_000_000_001L));
        assertEquals(nanos(5_000_000_001L), Files.getLastModifiedTime(image.resolve("f")));
        assertEquals(nanos(atime), Files.getAttribute(image.resolve("f"), "lastAccessTime"));
        applyAll(applier, new Op.Symlink(p("l"), "f", -1, -1), new Op.SetTimes(p("l"), Op.TIME_OMIT, 7_000_000_000L));
        assertEquals(nanos(5_000_000_001L), Files.getLastModifiedTime(image.resolve("f")));
        assertEquals(7, Files.getLastModifiedTime(image.resolve("l"), LinkOption.NOFOLLOW_LINKS).toInstant().getEpochSecond());
    }

    @Test
    void userXattrsAreSetAndRemovedOtherNamespacesAreUnsupported() throws Exception {
        applyAll(applier, create("f"), new Op.SetXattr(p("f"), "user.doppel", bytes("v1")));
        UserDefinedFileAttributeView view = Files.getFileAttributeView(image.resolve("f"),
                UserDefinedFileAttributeView.class);
        ByteBuffer b = ByteBuffer.allocate(view.size("doppel"));
        view.read("doppel", b);
        assertEquals("v1", new String(b.array()));
        applyAll(applier, new Op.RemoveXattr(p("f"), "user.doppel"), new Op.RemoveXattr(p("f"), "user.doppel"));
        assertFalse(view.list().contains("doppel"));
        assertEquals(Reason.UNSUPPORTED, refused(new Op.SetXattr(p("f"), "system.posix_acl_access", bytes("x"))));
        assertEquals(Reason.UNSUPPORTED, refused(new Op.SetXattr(p("f"), "trusted.x", bytes("x"))));
        assertEquals(Reason.UNSUPPORTED, refused(new Op.RemoveXattr(p("f"), "security.selinux")));
        applyAll(applier, new Op.Symlink(p("l"), "f", -1, -1));
        assertEquals(Reason.UNSUPPORTED, refused(new Op.SetXattr(p("l"), "user.x", bytes("x"))));
    }

    @Test
    void fsyncMakesEverythingDurableAndAdvancesTheDurableSequence() throws Exception {
        applyAll(applier, create("f"), write("f", 0, "x"));
        assertEquals(0, applier.durableSequence());
        applyAll(applier, new Op.Fsync(p("f")));
        assertEquals(3, applier.durableSequence());
        applyAll(applier, write("f", 0, "y"));
        applier.sync();
        assertEquals(4, applier.durableSequence());
    }

    @Test
    void namespaceOpsOnTheRootItselfAreRefused() {
        assertEquals(Reason.HOSTILE, refused(new Op.Unlink(p(""))));
        assertEquals(Reason.HOSTILE, refused(new Op.Rmdir(p(""))));
        assertEquals(Reason.HOSTILE, refused(rename("", "x", RenameMode.REPLACE)));
        assertEquals(Reason.HOSTILE, refused(new Op.Link(p(""), p("x"))));
    }

    @Test
    void messagesNameTheOpAndEscapeControlCharacters() {
        ApplyException e = assertThrows(ApplyException.class,
                () -> applier.apply(1, new Op.Unlink(p("evil\u001b[2Jname"))));
        assertTrue(e.getMessage().startsWith("unlink 'evil\\x1b[2Jname'"), e.getMessage());
    }

    private static FileTime nanos(long n) {
        return FileTime.from(Instant.ofEpochSecond(0, n));
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
