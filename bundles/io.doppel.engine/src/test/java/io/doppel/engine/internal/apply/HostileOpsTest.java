package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.doppel.api.op.Op;
import io.doppel.api.op.Op.RenameMode;
import io.doppel.engine.internal.apply.ApplyException.Reason;

/**
 * Ops built to escape the image through planted symlinks: every one is refused and nothing outside
 * the image changes (not even a timestamp).
 */
class HostileOpsTest extends ApplierFixture {

    @TempDir
    Path tmp;
    Path image;
    Path outside;
    ImageApplier applier;
    Map<String, String> outsideBefore;

    @BeforeEach
    void plant() throws Exception {
        image = tmp.resolve("image");
        outside = tmp.resolve("outside");
        Files.createDirectories(outside.resolve("sub"));
        Files.writeString(outside.resolve("secret"), "do not touch");
        Files.writeString(outside.resolve("sub/file"), "nor this");
        applier = ImageApplier.open(image, tmp.resolve("state"));
        applyAll(applier, create("inside"), write("inside", 0, "ok"), mkdir("dir"));
        // what a hostile source (or a local attacker before the lock) would plant in the image
        Files.createSymbolicLink(image.resolve("a"), outside);
        Files.createSymbolicLink(image.resolve("dir/up"), Path.of("../../outside"));
        Files.createSymbolicLink(image.resolve("s"), outside.resolve("secret"));
        outsideBefore = Trees.everything(outside);
    }

    @AfterEach
    void unchangedOutside() throws IOException {
        applier.close();
        assertEquals(outsideBefore, Trees.everything(outside), "something outside the image changed");
    }

    static Stream<Op> hostileOps() {
        return Stream.of(
                // symlink in an intermediate component
                write("a/secret", 0, "pwned"),
                write("dir/up/secret", 0, "pwned"),
                create("a/new"),
                new Op.Truncate(p("a/secret"), 0),
                new Op.Fallocate(p("a/secret"), 0, 5, true, true),
                new Op.Unlink(p("a/secret")),
                new Op.Rmdir(p("a/sub")),
                mkdir("a/newdir"),
                new Op.Symlink(p("a/l"), "x", -1, -1),
                new Op.SetMode(p("a/secret"), 0777),
                new Op.SetOwner(p("a/secret"), 1, 1),
                new Op.SetTimes(p("a/secret"), 1, 1),
                new Op.SetXattr(p("a/secret"), "user.x", bytes("v")),
                new Op.RemoveXattr(p("a/secret"), "user.x"),
                // final component is a symlink: never written or chmod-ed through
                write("s", 0, "pwned"),
                new Op.Truncate(p("s"), 0),
                new Op.Fallocate(p("s"), 0, 100, false, false),
                new Op.SetMode(p("s"), 0777),
                new Op.SetMode(p("a"), 0777),
                // renames into, out of and through a symlinked directory
                rename("inside", "a/stolen", RenameMode.REPLACE),
                rename("inside", "a/secret", RenameMode.REPLACE),
                rename("a/secret", "taken", RenameMode.REPLACE),
                rename("inside", "dir/up/x", RenameMode.NOREPLACE),
                rename("inside", "a/secret", RenameMode.EXCHANGE),
                rename("a/sub", "dir/sub", RenameMode.EXCHANGE),
                // hard links out of or into the outside, and to symlinks
                new Op.Link(p("a/secret"), p("mine")),
                new Op.Link(p("inside"), p("a/planted")),
                new Op.Link(p("s"), p("hard-to-symlink")),
                new Op.Link(p("dir/up"), p("hard-to-dirlink")));
    }

    @ParameterizedTest
    @MethodSource("hostileOps")
    void isRefusedAsHostile(Op op) {
        Map<String, String> imageBefore = snapshot();
        ApplyException e = assertThrows(ApplyException.class, () -> applier.apply(applier.appliedSequence() + 1, op));
        assertEquals(Reason.HOSTILE, e.reason(), e.getMessage());
        assertEquals(imageBefore, snapshot(), "a refused op changed the image");
    }

    @Test
    void aSymlinkCanBeRenamedAndRemovedItselfWithoutTouchingItsTarget() throws Exception {
        applyAll(applier, rename("s", "s2", RenameMode.REPLACE), new Op.SetTimes(p("s2"), 1, 1_000_000_000L),
                new Op.Unlink(p("s2")), new Op.Unlink(p("a")));
        assertTrue(Files.exists(outside.resolve("secret")));
    }

    @Test
    void replacingASymlinkByRenameReplacesTheLinkNotItsTarget() throws Exception {
        applyAll(applier, rename("inside", "s", RenameMode.REPLACE));
        assertEquals("ok", Files.readString(image.resolve("s")));
    }

    @Test
    void aStateDirectoryInsideTheImageIsRefused() {
        IOException e = assertThrows(IOException.class,
                () -> ImageApplier.open(tmp.resolve("image2"), tmp.resolve("image2/.state")));
        assertTrue(e.getMessage().contains("inside the image"), e.getMessage());
    }

    private Map<String, String> snapshot() {
        try {
            return Trees.content(image);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
