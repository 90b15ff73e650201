package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;

class CursorTest extends ApplierFixture {

    @TempDir
    Path tmp;

    private Path image() {
        return tmp.resolve("image");
    }

    private Path state() {
        return tmp.resolve("state");
    }

    private Path cursorFile() {
        return state().resolve("cursor");
    }

    private void applyWrites(int count, boolean closeCleanly) throws Exception {
        ImageApplier applier = ImageApplier.open(image(), state());
        if (applier.appliedSequence() == 0) {
            applyAll(applier, create("f"));
        }
        while (applier.appliedSequence() < count) {
            applyAll(applier, write("f", applier.appliedSequence(), "x"));
        }
        if (closeCleanly) {
            applier.close();
        } else {
            applier.abandon();
        }
    }

    private long reopenedAt() throws IOException {
        try (ImageApplier applier = ImageApplier.open(image(), state())) {
            return applier.appliedSequence();
        }
    }

    @Test
    void theAppliedSequenceSurvivesCloseAndCrash() throws Exception {
        applyWrites(5, true);
        assertEquals(5, reopenedAt());
        applyWrites(9, false);
        assertEquals(9, reopenedAt());
    }

    @Test
    void aTornRecordFallsBackToTheOtherOne() throws Exception {
        applyWrites(5, false);
        // op 5 went to slot 1; tear it as a power cut in the middle of the write would
        try (FileChannel ch = FileChannel.open(cursorFile(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), Cursor.RECORD + 10);
        }
        assertEquals(4, reopenedAt());
    }

    @Test
    void aGarbageCursorIsRefusedWithAReadableMessage() throws Exception {
        applyWrites(3, true);
        Files.write(cursorFile(), new byte[2 * Cursor.RECORD]);
        IOException e = assertThrows(IOException.class, () -> ImageApplier.open(image(), state()));
        assertTrue(e.getMessage().contains("damaged") && e.getMessage().contains(cursorFile().toString()),
                e.getMessage());
        Files.writeString(cursorFile(), "hello");
        e = assertThrows(IOException.class, () -> ImageApplier.open(image(), state()));
        assertTrue(e.getMessage().contains("5 bytes"), e.getMessage());
    }

    @Test
    void afterARebootOnlyTheSyncedSequenceIsTrusted() throws Exception {
        ImageApplier applier = ImageApplier.open(image(), state());
        applyAll(applier, create("f"), write("f", 0, "a"), new Op.Fsync(p("f")), write("f", 1, "b"));
        assertEquals(3, applier.durableSequence());
        applier.abandon();
        pretendWrittenInAnotherBoot();
        assertEquals(3, reopenedAt());
    }

    @Test
    void aCleanCloseBeforeARebootKeepsEverything() throws Exception {
        applyWrites(6, true);
        pretendWrittenInAnotherBoot();
        assertEquals(6, reopenedAt());
    }

    @Test
    void anImageCannotBeOpenedTwice() throws Exception {
        try (ImageApplier first = ImageApplier.open(image(), state())) {
            assertEquals(0, first.appliedSequence());
            // busy, not broken: the receiver refuses a second connection as BUSY and the source retries
            IOException e = assertThrows(ImageBusyException.class, () -> ImageApplier.open(image(), state()));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
        }
    }

    @Test
    void aFailedOpLeavesTheSequenceAndCanBeRetriedOnceTheCauseIsFixed() throws Exception {
        try (ImageApplier applier = ImageApplier.open(image(), state())) {
            ApplyException e = assertThrows(ApplyException.class, () -> applier.apply(1, create("dir/f")));
            assertEquals(ApplyException.Reason.CONFLICT, e.reason());
            assertEquals(0, applier.appliedSequence());
            Files.createDirectory(image().resolve("dir")); // the admin repairs the image
            assertTrue(applier.apply(1, create("dir/f")));
        }
    }

    /** Rewrites both records with another boot id, as a power cut and reboot would leave them. */
    private void pretendWrittenInAnotherBoot() throws IOException {
        try (FileChannel ch = FileChannel.open(cursorFile(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int slot = 0; slot < 2; slot++) {
                ByteBuffer rec = ByteBuffer.allocate(Cursor.RECORD);
                ch.read(rec, slot * (long) Cursor.RECORD);
                rec.putLong(24, 0x1234L).putLong(32, 0x5678L);
                CRC32C crc = new CRC32C();
                crc.update(rec.array(), 0, Cursor.RECORD - 8);
                rec.putLong(Cursor.RECORD - 8, crc.getValue());
                rec.rewind();
                ch.write(rec, slot * (long) Cursor.RECORD);
            }
        }
    }
}
