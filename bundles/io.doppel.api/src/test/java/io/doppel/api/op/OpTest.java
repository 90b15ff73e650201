package io.doppel.api.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import io.doppel.api.op.Op.Write;

class OpTest {

    private static final RelPath F = RelPath.of("f");

    @Test
    void writesCompareByContent() {
        assertEquals(new Write(F, 3, new byte[] {1, 2}), new Write(F, 3, new byte[] {1, 2}));
        assertNotEquals(new Write(F, 3, new byte[] {1, 2}), new Write(F, 3, new byte[] {1, 3}));
        assertEquals(5, new Write(F, 3, new byte[] {1, 2}).end());
    }

    @Test
    void refusesImpossibleArguments() {
        assertThrows(IllegalArgumentException.class, () -> new Write(F, -1, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Op.Truncate(F, -1));
        assertThrows(IllegalArgumentException.class, () -> new Op.Symlink(F, "", -1, -1));
        assertThrows(IllegalArgumentException.class, () -> new Op.SetXattr(F, "user.\0x", new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Op.Fallocate(F, 0, 0, false, false));
    }

    @Test
    void everyKindHasAName() {
        Op[] ops = {new Op.Create(F, 0644, -1, -1), new Write(F, 0, new byte[0]), new Op.Truncate(F, 0),
                new Op.Unlink(F), new Op.Rename(F, RelPath.of("g"), Op.RenameMode.EXCHANGE),
                new Op.Mkdir(F, 0755, -1, -1), new Op.Rmdir(F), new Op.Symlink(F, "../x", -1, -1),
                new Op.Link(F, RelPath.of("g")), new Op.SetMode(F, 0600), new Op.SetOwner(F, 1, 1),
                new Op.SetTimes(F, Op.TIME_OMIT, 1), new Op.SetXattr(F, "user.a", new byte[] {1}),
                new Op.RemoveXattr(F, "user.a"), new Op.Fallocate(F, 0, 1, true, true), new Op.Fsync(RelPath.ROOT)};
        assertEquals(16, java.util.Arrays.stream(ops).map(Op::kind).distinct().count());
    }
}
