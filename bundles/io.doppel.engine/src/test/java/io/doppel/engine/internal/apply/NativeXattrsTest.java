package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.engine.internal.apply.ImageInspector.XattrDigest;

/**
 * The extended attributes read by path ({@code llistxattr}/{@code lgetxattr}) are those the JDK
 * reads through a descriptor, and give the same digest: a source and a target of different
 * builds, or one on a JVM without the foreign function API, must agree.
 */
class NativeXattrsTest {

    @TempDir
    Path dir;

    @Test
    void theAttributesReadByPathAreTheJdksAndDigestTheSame() throws IOException {
        if (Runtime.version().feature() >= 22 && System.getProperty("os.name").equals("Linux")) {
            assertNull(NativeXattrs.unavailable(), "attributes should be read by path on Linux with Java 22 or later");
        }
        assumeTrue(NativeXattrs.unavailable() == null, NativeXattrs.unavailable());
        Path file = Files.writeString(dir.resolve("file"), "content");
        Path sub = Files.createDirectory(dir.resolve("sub dir é"));
        Path none = Files.writeString(dir.resolve("none"), "");
        assumeTrue(trySet(file, "probe", new byte[] {1}), "this file system keeps no user attributes");
        Files.getFileAttributeView(file, UserDefinedFileAttributeView.class).delete("probe");

        byte[] big = new byte[3_000]; // within one ext4 block with the rest
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        Map<String, byte[]> set = new TreeMap<>(Map.of("b", "two".getBytes(StandardCharsets.UTF_8), "a", big,
                "empty", new byte[0], "ünïcode name", new byte[] {0, -1, 0}));
        for (var e : set.entrySet()) {
            assertTrue(trySet(file, e.getKey(), e.getValue()), e.getKey());
        }
        trySet(sub, "only", "one".getBytes(StandardCharsets.UTF_8));

        var read = NativeXattrs.userAttributes(file);
        assertNotNull(read);
        Map<String, byte[]> got = new TreeMap<>();
        read.forEach(a -> got.put(a.name(), a.value()));
        assertEquals(set.keySet(), got.keySet());
        set.forEach((k, v) -> assertEquals(ByteBuffer.wrap(v), ByteBuffer.wrap(got.get(k)), k));

        for (Path p : new Path[] {file, sub, none, dir}) {
            long expected = XattrDigest.throughTheJdk(p);
            assertEquals(expected, XattrDigest.of(p), p.toString());
        }
        assertEquals(0, XattrDigest.of(none));
        assertNotEquals(0, XattrDigest.of(file));
        assertNotEquals(XattrDigest.of(file), XattrDigest.of(sub));

        long before = XattrDigest.of(file);
        trySet(file, "b", "twO".getBytes(StandardCharsets.UTF_8));
        assertNotEquals(before, XattrDigest.of(file), "a changed value changes the digest");
        assertEquals(XattrDigest.throughTheJdk(file), XattrDigest.of(file));
    }

    @Test
    void aMissingEntryOrASymlinkIsLeftToTheJdkOrHasNone() throws IOException {
        assumeTrue(NativeXattrs.unavailable() == null, NativeXattrs.unavailable());
        assertNull(NativeXattrs.userAttributes(dir.resolve("missing")), "a failed call is the JDK's to explain");
        assertEquals(0, XattrDigest.of(dir.resolve("missing")));
        Path link = Files.createSymbolicLink(dir.resolve("link"), Files.writeString(dir.resolve("t"), "x"));
        trySet(dir.resolve("t"), "on target", new byte[] {7});
        var read = NativeXattrs.userAttributes(link);
        assertNotNull(read);
        assertEquals(0, read.size(), "the link's own attributes, not its target's");
    }

    private static boolean trySet(Path p, String name, byte[] value) {
        try {
            Files.getFileAttributeView(p, UserDefinedFileAttributeView.class).write(name, ByteBuffer.wrap(value));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
