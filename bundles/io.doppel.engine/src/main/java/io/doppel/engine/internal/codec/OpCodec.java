package io.doppel.engine.internal.codec;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/**
 * The binary form of a {@link SequencedOp}, used on the wire and in journals:
 *
 * <pre>
 * u8 format (1) | u8 kind | i64 seq | i64 capturedAtMicros | kind-specific fields
 * u8 format (2) | u8 kind | i64 seq | i64 lastSeq | i64 capturedAtMicros | kind-specific fields
 *   (a run of coalesced ops seq..lastSeq; only on the wire, never in a journal)
 * text  = u16 length + UTF-8 bytes (strict: malformed UTF-8 is refused)
 * bytes = i32 length + bytes (0 .. {@value #MAX_DATA_BYTES})
 * </pre>
 *
 * Decoding never trusts a length before checking it against what remains and the limits, and never
 * throws anything but {@link CodecException} for bad input.
 */
public final class OpCodec {

    public static final int FORMAT = 1;
    /** The format of a run of coalesced ops. */
    public static final int RUN_FORMAT = 2;
    /** Added to the format of a lenient op (see {@link SequencedOp#isLenient()}). */
    public static final int LENIENT = 0x80;
    /** Largest payload of one write or xattr. */
    public static final int MAX_DATA_BYTES = 16 * 1024 * 1024;
    private static final int MAX_TEXT_BYTES = 65_535;

    private static final int CREATE = 1, WRITE = 2, TRUNCATE = 3, UNLINK = 4, RENAME = 5, MKDIR = 6, RMDIR = 7,
            SYMLINK = 8, LINK = 9, CHMOD = 10, CHOWN = 11, UTIMENS = 12, SETXATTR = 13, REMOVEXATTR = 14,
            FALLOCATE = 15, FSYNC = 16, ENTRY = 17, REMOVE = 18, MOVE_ASIDE = 19;

    private OpCodec() {
    }

    /** Exact encoded size, so callers can budget memory and frames before encoding. */
    public static int size(SequencedOp s) {
        int n = 2 + 8 + 8 + (s.isRun() ? 8 : 0) + text(s.op().path().value());
        return n + switch (s.op()) {
            case Op.Create c -> 12;
            case Op.Write w -> 8 + 4 + w.data().length;
            case Op.Truncate t -> 8;
            case Op.Unlink u -> 0;
            case Op.Rename r -> text(r.to().value()) + 1;
            case Op.Mkdir m -> 12;
            case Op.Rmdir r -> 0;
            case Op.Symlink l -> text(l.target()) + 8;
            case Op.Link l -> text(l.to().value());
            case Op.SetMode m -> 4;
            case Op.SetOwner o -> 8;
            case Op.SetTimes t -> 16;
            case Op.SetXattr x -> text(x.name()) + 4 + x.value().length;
            case Op.RemoveXattr x -> text(x.name());
            case Op.Fallocate f -> 17;
            case Op.Fsync f -> 0;
            case Op.Entry e -> 1 + (e.linkTarget() == null ? 0 : text(e.linkTarget())) + 12;
            case Op.Remove r -> 0;
            case Op.MoveAside a -> text(a.batch());
        };
    }

    public static byte[] encode(SequencedOp s) {
        ByteBuffer b = ByteBuffer.allocate(size(s));
        encode(s, b);
        return b.array();
    }

    /**
     * Encodes a write op into {@code b} up to its data's length, without the data: the data are
     * the op's last bytes, and a sender may pass them on as the array they are in.
     */
    public static void encodeAllButData(SequencedOp s, ByteBuffer b) {
        if (!(s.op() instanceof Op.Write w)) {
            throw new IllegalArgumentException("only a write op has data to leave out: " + s.op().kind());
        }
        head(s, b);
        b.putLong(w.offset()).putInt(w.data().length);
    }

    private static void head(SequencedOp s, ByteBuffer b) {
        Op op = s.op();
        int lenient = s.lenient() ? LENIENT : 0;
        if (s.isRun()) {
            b.put((byte) (RUN_FORMAT | lenient)).put((byte) kind(op)).putLong(s.seq()).putLong(s.lastSeq());
        } else {
            b.put((byte) (FORMAT | lenient)).put((byte) kind(op)).putLong(s.seq());
        }
        b.putLong(s.capturedAtMicros());
        putText(b, op.path().value());
    }

    /** Encodes into {@code b}, which must have {@link #size} bytes remaining. */
    public static void encode(SequencedOp s, ByteBuffer b) {
        Op op = s.op();
        head(s, b);
        switch (op) {
            case Op.Create c -> b.putInt(c.mode()).putInt(c.uid()).putInt(c.gid());
            case Op.Write w -> b.putLong(w.offset()).putInt(w.data().length).put(w.data());
            case Op.Truncate t -> b.putLong(t.size());
            case Op.Unlink u -> { }
            case Op.Rename r -> {
                putText(b, r.to().value());
                b.put((byte) r.mode().ordinal());
            }
            case Op.Mkdir m -> b.putInt(m.mode()).putInt(m.uid()).putInt(m.gid());
            case Op.Rmdir r -> { }
            case Op.Symlink l -> {
                putText(b, l.target());
                b.putInt(l.uid()).putInt(l.gid());
            }
            case Op.Link l -> putText(b, l.to().value());
            case Op.SetMode m -> b.putInt(m.mode());
            case Op.SetOwner o -> b.putInt(o.uid()).putInt(o.gid());
            case Op.SetTimes t -> b.putLong(t.atimeNanos()).putLong(t.mtimeNanos());
            case Op.SetXattr x -> {
                putText(b, x.name());
                b.putInt(x.value().length).put(x.value());
            }
            case Op.RemoveXattr x -> putText(b, x.name());
            case Op.Fallocate f -> b.putLong(f.offset()).putLong(f.length())
                    .put((byte) ((f.keepSize() ? 1 : 0) | (f.punchHole() ? 2 : 0)));
            case Op.Fsync f -> { }
            case Op.Entry e -> {
                b.put((byte) e.type().ordinal());
                if (e.linkTarget() != null) {
                    putText(b, e.linkTarget());
                }
                b.putInt(e.mode()).putInt(e.uid()).putInt(e.gid());
            }
            case Op.Remove r -> { }
            case Op.MoveAside a -> putText(b, a.batch());
        }
    }

    /** Decodes exactly one op from all of {@code bytes}. */
    public static SequencedOp decode(byte[] bytes) throws CodecException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        SequencedOp s = decode(b);
        if (b.hasRemaining()) {
            throw new CodecException(b.remaining() + " stray bytes after the op");
        }
        return s;
    }

    /** Decodes one op from the buffer's position, leaving the position after it. */
    public static SequencedOp decode(ByteBuffer b) throws CodecException {
        try {
            int flags = b.get() & 0xff;
            boolean lenient = (flags & LENIENT) != 0;
            int format = flags & ~LENIENT;
            if (format != FORMAT && format != RUN_FORMAT) {
                throw new CodecException("unknown op format " + format + " (this build reads formats " + FORMAT
                        + " and " + RUN_FORMAT + ")");
            }
            int kind = b.get() & 0xff;
            long seq = b.getLong();
            long lastSeq = format == RUN_FORMAT ? b.getLong() : seq;
            long captured = b.getLong();
            if (seq < 1) {
                throw new CodecException("sequence number " + seq + " is not positive");
            }
            if (lastSeq <= seq && format == RUN_FORMAT) {
                throw new CodecException("a run of ops " + seq + ".." + lastSeq + " must end after it starts");
            }
            RelPath path = path(b);
            Op op = switch (kind) {
                case CREATE -> new Op.Create(path, b.getInt(), b.getInt(), b.getInt());
                case WRITE -> new Op.Write(path, nonNegative(b.getLong(), "offset"), data(b));
                case TRUNCATE -> new Op.Truncate(path, nonNegative(b.getLong(), "size"));
                case UNLINK -> new Op.Unlink(path);
                case RENAME -> new Op.Rename(path, path(b), renameMode(b.get()));
                case MKDIR -> new Op.Mkdir(path, b.getInt(), b.getInt(), b.getInt());
                case RMDIR -> new Op.Rmdir(path);
                case SYMLINK -> new Op.Symlink(path, nonEmpty(text(b), "symlink target"), b.getInt(), b.getInt());
                case LINK -> new Op.Link(path, path(b));
                case CHMOD -> new Op.SetMode(path, b.getInt());
                case CHOWN -> new Op.SetOwner(path, b.getInt(), b.getInt());
                case UTIMENS -> new Op.SetTimes(path, b.getLong(), b.getLong());
                case SETXATTR -> new Op.SetXattr(path, nonEmpty(text(b), "xattr name"), data(b));
                case REMOVEXATTR -> new Op.RemoveXattr(path, nonEmpty(text(b), "xattr name"));
                case FALLOCATE -> fallocate(path, b);
                case FSYNC -> new Op.Fsync(path);
                case ENTRY -> entry(path, b);
                case REMOVE -> new Op.Remove(path);
                case MOVE_ASIDE -> new Op.MoveAside(path, text(b));
                default -> throw new CodecException("unknown op kind " + kind);
            };
            if (format == RUN_FORMAT && !Coalescer.coalescible(op)) {
                throw new CodecException("a " + op.kind() + " op cannot stand for a run of ops");
            }
            return new SequencedOp(seq, lastSeq, captured, op, lenient);
        } catch (BufferUnderflowException e) {
            throw new CodecException("op is truncated");
        } catch (IllegalArgumentException e) {
            throw new CodecException("invalid op: " + e.getMessage());
        }
    }

    private static Op entry(RelPath path, ByteBuffer b) throws CodecException {
        int t = b.get();
        Op.EntryType[] types = Op.EntryType.values();
        if (t < 0 || t >= types.length) {
            throw new CodecException("unknown entry type " + t);
        }
        Op.EntryType type = types[t];
        String target = type == Op.EntryType.SYMLINK ? nonEmpty(text(b), "symlink target") : null;
        return new Op.Entry(path, type, target, b.getInt(), b.getInt(), b.getInt());
    }

    private static Op fallocate(RelPath path, ByteBuffer b) throws CodecException {
        long offset = nonNegative(b.getLong(), "offset");
        long length = b.getLong();
        if (length <= 0) {
            throw new CodecException("fallocate length " + length + " is not positive");
        }
        int flags = b.get();
        if ((flags & ~3) != 0) {
            throw new CodecException("unknown fallocate flags " + flags);
        }
        return new Op.Fallocate(path, offset, length, (flags & 1) != 0, (flags & 2) != 0);
    }

    private static int kind(Op op) {
        return switch (op) {
            case Op.Create c -> CREATE;
            case Op.Write w -> WRITE;
            case Op.Truncate t -> TRUNCATE;
            case Op.Unlink u -> UNLINK;
            case Op.Rename r -> RENAME;
            case Op.Mkdir m -> MKDIR;
            case Op.Rmdir r -> RMDIR;
            case Op.Symlink l -> SYMLINK;
            case Op.Link l -> LINK;
            case Op.SetMode m -> CHMOD;
            case Op.SetOwner o -> CHOWN;
            case Op.SetTimes t -> UTIMENS;
            case Op.SetXattr x -> SETXATTR;
            case Op.RemoveXattr x -> REMOVEXATTR;
            case Op.Fallocate f -> FALLOCATE;
            case Op.Fsync f -> FSYNC;
            case Op.Entry e -> ENTRY;
            case Op.Remove r -> REMOVE;
            case Op.MoveAside a -> MOVE_ASIDE;
        };
    }

    private static Op.RenameMode renameMode(byte b) throws CodecException {
        Op.RenameMode[] modes = Op.RenameMode.values();
        if (b < 0 || b >= modes.length) {
            throw new CodecException("unknown rename mode " + b);
        }
        return modes[b];
    }

    private static int text(String s) {
        return 2 + s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void putText(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_TEXT_BYTES) {
            throw new IllegalArgumentException("text of " + bytes.length + " bytes is too long to encode");
        }
        b.putShort((short) bytes.length).put(bytes);
    }

    private static String text(ByteBuffer b) throws CodecException {
        int length = b.getShort() & 0xffff;
        if (length > b.remaining()) {
            throw new CodecException("text of " + length + " bytes runs past the end of the op");
        }
        ByteBuffer slice = b.slice(b.position(), length);
        b.position(b.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new CodecException("text is not valid UTF-8");
        }
    }

    private static RelPath path(ByteBuffer b) throws CodecException {
        String value = text(b);
        String problem = RelPath.problemWith(value);
        if (problem != null) {
            throw new CodecException("refused path: " + problem);
        }
        return RelPath.of(value);
    }

    private static byte[] data(ByteBuffer b) throws CodecException {
        int length = b.getInt();
        if (length < 0 || length > MAX_DATA_BYTES || length > b.remaining()) {
            throw new CodecException("data length " + length + " is negative, too large or runs past the end");
        }
        if (b.hasArray()) {
            // copied in one go: the JIT then fills the new array without zeroing it first (a
            // write's data are up to a MiB, and zeroing them was a sixth of the receiving thread)
            int from = b.arrayOffset() + b.position();
            b.position(b.position() + length);
            return java.util.Arrays.copyOfRange(b.array(), from, from + length);
        }
        byte[] data = new byte[length];
        b.get(data);
        return data;
    }

    private static long nonNegative(long v, String what) throws CodecException {
        if (v < 0) {
            throw new CodecException(what + " " + v + " is negative");
        }
        return v;
    }

    private static String nonEmpty(String s, String what) throws CodecException {
        if (s.isEmpty() || s.indexOf('\0') >= 0) {
            throw new CodecException(what + " is empty or contains NUL");
        }
        return s;
    }
}
