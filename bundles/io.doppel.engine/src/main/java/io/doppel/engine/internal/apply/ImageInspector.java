package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.doppel.api.op.RelPath;

/**
 * Read-only questions about an image, asked by a source that mirrors into it: what a directory
 * holds, and the block checksums of a file. Confined like the applier (no symlink inside the image
 * is followed). Runs beside the applier; an answer reflects the image at some moment while it was
 * being taken.
 */
public final class ImageInspector {

    /**
     * An entry of a directory listing. Type: {@code f}ile, {@code d}irectory, sym{@code l}ink, {@code o}ther;
     * {@code xattrs}: the {@link XattrDigest} of its {@code user.*} extended attributes.
     */
    public record Entry(String name, char type, int mode, int uid, int gid, long size, long mtimeNanos,
            String linkTarget, int nlink, long inode, long xattrs) { }

    /** A page of a directory's entries in name order; {@code exists} is false if it is no directory. */
    public record Page(boolean exists, List<Entry> entries, boolean more) { }

    /** A file's size and block digests ({@code size == -1}: not a regular file in the image). */
    public record BlockSums(long size, byte[] digests) { }

    private final Confined confined;

    ImageInspector(Confined confined) {
        this.confined = confined;
    }

    /** The entries of directory {@code dir} whose names sort after {@code after} ("" for all), at most {@code max}. */
    public Page list(RelPath dir, String after, int max) throws IOException {
        try (NativeDir d = NativeDir.openBeneath(confined.root(), dir)) {
            Page page = d == null ? null : list(d, after, max);
            if (page != null) {
                return page;
            }
        }
        Path p = resolve(dir);
        if (p == null || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return new Page(false, List.of(), false);
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
            for (Path e : entries) {
                names.add(e.getFileName().toString());
            }
        }
        return page(names, after, max, name -> entry(p.resolve(name), name));
    }

    /** How a listing describes one of its names: the entry, or null if it went away meanwhile. */
    private interface Describe {
        Entry of(String name) throws IOException;
    }

    /** The page of {@code names} (in no order) after {@code after}, at most {@code max}, each described. */
    private static Page page(List<String> names, String after, int max, Describe describe) throws IOException {
        List<String> wanted = new ArrayList<>(names.size());
        for (String name : names) {
            if (name.compareTo(after) > 0) {
                wanted.add(name);
            }
        }
        wanted.sort(null);
        boolean more = wanted.size() > max;
        List<Entry> out = new ArrayList<>(Math.min(wanted.size(), max));
        for (String name : wanted.subList(0, Math.min(max, wanted.size()))) {
            Entry e = describe.of(name);
            if (e != null) {
                out.add(e);
            }
        }
        return new Page(true, out, more);
    }

    /** {@link #list(RelPath, String, int)} through a directory held open; null if it cannot be listed that way. */
    private static Page list(NativeDir d, String after, int max) throws IOException {
        List<String> all = d.names();
        return all == null ? null : page(all, after, max, name -> entry(d, name));
    }

    /** {@link #entry(Path, String)}, relative to the directory held open where it can be. */
    private static Entry entry(NativeDir d, String name) throws IOException {
        FileStat a = d.stat(name);
        if (a == null) {
            return entry(d.path().resolve(name), name);
        }
        char type = a.type();
        String link = "";
        if (type == 'l') {
            link = d.readLink(name);
            if (link == null) {
                return entry(d.path().resolve(name), name);
            }
        }
        long xattrs = 0;
        if (type == 'f' || type == 'd') {
            Long x = d.xattrDigest(name);
            xattrs = x != null ? x : XattrDigest.of(d.path().resolve(name));
        }
        return new Entry(name, type, a.permissions(), a.uid(), a.gid(), a.size(), a.mtimeNanos(), link, a.nlink(),
                a.inode(), xattrs);
    }

    /** Describes one path in the image, or {@code null} if nothing is there. */
    public Entry stat(RelPath path) throws IOException {
        Path p = resolve(path);
        return p == null ? null : entry(p, path.name());
    }

    /**
     * The size of the image file {@code file} and a {@code digestBytes} digest of each block of
     * {@code blockSize} bytes (the last one may be shorter).
     */
    public BlockSums sums(RelPath file, int blockSize, int digestBytes, BlockHash hash) throws IOException {
        return sumsAt(resolve(file), blockSize, digestBytes, hash);
    }

    private static BlockSums sumsAt(Path p, int blockSize, int digestBytes, BlockHash hash) throws IOException {
        java.nio.file.attribute.BasicFileAttributes a = null;
        try {
            a = p == null ? null : Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            // gone, or a component is no directory: no regular file there, as Files.isRegularFile says
        }
        if (a == null || !a.isRegularFile()) {
            return new BlockSums(-1, new byte[0]);
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return new BlockSums(a.size(), hash.of(ch, a.size(), blockSize, digestBytes));
        }
    }

    /**
     * Questions of one batch, answered one after the other at one moment: the parent directory of
     * consecutive files is resolved once (a walk asks for the files of a directory together), not
     * component by component for each file. Not thread-safe; one per batch.
     */
    public Batch batch(BlockHash hash) {
        return new Batch(hash);
    }

    /** See {@link #batch(BlockHash)}; closed when the batch is answered (it may hold a directory open). */
    public final class Batch implements AutoCloseable {
        private RelPath parent;
        /** The checked directory {@link #parent} names, or null if it is none (missing, a symlink, a file). */
        private Path parentDir;
        /** {@link #parent} held open, or null (not opened yet, or not openable that way). */
        private NativeDir held;
        private boolean looked;
        private final BlockHash hash;

        private Batch(BlockHash hash) {
            this.hash = hash;
        }

        /** {@link ImageInspector#sums}, for a file of this batch. */
        public BlockSums sums(RelPath file, int blockSize, int digestBytes) throws IOException {
            if (file.isRoot()) {
                return new BlockSums(-1, new byte[0]);
            }
            RelPath dir = file.parent();
            if (!dir.equals(parent)) {
                close();
                parent = dir;
                parentDir = null;
                looked = false;
                held = NativeDir.openBeneath(confined.root(), dir);
            }
            if (held != null) {
                NativeDir.Digested d = held.digests(file.name(), -1, blockSize, digestBytes, hash);
                if (d != null) {
                    return new BlockSums(d.size(), d.digests());
                }
            }
            if (!looked) {
                looked = true;
                parentDir = directory(dir);
            }
            if (parentDir == null) {
                return new BlockSums(-1, new byte[0]);
            }
            Path p;
            try {
                p = Confined.component("inspect", file, parentDir, file.name());
            } catch (ApplyException e) {
                return new BlockSums(-1, new byte[0]);
            }
            return sumsAt(p, blockSize, digestBytes, hash);
        }

        @Override
        public void close() {
            if (held != null) {
                held.close();
                held = null;
            }
        }

        /** The image directory {@code dir}, checked to be one and no symlink, or null. */
        private Path directory(RelPath dir) throws IOException {
            Path p = resolve(dir);
            if (p == null) {
                return null;
            }
            java.nio.file.attribute.BasicFileAttributes a = Confined.lstat(p);
            return a != null && a.isDirectory() ? p : null;
        }
    }

    /** A piece of a file: its size ({@code -1}: not a regular file in the image) and the bytes read. */
    public record Chunk(long size, byte[] data) { }

    /** Up to {@code length} bytes of the image file {@code file} from {@code offset} (fewer at its end). */
    public Chunk read(RelPath file, long offset, int length) throws IOException {
        Path p = resolve(file);
        if (p == null || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return new Chunk(-1, new byte[0]);
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            int n = (int) Math.max(0, Math.min(length, size - offset));
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    break; // it shrank while read: what was there
                }
            }
            return new Chunk(size, b.position() == n ? b.array() : java.util.Arrays.copyOf(b.array(), b.position()));
        }
    }

    /**
     * The {@code user.*} extended attributes of the image entry {@code path} (names with their prefix),
     * or {@code null} if there is no such entry. Symlinks have none.
     */
    public Map<String, byte[]> xattrs(RelPath path) throws IOException {
        Path p = resolve(path);
        if (p == null || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        Map<String, byte[]> values = new java.util.TreeMap<>();
        if (Files.isSymbolicLink(p)) {
            return values;
        }
        java.nio.file.attribute.UserDefinedFileAttributeView view = Files.getFileAttributeView(p,
                java.nio.file.attribute.UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return values;
        }
        try {
            for (String name : view.list()) {
                ByteBuffer b = ByteBuffer.allocate(view.size(name));
                view.read(name, b);
                values.put("user." + name, java.util.Arrays.copyOf(b.array(), b.position()));
            }
        } catch (UnsupportedOperationException e) {
            return values;
        }
        return values;
    }

    private Path resolve(RelPath path) throws IOException {
        try {
            return path.isRoot() ? confined.root() : confined.resolve("inspect", path);
        } catch (ApplyException e) {
            return null; // a parent is missing, not a directory, or a symlink: nothing to list there
        }
    }

    private static Entry entry(Path p, String name) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,nlink,ino", LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        int mode = (Integer) a.get("mode");
        char type = typeOf(mode);
        String link = type == 'l' ? Files.readSymbolicLink(p).toString() : "";
        return new Entry(name, type, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), (Long) a.get("size"),
                nanos((FileTime) a.get("lastModifiedTime")), link, (Integer) a.get("nlink"), (Long) a.get("ino"),
                type == 'f' || type == 'd' ? XattrDigest.of(p) : 0);
    }

    /** The entry type of a full Unix mode: {@code f}ile, {@code d}irectory, sym{@code l}ink, {@code o}ther. */
    public static char typeOf(int mode) {
        return switch (mode & 0170000) {
            case 0100000 -> 'f';
            case 0040000 -> 'd';
            case 0120000 -> 'l';
            default -> 'o';
        };
    }

    static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }

    /**
     * A digest of the {@code user.*} extended attributes of a file or directory (names and values,
     * in name order), shared by the source and the target to compare them; 0 when there are none.
     */
    public static final class XattrDigest {
        private XattrDigest() {
        }

        public static long of(Path p) {
            List<NativeXattrs.Attribute> attributes = NativeXattrs.userAttributes(p);
            return attributes != null ? digest(attributes) : throughTheJdk(p);
        }

        /** The same digest, the attributes read through a descriptor the JDK opens for them. */
        static long throughTheJdk(Path p) {
            java.nio.file.attribute.UserDefinedFileAttributeView view = Files.getFileAttributeView(p,
                    java.nio.file.attribute.UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (view == null) {
                return 0;
            }
            try {
                List<NativeXattrs.Attribute> attributes = new ArrayList<>();
                for (String name : view.list()) {
                    ByteBuffer b = ByteBuffer.allocate(view.size(name));
                    view.read(name, b);
                    attributes.add(new NativeXattrs.Attribute(name, Arrays.copyOf(b.array(), b.position())));
                }
                return digest(attributes);
            } catch (IOException | UnsupportedOperationException e) {
                return 0;
            }
        }

        static long digest(List<NativeXattrs.Attribute> attributes) {
            if (attributes.isEmpty()) {
                return 0;
            }
            List<NativeXattrs.Attribute> sorted = new ArrayList<>(attributes);
            sorted.sort(java.util.Comparator.comparing(NativeXattrs.Attribute::name));
            var md = BlockHash.sha256();
            for (NativeXattrs.Attribute a : sorted) {
                md.update(a.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(ByteBuffer.allocate(4).putInt(a.value().length).array());
                md.update(a.value());
            }
            long d = ByteBuffer.wrap(md.digest()).getLong();
            return d == 0 ? 1 : d;
        }
    }
}
