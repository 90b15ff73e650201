package io.doppel.interceptor.watch.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.Op;

/** A file that cannot be read is skipped, not fatal, and sent once it can be read. */
class UnreadableTest {

    @TempDir
    Path base;

    /**
     * Root reads anything whatever its mode, so permission denied is produced by the opener seam
     * (the only thing the watcher does differently for such a file is what the open reports).
     */
    @Test
    void aFileThatCannotBeReadIsSkippedAndRetried() throws Exception {
        Fixture f = new Fixture(base);
        f.write("ok", "fine".getBytes());
        f.write("locked", "secret".getBytes());
        boolean[] denied = { true };
        f.opener = p -> {
            if (denied[0] && p.getFileName().toString().equals("locked")) {
                throw new AccessDeniedException(p.toString());
            }
            return Emitter.Opener.NIO.open(p);
        };

        List<Op> first = f.start().scan();

        assertTrue(Files.exists(f.mirror.resolve("ok")));
        assertFalse(Files.exists(f.mirror.resolve("locked")));
        assertTrue(first.stream().noneMatch(op -> op.path().value().equals("locked")), first.toString());

        denied[0] = false;
        f.scan();
        f.assertMirrored();
    }

    @Test
    void aFileWithModeZeroIsSkippedAndRetriedWhenNotRoot() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root reads files whatever their mode");
        Fixture f = new Fixture(base);
        Path locked = f.write("locked", "secret".getBytes());
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        f.start().scan();
        assertFalse(Files.exists(f.mirror.resolve("locked")));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rw-------"));
        f.scan();
        f.assertMirrored();
    }
}
