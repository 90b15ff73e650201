package io.doppel.failover.app.shares.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.failover.app.shares.internal.Shares.SambaShare;

/** The include line goes in and comes out leaving the admin's smb.conf as it was, whatever its shape. */
class IncludeFileTest {

    @TempDir
    Path dir;

    @Test
    void aConfigWithoutAFinalNewlineComesBackByteForByte() throws Exception {
        assertRoundTrip("[global]\n   workgroup = WORKGROUP");
        assertRoundTrip("[global]\n   workgroup = WORKGROUP\n");
        assertRoundTrip("");
        assertRoundTrip("[global]\r\n   workgroup = \u00e9quipe\r\n"); // bytes, not characters
    }

    @Test
    void theAdminsEditsMadeWhileFailedOverStay() throws Exception {
        Path config = Files.writeString(dir.resolve("smb.conf"), "[global]\n");
        IncludeFile include = new IncludeFile(config, "files");
        assertTrue(include.addLine());
        assertFalse(include.addLine(), "one line only");
        Files.writeString(config, "[Later]\n   path = /srv/later\n", StandardOpenOption.APPEND);
        assertTrue(include.removeLine());
        assertEquals("[global]\n[Later]\n   path = /srv/later\n", Files.readString(config));
        assertFalse(include.removeLine(), "nothing left to remove");
    }

    @Test
    void aLinkedConfigIsWrittenThroughTheLinkWithItsModeKept() throws Exception {
        Path real = Files.writeString(Files.createDirectories(dir.resolve("real")).resolve("smb.conf"), "[global]\n");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
        Path link = Files.createSymbolicLink(dir.resolve("smb.conf"), real);
        IncludeFile include = new IncludeFile(link, "files");
        include.addLine();
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals("[global]\n" + include.line() + "\n", Files.readString(real));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(real)));
        include.removeLine();
        assertEquals("[global]\n", Files.readString(real));
    }

    @Test
    void theFragmentHoldsTheSharesAndIsNamedForTheFailover() throws Exception {
        Path config = Files.writeString(dir.resolve("smb.conf"), "[global]\n");
        IncludeFile include = new IncludeFile(config, "db/../x y");
        assertEquals(dir.resolve("doppel-failover-db_.._x_y.conf"), include.fragment(), "one file name, in the config's folder");
        include.write(List.of(new SambaShare("Finance", dir, false, false, List.of("alice", "@staff"))), "db");
        String text = Files.readString(include.fragment());
        assertTrue(text.contains("[Finance]\n\tpath = " + dir + "\n"), text);
        assertTrue(text.contains("\tread only = no\n\tguest ok = no\n\tvalid users = alice, @staff\n"), text);
        assertEquals(Set.of("finance"), include.shares());
        assertTrue(include.deleteFragment());
        assertEquals(Set.of(), include.shares());
    }

    private void assertRoundTrip(String text) throws Exception {
        Path config = dir.resolve("smb.conf");
        byte[] original = text.getBytes(StandardCharsets.ISO_8859_1);
        Files.write(config, original);
        IncludeFile include = new IncludeFile(config, "files");
        assertTrue(include.addLine());
        String with = Files.readString(config, StandardCharsets.ISO_8859_1);
        assertTrue(with.contains("\n" + include.line()) || with.startsWith(include.line()), with);
        assertTrue(include.removeLine());
        assertArrayEquals(original, Files.readAllBytes(config), text);
    }
}
