package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A walk's block hash gives the source and the target the same digest for the same bytes, and a
 * different one for different bytes or under another walk's key.
 */
class BlockHashTest {

    @TempDir
    Path dir;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void theSameKeyGivesTheSameDigestWhereverTheBytesAreAndAnotherKeyAnother() {
        BlockHash walk = BlockHash.random();
        BlockHash target = BlockHash.of(walk.key()); // what the target makes of the question's key
        assertTrue(walk.keyed());
        byte[] data = random(100_000, 1);
        byte[] shifted = new byte[data.length + 7];
        System.arraycopy(data, 0, shifted, 7, data.length);
        byte[] d = walk.of(data, 0, data.length, 16);
        assertArrayEquals(d, target.of(shifted, 7, data.length, 16), "another array, another offset: the same digest");
        assertArrayEquals(d, walk.of(data, 0, data.length, 16), "asked again at once: the same digest");
        assertFalse(Arrays.equals(d, BlockHash.random().of(data, 0, data.length, 16)), "another walk's key");
        assertArrayEquals(Arrays.copyOf(d, 8), walk.of(data, 0, data.length, 8), "a shorter digest is its prefix");

        Set<String> seen = new HashSet<>();
        seen.add(Arrays.toString(d));
        for (int i = 0; i < 2_000; i++) { // one bit flipped anywhere, or the length one byte shorter
            byte[] changed = data.clone();
            changed[(i * 7919) % changed.length] ^= (byte) (1 << (i % 8));
            assertTrue(seen.add(Arrays.toString(walk.of(changed, 0, changed.length, 16))), "flip " + i);
        }
        assertTrue(seen.add(Arrays.toString(walk.of(data, 0, data.length - 1, 16))));
        assertTrue(seen.add(Arrays.toString(walk.of(new byte[0], 0, 0, 16))));
    }

    @Test
    void aFileIsDigestedBlockByBlockAsItsBytesAreIncludingBlocksLargerThanAChunk() throws Exception {
        byte[] data = random(3 * 1024 * 1024 + 1234, 2);
        Path f = Files.write(dir.resolve("f"), data);
        for (BlockHash hash : new BlockHash[] {BlockHash.random(), BlockHash.SHA_256}) {
            for (int blockSize : new int[] {4096, 65_536, 1 << 20, 3 << 20}) {
                byte[] all;
                try (FileChannel ch = FileChannel.open(f)) {
                    all = hash.of(ch, ch.size(), blockSize, 16);
                }
                int blocks = (data.length + blockSize - 1) / blockSize;
                assertEquals(blocks * 16, all.length);
                for (int i = 0; i < blocks; i++) {
                    int off = i * blockSize;
                    byte[] one = hash.of(data, off, Math.min(blockSize, data.length - off), 16);
                    assertArrayEquals(one, Arrays.copyOfRange(all, i * 16, i * 16 + 16), hash + " block " + i + " of "
                            + blockSize);
                }
            }
        }
    }

    @Test
    void manyThreadsDigestAtOnceEachTheSame() throws Exception {
        BlockHash hash = BlockHash.random();
        byte[][] blocks = new byte[64][];
        byte[][] expected = new byte[64][];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = random(4096 + i * 1000, i);
            expected[i] = hash.of(blocks[i], 0, blocks[i].length, 16);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<?>[] runs = new Future<?>[4];
            for (int t = 0; t < runs.length; t++) {
                runs[t] = pool.submit(() -> {
                    for (int round = 0; round < 50; round++) {
                        for (int i = 0; i < blocks.length; i++) {
                            assertArrayEquals(expected[i], hash.of(blocks[i], 0, blocks[i].length, 16));
                        }
                    }
                    return null;
                });
            }
            for (Future<?> r : runs) {
                r.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void noKeyIsSha256AndAKeyOfAnotherLengthIsRefused() throws Exception {
        assertSame(BlockHash.SHA_256, BlockHash.of(new byte[0]));
        byte[] data = random(5000, 3);
        assertArrayEquals(Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(data), 16),
                BlockHash.SHA_256.of(data, 0, data.length, 16));
        assertThrows(IllegalArgumentException.class, () -> BlockHash.of(new byte[5]));
        byte[] key = BlockHash.random().key();
        assertEquals(BlockHash.KEY_BYTES, key.length);
        BlockHash a = BlockHash.of(key);
        key[0] ^= 1; // the caller's array changes afterwards: the hash keeps its own copy
        assertFalse(Arrays.equals(a.of(data, 0, data.length, 16), BlockHash.of(key).of(data, 0, data.length, 16)));
    }
}
