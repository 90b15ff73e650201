package io.doppel.engine.internal.transport;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.doppel.engine.internal.codec.CodecException;
import io.doppel.engine.internal.codec.OpCodec;
import io.doppel.engine.internal.codec.SequencedOp;

/**
 * Replication frames (see docs/PROTOCOL.md): {@code u32 length | u8 type | body}. Each frame type is
 * a record; {@link #decode} refuses anything malformed with a {@link CodecException}.
 */
public sealed interface Frame {

    /**
     * 2: an op record may stand for a run of coalesced ops (op format 2). 3: entry and remove ops,
     * and the mirror's questions about the image (listings and block sums). 4: listed entries carry
     * link count, inode and an extended-attribute digest; questions about one entry (verification);
     * the move-aside op. 5: reads of image data and xattrs (restore). 6: a hello says whether it
     * comes to restore, so that an image held after a failover admits only that. 7: the target may
     * ask the source for its journal's head (before a takeover). 8: the block sums of several files of
     * one directory in one question and one answer. 9: a question for block sums carries the key of
     * the walk's block hash (none: SHA-256; 16 bytes: the AES-GCM tag under that key).
     */
    int PROTOCOL = 9;
    /** Largest frame body; a batch of ops is cut to stay below it. */
    int MAX_BODY = 32 * 1024 * 1024;

    /**
     * Source → target: who is asking to replicate what; {@code restore} when the source comes to
     * restore itself from the image (and then rebase it), not to send ops.
     */
    record Hello(int protocol, String job, String image, boolean restore) implements Frame {
        public Hello(int protocol, String job, String image) {
            this(protocol, job, image, false);
        }
    }

    /** Target → source: ready; resume after {@code applied}. Also sent to ask for a rewind after a gap. */
    record Resume(long applied) implements Frame { }

    /** Source → target: ops in sequence order. */
    record Ops(List<SequencedOp> ops) implements Frame { }

    /**
     * Target → source: everything up to {@code applied} is applied, and up to {@code durable} it is
     * also on stable storage (cumulative). The source may forget ops up to {@code durable} only.
     */
    record Ack(long applied, long durable) implements Frame { }

    /**
     * Source → target: a batch of ops compressed with DEFLATE at {@code level} (1 fast … 9 max).
     * Decoded, it becomes an {@link Ops} frame.
     */
    record Compressed(Ops ops, int level) implements Frame { }

    /** Either way: liveness. */
    /**
     * Keeps a connection alive; from a source streaming, also its journal's head (the last op it
     * numbered), so that a target that takes over knows how far behind its image is. -1: not said.
     */
    record Heartbeat(long sentAtMillis, long head) implements Frame {
        public Heartbeat(long sentAtMillis) {
            this(sentAtMillis, -1);
        }
    }

    /** Target → source: this connection is refused or the stream cannot continue, and why. */
    record Refused(String code, String message, long seq) implements Frame { }

    /**
     * Source → target, for mirroring: list the image directory {@code path} (entries after
     * {@code after}, in name order, at most a page), once the image has applied at least
     * {@code minApplied}.
     */
    record ListRequest(long id, long minApplied, String path, String after) implements Frame { }

    /**
     * One entry of a {@link Listing}. Type: {@code f}ile, {@code d}irectory, sym{@code l}ink, {@code o}ther.
     * {@code inode} tells the target's hard links apart (only equality means anything);
     * {@code xattrs} is a digest of the {@code user.*} extended attributes (0: none).
     */
    record Listed(String name, char type, int mode, int uid, int gid, long size, long mtimeNanos, String linkTarget,
            int nlink, long inode, long xattrs) {
        /** An entry known only by what a mirror needs. */
        public Listed(String name, char type, int mode, int uid, int gid, long size, long mtimeNanos, String linkTarget) {
            this(name, type, mode, uid, gid, size, mtimeNanos, linkTarget, 1, 0, 0);
        }
    }

    /**
     * Source → target, for verification: describe the one image entry {@code path}, once the image has
     * applied at least {@code minApplied}. Answered by a {@link Listing} of that entry alone
     * ({@code exists} false and no entry if there is nothing).
     */
    record StatRequest(long id, long minApplied, String path) implements Frame { }

    /**
     * Source → target: the image is behind ops this source has released (it was reset or restored):
     * move its cursor forward to {@code seq} without applying anything; a mirror resynchronises it.
     * Answered by a {@link Resume}.
     */
    record Rebase(long seq) implements Frame { }

    /**
     * Target → source: the answer to a {@link ListRequest}, taken when the image had applied
     * {@code applied}; {@code exists} is false if the path is not a directory in the image;
     * {@code more} if further pages follow; {@code error} says why there is no answer.
     */
    record Listing(long id, long applied, boolean exists, List<Listed> entries, boolean more, String error)
            implements Frame { }

    /** Source → target, for mirroring: checksums of the image file {@code path}, block by block. */
    record SumsRequest(long id, long minApplied, String path, int blockSize, byte[] key) implements Frame {
        /** A question for SHA-256 sums. */
        public SumsRequest(long id, long minApplied, String path, int blockSize) {
            this(id, minApplied, path, blockSize, new byte[0]);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SumsRequest r && id == r.id && minApplied == r.minApplied && path.equals(r.path)
                    && blockSize == r.blockSize && java.util.Arrays.equals(key, r.key);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(id, minApplied, path, blockSize, java.util.Arrays.hashCode(key));
        }

        @Override
        public String toString() {
            return "SumsRequest[id=" + id + ", minApplied=" + minApplied + ", path=" + path + ", blockSize=" + blockSize
                    + ", keyed=" + (key.length > 0) + "]";
        }
    }

    /**
     * Target → source: the answer to a {@link SumsRequest}: the file's size ({@code -1} if it is not
     * a regular file in the image) and {@link #DIGEST_BYTES} bytes of digest per block.
     */
    record Sums(long id, long applied, long size, int blockSize, byte[] digests, String error) implements Frame { }

    /**
     * Source → target, for a restore: up to {@code length} bytes (at most {@link #MAX_READ}) of the
     * image file {@code path} from {@code offset}. Answered by {@link Data}.
     */
    record ReadRequest(long id, long minApplied, String path, long offset, int length) implements Frame { }

    /**
     * Target → source: the answer to a {@link ReadRequest}: the file's size ({@code -1} if it is not a
     * regular file in the image) and the bytes read (fewer at its end).
     */
    record Data(long id, long applied, long size, byte[] data, String error) implements Frame { }

    /** Source → target, for a restore: the {@code user.*} extended attributes of the image entry {@code path}. */
    record XattrsRequest(long id, long minApplied, String path) implements Frame { }

    /**
     * Target → source: the answer to an {@link XattrsRequest}: attribute names (with their
     * {@code user.} prefix) and values; {@code exists} is false if there is no such entry.
     */
    record Xattrs(long id, long applied, boolean exists, java.util.Map<String, byte[]> values, String error)
            implements Frame { }

    /**
     * Target → source: what is the last op you have journaled for this image, now? Asked before a
     * takeover while the source still answers, so that the replica is compared with the source's
     * head at that moment, not with one it announced earlier. Answered by a {@link HeadAnswer}.
     */
    record HeadRequest(long id) implements Frame { }

    /**
     * Source → target: the answer to a {@link HeadRequest}: the last op that has completed for the
     * source's applications (an asynchronous job: its journal's head; a synchronous one: the last op
     * the target acknowledged, since an op completes only then).
     */
    record HeadAnswer(long id, long head) implements Frame { }

    /**
     * Source → target, for mirroring and verification: the block sums of several image files in one
     * question (at most {@link #MAX_BATCH}), each with its own block size. Answered by one {@link
     * SumsBatch}, the files in the order asked.
     */
    record SumsBatchRequest(long id, long minApplied, List<Wanted> files, byte[] key) implements Frame {
        /** A question for SHA-256 sums. */
        public SumsBatchRequest(long id, long minApplied, List<Wanted> files) {
            this(id, minApplied, files, new byte[0]);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SumsBatchRequest r && id == r.id && minApplied == r.minApplied && files.equals(r.files)
                    && java.util.Arrays.equals(key, r.key);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(id, minApplied, files, java.util.Arrays.hashCode(key));
        }

        @Override
        public String toString() {
            return "SumsBatchRequest[id=" + id + ", minApplied=" + minApplied + ", files=" + files
                    + ", keyed=" + (key.length > 0) + "]";
        }
    }

    /** One file of a {@link SumsBatchRequest}: its path in the image and the block size asked. */
    record Wanted(String path, int blockSize) { }

    /**
     * Target → source: the answer to a {@link SumsBatchRequest}: one {@link FileSums} per file asked,
     * in the same order; {@code error} (and no files) if the question could not be answered at all.
     */
    record SumsBatch(long id, long applied, List<FileSums> files, String error) implements Frame { }

    /**
     * The block sums of one file of a {@link SumsBatch}, as in a {@link Sums} frame: size -1 if it is
     * not a regular file in the image; {@code error} if that file could not be read.
     */
    record FileSums(long size, int blockSize, byte[] digests, String error) {
        @Override
        public boolean equals(Object o) {
            return o instanceof FileSums f && size == f.size && blockSize == f.blockSize
                    && java.util.Arrays.equals(digests, f.digests) && java.util.Objects.equals(error, f.error);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(size, blockSize, java.util.Arrays.hashCode(digests), error);
        }
    }

    /** Most files in one {@link SumsBatchRequest}. */
    int MAX_BATCH = 1024;

    /** Most bytes one {@link ReadRequest} may ask for. */
    int MAX_READ = 4 * 1024 * 1024;
    /** Most attributes in one {@link Xattrs} frame, and most bytes of one value. */
    int MAX_XATTRS = 4096;
    int MAX_XATTR_VALUE = 65_536;

    /** Bytes of one block digest in a {@link Sums} frame. */
    int DIGEST_BYTES = 16;
    /** Bytes of the key of a keyed block hash in a question for sums. */
    int HASH_KEY_BYTES = 16;
    /** Entries in one page of a {@link Listing}. */
    int LISTING_PAGE = 50_000;

    static int type(Frame f) {
        return switch (f) {
            case Hello h -> 1;
            case Resume r -> 2;
            case Ops o -> 3;
            case Ack a -> 4;
            case Heartbeat h -> 5;
            case Refused r -> 6;
            case Compressed c -> 7;
            case ListRequest l -> 8;
            case Listing l -> 9;
            case SumsRequest r -> 10;
            case Sums r -> 11;
            case StatRequest r -> 12;
            case Rebase r -> 13;
            case ReadRequest r -> 14;
            case Data d -> 15;
            case XattrsRequest r -> 16;
            case Xattrs x -> 17;
            case HeadRequest r -> 18;
            case HeadAnswer a -> 19;
            case SumsBatchRequest r -> 20;
            case SumsBatch r -> 21;
        };
    }

    /** The body of a frame (without length and type). */
    static byte[] body(Frame f) {
        return switch (f) {
            case Hello h -> {
                byte[] job = h.job().getBytes(StandardCharsets.UTF_8);
                byte[] image = h.image().getBytes(StandardCharsets.UTF_8);
                yield ByteBuffer.allocate(2 + 2 + job.length + 2 + image.length + 1).putShort((short) h.protocol())
                        .putShort((short) job.length).put(job).putShort((short) image.length).put(image)
                        .put((byte) (h.restore() ? 1 : 0)).array();
            }
            case Resume r -> ByteBuffer.allocate(8).putLong(r.applied()).array();
            case Compressed c -> Deflate.compress(body(c.ops()), c.level());
            case Ops o -> {
                ByteBuffer b = ByteBuffer.allocate(opsBodySize(o));
                encodeOps(o, b);
                yield b.array();
            }
            case Ack a -> ByteBuffer.allocate(16).putLong(a.applied()).putLong(a.durable()).array();
            case Heartbeat h -> h.head() < 0 ? ByteBuffer.allocate(8).putLong(h.sentAtMillis()).array()
                    : ByteBuffer.allocate(16).putLong(h.sentAtMillis()).putLong(h.head()).array();
            case Refused r -> {
                byte[] code = r.code().getBytes(StandardCharsets.UTF_8);
                byte[] msg = r.message().getBytes(StandardCharsets.UTF_8);
                yield ByteBuffer.allocate(2 + code.length + 4 + msg.length + 8).putShort((short) code.length).put(code)
                        .putInt(msg.length).put(msg).putLong(r.seq()).array();
            }
            case ListRequest l -> {
                Out o = new Out();
                o.b.putLong(l.id()).putLong(l.minApplied());
                o.text(l.path());
                o.text(l.after());
                yield o.bytes();
            }
            case Listing l -> {
                Out o = new Out();
                o.b.putLong(l.id()).putLong(l.applied()).put((byte) ((l.exists() ? 1 : 0) | (l.more() ? 2 : 0)));
                o.text(l.error() == null ? "" : l.error());
                o.ensure(4);
                o.b.putInt(l.entries().size());
                for (Listed e : l.entries()) {
                    o.text(e.name());
                    o.ensure(57);
                    o.b.put((byte) e.type()).putInt(e.mode()).putInt(e.uid()).putInt(e.gid()).putLong(e.size())
                            .putLong(e.mtimeNanos()).putInt(e.nlink()).putLong(e.inode()).putLong(e.xattrs());
                    o.text(e.linkTarget() == null ? "" : e.linkTarget());
                }
                yield o.bytes();
            }
            case Rebase r -> ByteBuffer.allocate(8).putLong(r.seq()).array();
            case HeadRequest r -> ByteBuffer.allocate(8).putLong(r.id()).array();
            case HeadAnswer a -> ByteBuffer.allocate(16).putLong(a.id()).putLong(a.head()).array();
            case StatRequest r -> {
                Out o = new Out();
                o.b.putLong(r.id()).putLong(r.minApplied());
                o.text(r.path());
                yield o.bytes();
            }
            case SumsRequest r -> {
                Out o = new Out();
                o.b.putLong(r.id()).putLong(r.minApplied());
                o.text(r.path());
                o.ensure(4 + 1 + r.key().length);
                o.b.putInt(r.blockSize()).put((byte) r.key().length).put(r.key());
                yield o.bytes();
            }
            case ReadRequest r -> {
                Out o = new Out();
                o.b.putLong(r.id()).putLong(r.minApplied());
                o.text(r.path());
                o.ensure(12);
                o.b.putLong(r.offset()).putInt(r.length());
                yield o.bytes();
            }
            case Data d -> {
                Out o = new Out();
                o.b.putLong(d.id()).putLong(d.applied()).putLong(d.size());
                o.text(d.error() == null ? "" : d.error());
                o.ensure(4 + d.data().length);
                o.b.putInt(d.data().length).put(d.data());
                yield o.bytes();
            }
            case XattrsRequest r -> {
                Out o = new Out();
                o.b.putLong(r.id()).putLong(r.minApplied());
                o.text(r.path());
                yield o.bytes();
            }
            case Xattrs x -> {
                Out o = new Out();
                o.b.putLong(x.id()).putLong(x.applied()).put((byte) (x.exists() ? 1 : 0));
                o.text(x.error() == null ? "" : x.error());
                o.ensure(4);
                o.b.putInt(x.values().size());
                for (var e : new java.util.TreeMap<>(x.values()).entrySet()) {
                    o.text(e.getKey());
                    o.ensure(4 + e.getValue().length);
                    o.b.putInt(e.getValue().length).put(e.getValue());
                }
                yield o.bytes();
            }
            case SumsBatchRequest r -> {
                Out o = new Out();
                o.b.putLong(r.id()).putLong(r.minApplied());
                o.ensure(4);
                o.b.putInt(r.files().size());
                for (Wanted w : r.files()) {
                    o.text(w.path());
                    o.ensure(4);
                    o.b.putInt(w.blockSize());
                }
                o.ensure(1 + r.key().length);
                o.b.put((byte) r.key().length).put(r.key());
                yield o.bytes();
            }
            case SumsBatch r -> {
                Out o = new Out();
                o.b.putLong(r.id()).putLong(r.applied());
                o.text(r.error() == null ? "" : r.error());
                o.ensure(4);
                o.b.putInt(r.files().size());
                for (FileSums s : r.files()) {
                    o.ensure(12);
                    o.b.putLong(s.size()).putInt(s.blockSize());
                    o.text(s.error() == null ? "" : s.error());
                    o.ensure(4 + s.digests().length);
                    o.b.putInt(s.digests().length).put(s.digests());
                }
                yield o.bytes();
            }
            case Sums r -> {
                Out o = new Out();
                o.b.putLong(r.id()).putLong(r.applied()).putLong(r.size()).putInt(r.blockSize());
                o.text(r.error() == null ? "" : r.error());
                o.ensure(4 + r.digests().length);
                o.b.putInt(r.digests().length).put(r.digests());
                yield o.bytes();
            }
        };
    }

    /** Size of an {@link Ops} body. */
    static int opsBodySize(Ops o) {
        int size = 4;
        for (SequencedOp op : o.ops()) {
            size += 4 + OpCodec.size(op);
        }
        return size;
    }

    /** Writes an {@link Ops} body at the buffer's position. */
    static void encodeOps(Ops o, ByteBuffer b) {
        b.putInt(o.ops().size());
        for (SequencedOp op : o.ops()) {
            b.putInt(OpCodec.size(op));
            OpCodec.encode(op, b);
        }
    }

    static Frame decode(int type, ByteBuffer b) throws CodecException {
        try {
            Frame f = switch (type) {
                case 1 -> new Hello(b.getShort() & 0xffff, text(b, b.getShort() & 0xffff), text(b, b.getShort() & 0xffff),
                        b.hasRemaining() && b.get() != 0); // an older source's hello ends here
                case 2 -> new Resume(nonNegative(b.getLong()));
                case 3 -> ops(b);
                case 4 -> ack(nonNegative(b.getLong()), nonNegative(b.getLong()));
                case 5 -> new Heartbeat(b.getLong(), b.remaining() >= 8 ? nonNegative(b.getLong()) : -1);
                case 6 -> new Refused(text(b, b.getShort() & 0xffff), text(b, b.getInt()), b.getLong());
                case 7 -> ops(ByteBuffer.wrap(Deflate.decompress(b, MAX_BODY)));
                case 8 -> new ListRequest(b.getLong(), nonNegative(b.getLong()), text(b, b.getShort() & 0xffff),
                        text(b, b.getShort() & 0xffff));
                case 9 -> listing(b);
                case 10 -> sumsRequest(b);
                case 11 -> sums(b);
                case 13 -> new Rebase(nonNegative(b.getLong()));
                case 12 -> new StatRequest(b.getLong(), nonNegative(b.getLong()), text(b, b.getShort() & 0xffff));
                case 14 -> readRequest(b);
                case 15 -> data(b);
                case 16 -> new XattrsRequest(b.getLong(), nonNegative(b.getLong()), text(b, b.getShort() & 0xffff));
                case 17 -> xattrs(b);
                case 18 -> new HeadRequest(b.getLong());
                case 19 -> new HeadAnswer(b.getLong(), nonNegative(b.getLong()));
                case 20 -> sumsBatchRequest(b);
                case 21 -> sumsBatch(b);
                default -> throw new CodecException("unknown frame type " + type);
            };
            if (b.hasRemaining()) {
                throw new CodecException(b.remaining() + " stray bytes after a frame of type " + type);
            }
            return f;
        } catch (BufferUnderflowException e) {
            throw new CodecException("frame of type " + type + " is truncated");
        }
    }

    private static Listing listing(ByteBuffer b) throws CodecException {
        long id = b.getLong();
        long applied = nonNegative(b.getLong());
        int flags = b.get();
        String error = text(b, b.getShort() & 0xffff);
        int count = b.getInt();
        if (count < 0 || count > LISTING_PAGE || count > b.remaining() / 53) {
            throw new CodecException("listing of " + count + " entries does not fit the frame");
        }
        List<Listed> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = text(b, b.getShort() & 0xffff);
            char type = (char) b.get();
            if ("fdlo".indexOf(type) < 0) {
                throw new CodecException("unknown entry type '" + type + "' in a listing");
            }
            int mode = b.getInt();
            int uid = b.getInt();
            int gid = b.getInt();
            long size = b.getLong();
            long mtime = b.getLong();
            int nlink = b.getInt();
            long inode = b.getLong();
            long xattrs = b.getLong();
            entries.add(new Listed(name, type, mode, uid, gid, size, mtime, text(b, b.getShort() & 0xffff), nlink,
                    inode, xattrs));
        }
        return new Listing(id, applied, (flags & 1) != 0, entries, (flags & 2) != 0, error.isEmpty() ? null : error);
    }

    private static ReadRequest readRequest(ByteBuffer b) throws CodecException {
        ReadRequest r = new ReadRequest(b.getLong(), nonNegative(b.getLong()), text(b, b.getShort() & 0xffff),
                b.getLong(), b.getInt());
        if (r.offset() < 0 || r.length() < 1 || r.length() > MAX_READ) {
            throw new CodecException("read of " + r.length() + " bytes at " + r.offset() + " outside 1 .. "
                    + MAX_READ + " bytes at a non-negative offset");
        }
        return r;
    }

    private static Data data(ByteBuffer b) throws CodecException {
        long id = b.getLong();
        long applied = nonNegative(b.getLong());
        long size = b.getLong();
        String error = text(b, b.getShort() & 0xffff);
        int length = b.getInt();
        if (length < 0 || length > MAX_READ || length > b.remaining() || size < -1) {
            throw new CodecException("data of " + length + " bytes does not fit the frame");
        }
        byte[] data = new byte[length];
        b.get(data);
        return new Data(id, applied, size, data, error.isEmpty() ? null : error);
    }

    private static Xattrs xattrs(ByteBuffer b) throws CodecException {
        long id = b.getLong();
        long applied = nonNegative(b.getLong());
        boolean exists = b.get() != 0;
        String error = text(b, b.getShort() & 0xffff);
        int count = b.getInt();
        if (count < 0 || count > MAX_XATTRS || count > b.remaining() / 6) {
            throw new CodecException(count + " extended attributes do not fit the frame");
        }
        java.util.Map<String, byte[]> values = new java.util.TreeMap<>();
        for (int i = 0; i < count; i++) {
            String name = text(b, b.getShort() & 0xffff);
            if (!name.startsWith("user.") || name.length() == 5 || name.indexOf('\0') >= 0) {
                throw new CodecException("extended attribute name '" + name + "' is not a user.* name");
            }
            int length = b.getInt();
            if (length < 0 || length > MAX_XATTR_VALUE || length > b.remaining()) {
                throw new CodecException("extended attribute value of " + length + " bytes does not fit the frame");
            }
            byte[] value = new byte[length];
            b.get(value);
            if (values.put(name, value) != null) {
                throw new CodecException("extended attribute '" + name + "' appears twice");
            }
        }
        return new Xattrs(id, applied, exists, values, error.isEmpty() ? null : error);
    }

    private static SumsRequest sumsRequest(ByteBuffer b) throws CodecException {
        return new SumsRequest(b.getLong(), nonNegative(b.getLong()), text(b, b.getShort() & 0xffff),
                blockSize(b.getInt()), hashKey(b));
    }

    /** The key of a question's block hash: none (SHA-256) or {@value #HASH_KEY_BYTES} bytes. */
    private static byte[] hashKey(ByteBuffer b) throws CodecException {
        int length = b.get() & 0xff;
        if (length != 0 && length != HASH_KEY_BYTES) {
            throw new CodecException("a block hash key of " + length + " bytes (0 or " + HASH_KEY_BYTES + ")");
        }
        byte[] key = new byte[length];
        b.get(key);
        return key;
    }

    private static SumsBatchRequest sumsBatchRequest(ByteBuffer b) throws CodecException {
        long id = b.getLong();
        long minApplied = nonNegative(b.getLong());
        int count = b.getInt();
        // each file takes at least 2 + 1 + 4 bytes: a count beyond that cannot be in the frame
        if (count < 1 || count > MAX_BATCH || count > b.remaining() / 7) {
            throw new CodecException("a batch of " + count + " files (1.." + MAX_BATCH + ")");
        }
        List<Wanted> files = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String path = text(b, b.getShort() & 0xffff);
            int blockSize = b.getInt();
            String problem = io.doppel.api.op.RelPath.problemWith(path);
            if (problem != null || path.isEmpty()) {
                throw new CodecException("'" + path + "' is not a file's path in an image: "
                        + (problem != null ? problem : "the image's root"));
            }
            blockSize(blockSize);
            files.add(new Wanted(path, blockSize));
        }
        return new SumsBatchRequest(id, minApplied, files, hashKey(b));
    }

    private static SumsBatch sumsBatch(ByteBuffer b) throws CodecException {
        long id = b.getLong();
        long applied = nonNegative(b.getLong());
        String error = text(b, b.getShort() & 0xffff);
        int count = b.getInt();
        // each file takes at least 8 + 4 + 2 + 4 bytes
        if (count < 0 || count > MAX_BATCH || count > b.remaining() / 18) {
            throw new CodecException("an answer of " + count + " files (0.." + MAX_BATCH + ")");
        }
        List<FileSums> files = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long size = b.getLong();
            int blockSize = b.getInt();
            String fileError = text(b, b.getShort() & 0xffff);
            int length = b.getInt();
            if (length < 0 || length > b.remaining() || length % DIGEST_BYTES != 0 || size < -1 || blockSize < 1
                    || (size >= 0 && length / DIGEST_BYTES != (size + blockSize - 1) / blockSize)) {
                throw new CodecException("sums of " + length + " bytes do not match a file of " + size + " bytes");
            }
            byte[] digests = new byte[length];
            b.get(digests);
            files.add(new FileSums(size, blockSize, digests, fileError.isEmpty() ? null : fileError));
        }
        return new SumsBatch(id, applied, files, error.isEmpty() ? null : error);
    }

    private static int blockSize(int blockSize) throws CodecException {
        if (blockSize < 4096 || blockSize > 16 * 1024 * 1024) {
            throw new CodecException("block size " + blockSize + " outside 4 KiB .. 16 MiB");
        }
        return blockSize;
    }

    private static Sums sums(ByteBuffer b) throws CodecException {
        long id = b.getLong();
        long applied = nonNegative(b.getLong());
        long size = b.getLong();
        int blockSize = b.getInt();
        String error = text(b, b.getShort() & 0xffff);
        int length = b.getInt();
        if (length < 0 || length > b.remaining() || length % DIGEST_BYTES != 0 || size < -1
                || (size >= 0 && blockSize > 0 && length / DIGEST_BYTES != (size + blockSize - 1) / blockSize)) {
            throw new CodecException("sums of " + length + " bytes do not match a file of " + size + " bytes");
        }
        byte[] digests = new byte[length];
        b.get(digests);
        return new Sums(id, applied, size, blockSize, digests, error.isEmpty() ? null : error);
    }

    /** A growing buffer for frames of variable size. */
    final class Out {
        ByteBuffer b = ByteBuffer.allocate(256);

        void ensure(int more) {
            if (b.remaining() < more) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + more));
                b.flip();
                bigger.put(b);
                b = bigger;
            }
        }

        void text(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > 65_535) {
                throw new IllegalArgumentException("text of " + bytes.length + " bytes is too long for a frame");
            }
            ensure(2 + bytes.length);
            b.putShort((short) bytes.length).put(bytes);
        }

        byte[] bytes() {
            return java.util.Arrays.copyOf(b.array(), b.position());
        }
    }

    private static Ack ack(long applied, long durable) throws CodecException {
        if (durable > applied) {
            throw new CodecException("durable " + durable + " beyond applied " + applied);
        }
        return new Ack(applied, durable);
    }

    private static Ops ops(ByteBuffer b) throws CodecException {
        int count = b.getInt();
        if (count < 0 || count > b.remaining() / 22) {
            throw new CodecException("op count " + count + " does not fit the frame");
        }
        List<SequencedOp> ops = new ArrayList<>(count);
        long previous = -1;
        for (int i = 0; i < count; i++) {
            int size = b.getInt();
            if (size < 0 || size > b.remaining()) {
                throw new CodecException("op size " + size + " runs past the frame");
            }
            SequencedOp op = OpCodec.decode(b.slice(b.position(), size));
            b.position(b.position() + size);
            if (previous >= 0 && op.seq() != previous + 1) {
                throw new CodecException("ops in a batch must be consecutive: " + previous + " then " + op.seq());
            }
            previous = op.lastSeq();
            ops.add(op);
        }
        return new Ops(ops);
    }

    private static String text(ByteBuffer b, int length) throws CodecException {
        if (length < 0 || length > b.remaining() || length > 65_535) {
            throw new CodecException("text length " + length + " runs past the frame");
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        String s = new String(bytes, StandardCharsets.UTF_8);
        if (!java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), bytes)) {
            throw new CodecException("text is not valid UTF-8");
        }
        return s;
    }

    private static long nonNegative(long v) throws CodecException {
        if (v < 0) {
            throw new CodecException("negative sequence " + v);
        }
        return v;
    }
}
