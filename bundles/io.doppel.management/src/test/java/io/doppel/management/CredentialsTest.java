package io.doppel.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {

    @TempDir
    Path dir;

    @Test
    void readsATokenFile() throws IOException {
        Path f = dir.resolve("management.token");
        Files.writeString(f, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
        Credentials c = Credentials.fromFile(f);
        assertEquals(32, c.token().length);
        assertTrue(c.toString().contains(f.toString()));
    }

    @Test
    void saysWhereTheTokenComesFromWhenItIsMissing() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> Credentials.fromFile(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("at first start"), e.getMessage());
    }

    @Test
    void refusesAFileThatIsNotAToken() throws IOException {
        Path f = dir.resolve("t");
        Files.writeString(f, "hello world");
        assertThrows(IllegalArgumentException.class, () -> Credentials.fromFile(f));
    }
}
