package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.RelPath;

/**
 * A directory held open answers as the JDK does by path — names, every field of an entry's
 * {@code lstat} (identities compare equal), symlink targets, the digest of extended attributes,
 * block digests — never follows a symlink, never blocks on a FIFO, and leaves no descriptor behind.
 */
class NativeDirTest {

    @TempDir
    Path dir;
    @TempDir
    Path outside;

    private Path tree;
    private final BlockHash hash = BlockHash.random();

    @BeforeEach
    void available() throws IOException, InterruptedException {
        if (Runtime.version().feature() >= 22 && System.getProperty("os.name").equals("Linux")) {
            assertNull(NativeDir.unavailable(), "directories should be read natively on Linux with Java 22 or later");
        }
        assumeTrue(NativeDir.unavailable() == null, NativeDir.unavailable());
        tree = Files.createDirectory(dir.resolve("tree"));
        Files.writeString(tree.resolve("small"), "content");
        Files.write(tree.resolve("empty"), new byte[0]);
        byte[] big = new byte[3 * 65536 + 123];
        new Random(7).nextBytes(big);
        Files.write(tree.resolve("big ünïcode"), big);
        Files.createLink(tree.resolve("second name"), tree.resolve("small"));
        Files.createDirectory(tree.resolve("sub"));
        Files.writeString(Files.createDirectory(outside.resolve("there")).resolve("secret"), "outside");
        Files.createSymbolicLink(tree.resolve("link to outside"), outside.resolve("there"));
        Files.createSymbolicLink(tree.resolve("dangling"), Path.of("no/such/thing"));
        Process p = new ProcessBuilder("mkfifo", tree.resolve("fifo").toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "mkfifo");
        if (trySet(tree.resolve("small"), "colour", "blue".getBytes(StandardCharsets.UTF_8))) {
            trySet(tree.resolve("sub"), "note", new byte[] {0, 1, 2});
        }
    }

    @Test
    void namesAndEveryEntryAreWhatTheJdkSays() throws IOException {
        try (NativeDir d = NativeDir.open(tree)) {
            assertNotNull(d);
            Set<String> jdk = new HashSet<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(tree)) {
                s.forEach(e -> jdk.add(e.getFileName().toString()));
            }
            assertEquals(jdk, new HashSet<>(d.names()));
            assertEquals(jdk, new HashSet<>(d.names()), "a second listing starts from the start again");
            for (String name : jdk) {
                Path p = tree.resolve(name);
                FileStat st = d.stat(name);
                assertEquals(FileStat.throughTheJdk(p), st, name);
                assertEquals(st, NativeDir.statPath(p), name + " by its path");
                if (st.isSymbolicLink()) {
                    assertEquals(Files.readSymbolicLink(p).toString(), d.readLink(name), name);
                } else {
                    assertNull(d.readLink(name), name + " is no symlink");
                }
                if (st.isRegularFile() || st.isDirectory()) {
                    assertEquals(ImageInspector.XattrDigest.throughTheJdk(p), d.xattrDigest(name), name);
                }
            }
            assertEquals(d.stat("small").fileKey(), d.stat("second name").fileKey(), "two names of one file");
            assertNotEquals(d.stat("small").fileKey(), d.stat("empty").fileKey());
            assertNull(d.stat("missing"));
            assertNull(NativeDir.statPath(tree.resolve("missing")));
            assertNull(FileStat.of(tree.resolve("missing")));
            assertNull(FileStat.of(tree.resolve("small/not a directory")));
            assertNull(d.stat(".."), "only names within the directory");
            assertNull(d.stat("sub/x"));
        }
    }

    @Test
    void blockDigestsAreTheJdksAndOnlyRegularFilesAreRead() throws IOException {
        try (NativeDir d = NativeDir.open(tree)) {
            for (String name : new String[] {"small", "empty", "big ünïcode"}) {
                Path p = tree.resolve(name);
                long size = Files.size(p);
                for (int blockSize : new int[] {4096, 65536}) {
                    NativeDir.Digested got = d.digests(name, -1, blockSize, 16, hash);
                    assertNotNull(got, name);
                    assertEquals(size, got.size());
                    assertArrayEquals(jdkDigests(p, size, blockSize), got.digests(), name + " in blocks of " + blockSize);
                    long part = size / 2;
                    NativeDir.Digested first = d.digests(name, part, blockSize, 16, hash);
                    assertEquals(part, first.size());
                    assertArrayEquals(jdkDigests(p, part, blockSize), first.digests(), "the first half of " + name);
                }
            }
            // a symlink is not followed, a directory and a FIFO are not read (opening the FIFO does not block)
            for (String name : new String[] {"link to outside", "dangling", "sub", "fifo", "missing", ".."}) {
                assertNull(d.digests(name, -1, 4096, 16, hash), name);
            }
        }
    }

    @Test
    void openingBeneathARootNeverFollowsASymlink() throws IOException {
        Files.createDirectories(tree.resolve("sub/deeper"));
        Files.writeString(tree.resolve("sub/deeper/f"), "in");
        Files.createDirectories(outside.resolve("there/deep"));
        Files.createSymbolicLink(tree.resolve("sub/up"), Path.of(".."));
        for (boolean oneCall : new boolean[] {true, false}) {
            java.util.function.Function<String, NativeDir> open = rel -> oneCall
                    ? NativeDir.openBeneath(tree, RelPath.of(rel))
                    : NativeDir.openBeneathByComponents(tree, RelPath.of(rel));
            try (NativeDir d = open.apply("sub/deeper")) {
                assertNotNull(d);
                assertEquals(tree.resolve("sub/deeper"), d.path());
                assertTrue(d.names().contains("f"));
            }
            for (String refused : new String[] {"link to outside", "link to outside/deep", "sub/up", "sub/up/sub",
                    "sub/missing", "small", "fifo", "sub/deeper/f"}) {
                assertNull(open.apply(refused), refused + (oneCall ? "" : ", component by component"));
            }
        }
        if (System.getProperty("os.name").equals("Linux") && Runtime.version().feature() >= 22) {
            assertTrue(NativeDir.resolvesInOneCall(), "openat2 should be usable on this kernel");
        }
        try (NativeDir d = NativeDir.openBeneath(tree, RelPath.ROOT)) {
            assertEquals(tree, d.path());
        }
        try (NativeDir d = NativeDir.open(tree)) {
            assertNull(d.child("link to outside"));
            assertNull(d.child(".."));
            assertNull(d.child("fifo"));
        }
        assertNull(NativeDir.open(tree.resolve("link to outside")), "the last component is not followed either");
    }

    @Test
    void noDescriptorIsLeftBehind() throws IOException {
        long before = descriptors();
        for (int i = 0; i < 300; i++) {
            try (NativeDir d = NativeDir.openBeneath(tree, RelPath.of("sub"))) {
                assertNotNull(d);
            }
            try (NativeDir d = NativeDir.open(tree)) {
                d.names();
                d.digests("small", -1, 4096, 16, hash);
                d.digests("fifo", -1, 4096, 16, hash);
                d.digests("link to outside", -1, 4096, 16, hash);
                d.stat("small");
                d.xattrDigest("small");
            }
        }
        assertTrue(descriptors() <= before + 2, "descriptors open: " + before + " before, " + descriptors() + " after");
    }

    private long descriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private byte[] jdkDigests(Path p, long size, int blockSize) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return hash.of(ch, size, blockSize, 16);
        }
    }

    private static boolean trySet(Path p, String name, byte[] value) {
        try {
            Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).write(name,
                    ByteBuffer.wrap(value));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
