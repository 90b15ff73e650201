package io.doppel.engine.internal.transport;

import java.nio.ByteBuffer;

import org.apache.mina.core.buffer.AbstractIoBuffer;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.buffer.IoBufferAllocator;

/**
 * MINA's buffer allocator, with the buffers of socket reads reused on the thread that reads them.
 *
 * <p>MINA allocates a fresh heap buffer of the session's read size for every read of a socket, and
 * MINA has no allocator per connection, only one for the process. On a connection that carries a
 * stream of large frames, allocating and zeroing those buffers took a quarter of the receiving I/O
 * thread, and each fresh buffer is memory that is not in the cache. The {@link TlsFilter} consumes
 * a read whole before it returns (it decrypts the records and copies a record cut short aside), and
 * then hands the buffer back through {@link #recycle(IoBuffer)}. The next read on the same thread
 * of the same size gets it again, not zeroed.
 *
 * <p>Only what is handed back explicitly is reused, and only on the thread that allocated it:
 * {@link IoBuffer#free()} (which MINA also calls on buffers it wrote) keeps no buffer, and neither a
 * wrapped array nor a view (duplicate, slice) is ever reused. A thread keeps at most one spare
 * buffer. Otherwise buffers are what MINA's simple allocator makes. Every buffer is made by this
 * allocator itself: MINA's buffer constructor makes the allocator that made a buffer the process's
 * allocator, so a buffer made by another one would replace this. It is installed while the
 * replication receiver or a job's link is in use, and changes nothing for code that does not hand
 * buffers back.
 */
public final class ReadBuffers implements IoBufferAllocator {

    /** Smaller heap buffers are not kept: there is little to save. */
    static final int SMALLEST_REUSED = 16 * 1024;

    private static final Object LOCK = new Object();
    private static int users;
    private static IoBufferAllocator before;
    private static final java.util.concurrent.atomic.LongAdder REUSED = new java.util.concurrent.atomic.LongAdder();

    /** This thread's spare buffer (one; a read thread reads one buffer at a time). */
    private final ThreadLocal<ByteBuffer[]> spare = ThreadLocal.withInitial(() -> new ByteBuffer[1]);

    /** Makes this the process's allocator, once for any number of users; pair with {@link #release()}. */
    public static void use() {
        synchronized (LOCK) {
            if (users++ == 0) {
                before = IoBuffer.getAllocator();
                IoBuffer.setAllocator(new ReadBuffers());
            }
        }
    }

    /** The last user gone, MINA's allocator is what it was before. */
    public static void release() {
        synchronized (LOCK) {
            if (users > 0 && --users == 0) {
                IoBuffer.setAllocator(before);
                before = null;
            }
        }
    }

    /**
     * Hands a read's buffer back for the next read on this thread; the caller must hold no reference
     * to it or to any view of it. Other buffers are left alone.
     */
    public static void recycle(IoBuffer buffer) {
        if (buffer instanceof Buffer b && b.reusable && b.allocator == IoBuffer.getAllocator()
                && b.thread == Thread.currentThread()) {
            b.allocator.spare.get()[0] = b.buf;
        }
    }

    /** How many allocations got a buffer handed back before (tests). */
    static long reused() {
        return REUSED.sum();
    }

    @Override
    public IoBuffer allocate(int capacity, boolean direct) {
        boolean reusable = !direct && capacity >= SMALLEST_REUSED;
        if (reusable) {
            ByteBuffer[] mine = spare.get();
            ByteBuffer kept = mine[0];
            if (kept != null && kept.capacity() == capacity) {
                mine[0] = null;
                REUSED.increment();
                return new Buffer(this, kept.clear(), true);
            }
        }
        return new Buffer(this, allocateNioBuffer(capacity, direct), reusable);
    }

    @Override
    public ByteBuffer allocateNioBuffer(int capacity, boolean direct) {
        return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }

    @Override
    public IoBuffer wrap(ByteBuffer nioBuffer) {
        return new Buffer(this, nioBuffer, false);
    }

    @Override
    public void dispose() {
        // MINA calls this whenever a buffer is made; each thread's spare goes with this allocator
    }

    /** MINA's simple heap or direct buffer, which may go back to the thread that allocated it. */
    private static final class Buffer extends AbstractIoBuffer {
        private final ReadBuffers allocator;
        private final Thread thread = Thread.currentThread();
        /** Allocated here for a read; never a wrapped array or a view. */
        private final boolean reusable;
        private ByteBuffer buf;

        Buffer(ReadBuffers allocator, ByteBuffer buf, boolean reusable) {
            super(allocator, buf.capacity());
            this.allocator = allocator;
            this.buf = buf;
            this.reusable = reusable;
            buf.order(java.nio.ByteOrder.BIG_ENDIAN);
        }

        /** A view (duplicate, slice, read-only) of {@code parent}. */
        private Buffer(Buffer parent, ByteBuffer view) {
            super(parent);
            this.allocator = parent.allocator;
            this.buf = view;
            this.reusable = false;
        }

        @Override
        public ByteBuffer buf() {
            return buf;
        }

        @Override
        protected void buf(ByteBuffer newBuf) {
            this.buf = newBuf; // grown: the new array is this buffer's, the old one is dropped
        }

        @Override
        protected IoBuffer duplicate0() {
            return new Buffer(this, buf.duplicate());
        }

        @Override
        protected IoBuffer slice0() {
            return new Buffer(this, buf.slice());
        }

        @Override
        protected IoBuffer asReadOnlyBuffer0() {
            return new Buffer(this, buf.asReadOnlyBuffer());
        }

        @Override
        public byte[] array() {
            return buf.array();
        }

        @Override
        public int arrayOffset() {
            return buf.arrayOffset();
        }

        @Override
        public boolean hasArray() {
            return buf.hasArray();
        }

        @Override
        public void free() {
            // kept only when handed back by recycle(): MINA frees buffers it wrote, whose arrays
            // the writer may still hold
        }
    }
}
