package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * The applier remembers the directories it resolved through (no {@code lstat} of them for the next
 * ops), and forgets them whenever an op could turn one into something else: a hostile source that
 * first makes the applier remember {@code d/e}, then moves, removes, replaces or exchanges a part of
 * that path and puts a symlink to the outside there, is refused exactly as without the memory.
 */
class RememberedDirectoriesTest extends ApplierFixture {

    @TempDir
    Path tmp;
    Path image;
    Path outside;
    ImageApplier applier;
    Map<String, String> outsideBefore;

    @BeforeEach
    void open() throws Exception {
        image = tmp.resolve("image");
        outside = tmp.resolve("outside");
        Files.createDirectories(outside.resolve("e"));
        Files.writeString(outside.resolve("e/f"), "do not touch");
        applier = ImageApplier.open(image, tmp.resolve("state"));
        // the applier resolves through d and d/e, and remembers both
        applyAll(applier, mkdir("d"), mkdir("d/e"), create("d/e/f"), write("d/e/f", 0, "inside"));
        assertEquals(2, applier.rememberedDirectories());
        outsideBefore = Trees.everything(outside);
    }

    @AfterEach
    void unchangedOutside() throws IOException {
        applier.close();
        assertEquals(outsideBefore, Trees.everything(outside), "something outside the image changed");
    }

    private Op symlink(String path, Path target) {
        return new Op.Symlink(p(path), target.toString(), Op.NO_OWNER, Op.NO_OWNER);
    }

    /** Ops that put a symlink to the outside where a remembered directory was. */
    static Stream<String> plantings() {
        return Stream.of("rename d away", "rename d/e away", "remove d", "remove d/e", "entry over d", "exchange d",
                "rename a directory holding a symlink onto d", "move d aside");
    }

    @ParameterizedTest
    @MethodSource("plantings")
    void aPathChangedUnderARememberedDirectoryIsResolvedAgain(String how) throws Exception {
        switch (how) {
            case "rename d away" -> applyAll(applier, rename("d", "gone", RenameMode.REPLACE), symlink("d", outside));
            case "rename d/e away" -> applyAll(applier, rename("d/e", "gone", RenameMode.REPLACE), symlink("d/e",
                    outside.resolve("e")));
            case "remove d" -> applyAll(applier, new Op.Remove(p("d")), symlink("d", outside));
            case "remove d/e" -> applyAll(applier, new Op.Remove(p("d/e")), symlink("d/e", outside.resolve("e")));
            case "entry over d" -> applyAll(applier, new Op.Entry(p("d"), Op.EntryType.SYMLINK, outside.toString(), 0,
                    Op.NO_OWNER, Op.NO_OWNER));
            case "exchange d" -> applyAll(applier, symlink("l", outside), rename("l", "d", RenameMode.EXCHANGE));
            case "rename a directory holding a symlink onto d" -> applyAll(applier, mkdir("q"),
                    symlink("q/e", outside.resolve("e")), rename("d", "old", RenameMode.REPLACE),
                    rename("q", "d", RenameMode.REPLACE));
            case "move d aside" -> applyAll(applier, new Op.MoveAside(p("d"), "b1"), symlink("d", outside));
            default -> throw new AssertionError(how);
        }
        for (Op op : List.of(write("d/e/f", 0, "pwned"), create("d/e/new"), new Op.Truncate(p("d/e/f"), 0),
                new Op.SetMode(p("d/e/f"), 0777))) {
            ApplyException e = assertThrows(ApplyException.class,
                    () -> applier.apply(applier.appliedSequence() + 1, op), how + ": " + op);
            assertTrue(e.reason() == Reason.HOSTILE || e.reason() == Reason.CONFLICT, how + ": " + e);
        }
    }

    @Test
    void contentAndAttributeOpsKeepWhatIsRememberedAndABatchForgetsIt() throws Exception {
        applyAll(applier, write("d/e/f", 6, "more"), new Op.Truncate(p("d/e/f"), 8), new Op.SetMode(p("d/e"), 0700),
                new Op.SetTimes(p("d/e/f"), 1, 1), new Op.SetXattr(p("d/e/f"), "user.k", bytes("v")),
                new Op.Fsync(p("d/e/f")));
        assertEquals(2, applier.rememberedDirectories());
        applyAll(applier, create("d/other"));
        assertEquals(2, applier.rememberedDirectories(), "a new file in a remembered directory forgets nothing");
        applyAll(applier, mkdir("d/e2"), create("d/e2/g"));
        assertEquals(3, applier.rememberedDirectories());
        applyAll(applier, new Op.Unlink(p("d/e2/g")), new Op.Rmdir(p("d/e2")));
        assertEquals(1, applier.rememberedDirectories(),
                "a remembered directory removed: everything forgotten, then d found again by the rmdir itself");
        applyAll(applier, write("d/e/f", 0, "x"));
        assertEquals(2, applier.rememberedDirectories());
        applier.beginBatch();
        assertEquals(0, applier.rememberedDirectories());
        assertEquals("xnsidemo", Files.readString(image.resolve("d/e/f")));
    }
}
