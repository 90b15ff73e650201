package io.doppel.engine.internal.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.BlockHash;

/** The source's digests computed ahead of a verification's walk. */
class DigestsAheadTest {

    private static final int BYTES = 16;

    @TempDir
    Path dir;

    private Path file(String name, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }

    /** The walk's keyed hash, as a verification uses. */
    private static final BlockHash HASH = BlockHash.random();

    private static byte[] expected(Path f, int blockSize) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(f)) {
            return HASH.of(ch, ch.size(), blockSize, BYTES);
        }
    }

    @Test
    void whatIsTakenIsTheDigestOfTheFileWhetherComputedAheadOrOnTheSpot() throws Exception {
        try (DigestsAhead ahead = new DigestsAhead("t", BYTES, HASH, () -> false)) {
            for (int i = 0; i < 40; i++) {
                Path f = file("f" + i, 1000 + i * 7919, i);
                ahead.ask(RelPath.of("f" + i), f, 4096, Files.size(f));
            }
            // taken in another order than asked: each is right, computed ahead or here
            for (int i = 39; i >= 0; i--) {
                Path f = dir.resolve("f" + i);
                DigestsAhead.Digests d = ahead.take(RelPath.of("f" + i), f, 4096, Files.size(f));
                assertFalse(d.gone());
                assertArrayEquals(expected(f, 4096), d.digests(), "f" + i);
            }
            // a block size other than the one asked for: computed for the one taken
            Path g = file("g", 50_000, 99);
            ahead.ask(RelPath.of("g"), g, 4096, 50_000);
            assertArrayEquals(expected(g, 8192), ahead.take(RelPath.of("g"), g, 8192, 50_000).digests());
        }
    }

    @Test
    void aFileGoneBeforeItIsReadIsToldAsGoneAndAnUnknownOneIsComputed() throws Exception {
        try (DigestsAhead ahead = new DigestsAhead("t", BYTES, HASH, () -> false)) {
            Path f = file("f", 100, 1);
            Files.delete(f);
            ahead.ask(RelPath.of("f"), f, 4096, 100);
            DigestsAhead.Digests d = ahead.take(RelPath.of("f"), f, 4096, 100);
            assertTrue(d.gone());
            assertNull(d.digests());
            Path h = file("h", 10_000, 2);
            assertArrayEquals(expected(h, 4096), ahead.take(RelPath.of("h"), h, 4096, 10_000).digests(), "never asked");
        }
    }

    @Test
    void aStoppingWalkStopsTakingAndClosingEndsTheThread() throws Exception {
        AtomicBoolean stopping = new AtomicBoolean();
        DigestsAhead ahead = new DigestsAhead("t", BYTES, HASH, stopping::get);
        Path big = file("big", 32 << 20, 3);
        for (int i = 0; i < 8; i++) {
            ahead.ask(RelPath.of("big" + i), big, 1 << 20, 32 << 20);
        }
        stopping.set(true);
        for (int i = 0; i < 8; i++) {
            RelPath p = RelPath.of("big" + i);
            assertThrows(DigestsAhead.Stopped.class, () -> ahead.take(p, big, 1 << 20, 32 << 20));
        }
        ahead.close();
        ahead.thread().join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(ahead.thread().isAlive(), "the thread ends after close, once the file it reads is done");
    }
}
