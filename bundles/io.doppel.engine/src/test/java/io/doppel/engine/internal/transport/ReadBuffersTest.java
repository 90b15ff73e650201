package io.doppel.engine.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.buffer.IoBufferAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReadBuffersTest {

    private static final int READ = 128 * 1024;
    private IoBufferAllocator before;

    @BeforeEach
    void install() {
        before = IoBuffer.getAllocator();
        ReadBuffers.use();
    }

    @AfterEach
    void uninstall() {
        ReadBuffers.release();
        assertSame(before, IoBuffer.getAllocator(), "the allocator before is back");
    }

    private static byte[] array(IoBuffer b) {
        return b.array();
    }

    @Test
    void aBufferHandedBackIsTheNextReadsOnTheSameThreadAndStartsEmpty() {
        IoBuffer first = IoBuffer.allocate(READ);
        first.put(new byte[] {1, 2, 3}).flip();
        byte[] a = array(first);
        ReadBuffers.recycle(first);
        IoBuffer second = IoBuffer.allocate(READ);
        assertTrue(a == array(second), "the same array again");
        assertEquals(0, second.position());
        assertEquals(READ, second.limit());
        assertEquals(java.nio.ByteOrder.BIG_ENDIAN, second.order());
        // one spare: the next allocation is a new array until this one comes back
        assertTrue(a != array(IoBuffer.allocate(READ)));
    }

    @Test
    void onlyWhatIsHandedBackIsReused() throws Exception {
        IoBuffer freed = IoBuffer.allocate(READ);
        freed.free(); // MINA frees buffers it wrote: their arrays may still be in use
        assertTrue(array(freed) != array(IoBuffer.allocate(READ)));

        byte[] mine = new byte[READ];
        ReadBuffers.recycle(IoBuffer.wrap(mine));
        assertTrue(mine != array(IoBuffer.allocate(READ)), "a wrapped array is its owner's");

        IoBuffer parent = IoBuffer.allocate(READ);
        ReadBuffers.recycle(parent.duplicate());
        ReadBuffers.recycle(parent.slice());
        assertTrue(array(parent) != array(IoBuffer.allocate(READ)), "a view is not the buffer");

        IoBuffer other = IoBuffer.allocate(READ);
        Thread t = new Thread(() -> ReadBuffers.recycle(other));
        t.start();
        t.join();
        assertTrue(array(other) != array(IoBuffer.allocate(READ)), "handed back on another thread");

        IoBuffer elsewhere = IoBuffer.allocate(READ);
        ReadBuffers.recycle(elsewhere);
        AtomicReference<byte[]> there = new AtomicReference<>();
        t = new Thread(() -> there.set(array(IoBuffer.allocate(READ))));
        t.start();
        t.join();
        assertTrue(array(elsewhere) != there.get(), "another thread does not get this thread's spare");
        assertTrue(array(elsewhere) == array(IoBuffer.allocate(READ)), "this thread still does");
    }

    @Test
    void otherSizesAndDirectBuffersAreMinasOwn() {
        IoBuffer small = IoBuffer.allocate(ReadBuffers.SMALLEST_REUSED - 1);
        ReadBuffers.recycle(small);
        assertTrue(array(small) != array(IoBuffer.allocate(ReadBuffers.SMALLEST_REUSED - 1)));

        IoBuffer read = IoBuffer.allocate(READ);
        ReadBuffers.recycle(read);
        IoBuffer bigger = IoBuffer.allocate(2 * READ);
        assertTrue(array(read) != array(bigger), "a spare of another size is not handed out");
        assertTrue(array(read) == array(IoBuffer.allocate(READ)), "and is kept for its size");

        IoBuffer direct = IoBuffer.allocate(READ, true);
        assertTrue(direct.isDirect());
        ReadBuffers.recycle(direct);
        assertTrue(IoBuffer.allocate(READ, true).isDirect());
    }

    @Test
    void aBufferThatGrewIsStillOneBuffer() {
        IoBuffer b = IoBuffer.allocate(ReadBuffers.SMALLEST_REUSED).setAutoExpand(true);
        byte[] data = new byte[3 * ReadBuffers.SMALLEST_REUSED];
        new java.util.Random(1).nextBytes(data);
        b.put(data).flip();
        byte[] back = new byte[data.length];
        b.get(back);
        assertArrayEquals(data, back);
        ReadBuffers.recycle(b);
        IoBuffer next = IoBuffer.allocate(b.capacity());
        assertTrue(array(b) == array(next), "the grown array is the one handed back");
    }

    @Test
    void buffersMadeMeanwhileLeaveItInstalled() {
        // MINA's buffer constructor makes the allocator of each new buffer the process's
        IoBufferAllocator ours = IoBuffer.getAllocator();
        IoBuffer.wrap(new byte[10]);
        IoBuffer.allocate(10);
        IoBuffer.allocate(READ, true).duplicate();
        IoBuffer.allocate(READ).slice();
        IoBuffer.allocate(READ).asReadOnlyBuffer();
        assertTrue(ours == IoBuffer.getAllocator());
    }

    @Test
    void installedOnceForAnyNumberOfUsers() {
        IoBufferAllocator ours = IoBuffer.getAllocator();
        assertTrue(ours instanceof ReadBuffers);
        ReadBuffers.use();
        assertSame(ours, IoBuffer.getAllocator());
        ReadBuffers.release();
        assertSame(ours, IoBuffer.getAllocator(), "still one user");
        ByteBuffer heap = IoBuffer.allocate(READ).buf();
        assertTrue(heap.hasArray());
    }
}
