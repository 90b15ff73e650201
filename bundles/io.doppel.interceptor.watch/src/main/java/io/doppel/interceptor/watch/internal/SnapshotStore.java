package io.doppel.interceptor.watch.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The snapshot on disk: {@code snapshot.bin.gz} in the job's state directory, gzip'd binary, written
 * to a temporary file, forced to disk and renamed over the old one, so a crash leaves either the
 * old or the new snapshot and never half of one.
 */
final class SnapshotStore {

    static final String FILE = "snapshot.bin.gz";
    private static final int MAGIC = 0x44505753; // "DPWS"
    private static final int VERSION = 1;

    private final Path dir;

    SnapshotStore(Path stateDir) {
        this.dir = stateDir;
    }

    /**
     * The saved snapshot, or an empty one for a new job. A snapshot saved with another block size
     * keeps its entries but forgets their hashes (every block of a changed file is sent again).
     */
    Snapshot load(int blockSize) throws IOException {
        Path file = dir.resolve(FILE);
        Snapshot result = new Snapshot(blockSize);
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw), 1 << 16))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new IOException(file + " is not a watch snapshot of version " + VERSION);
            }
            boolean sameBlocks = in.readInt() == blockSize;
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String path = in.readUTF();
                Entry e = readEntry(in);
                result.entries().put(path, sameBlocks ? e : e.withHashes(null));
            }
        } catch (NoSuchFileException e) {
            return result;
        } catch (EOFException e) {
            throw new IOException(file + " is truncated", e);
        }
        return result;
    }

    void save(Snapshot snapshot) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream raw = Channels.newOutputStream(ch);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new GZIPOutputStream(raw, 1 << 16), 1 << 16));
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(snapshot.blockSize());
            out.writeInt(snapshot.entries().size());
            for (Map.Entry<String, Entry> e : snapshot.entries().entrySet()) {
                out.writeUTF(e.getKey());
                writeEntry(out, e.getValue());
            }
            out.flush();
            out.close(); // finishes the gzip trailer; the channel is closed by try as well
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(dir);
    }

    /** Makes a rename in {@code dir} durable where the platform allows it (not on Windows). */
    static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open a directory as a channel; its renames are journaled by NTFS
        }
    }

    private static void writeEntry(DataOutputStream out, Entry e) throws IOException {
        out.writeByte(e.kind().ordinal());
        out.writeLong(e.size());
        out.writeLong(e.mtimeNanos());
        out.writeLong(e.ctimeNanos());
        out.writeLong(e.ino());
        out.writeInt(e.mode());
        out.writeInt(e.uid());
        out.writeInt(e.gid());
        out.writeBoolean(e.linkTarget() != null);
        if (e.linkTarget() != null) {
            out.writeUTF(e.linkTarget());
        }
        long[] h = e.hashes();
        out.writeInt(h == null ? -1 : h.length);
        if (h != null) {
            for (long v : h) {
                out.writeLong(v);
            }
        }
    }

    private static Entry readEntry(DataInputStream in) throws IOException {
        int kind = in.readByte();
        if (kind < 0 || kind >= Entry.Kind.values().length) {
            throw new IOException("corrupt snapshot: entry kind " + kind);
        }
        long size = in.readLong();
        long mtime = in.readLong();
        long ctime = in.readLong();
        long ino = in.readLong();
        int mode = in.readInt();
        int uid = in.readInt();
        int gid = in.readInt();
        String target = in.readBoolean() ? in.readUTF() : null;
        int n = in.readInt();
        if (n < -1 || n > (1 << 28)) {
            throw new IOException("corrupt snapshot: " + n + " hashes");
        }
        long[] hashes = null;
        if (n >= 0) {
            hashes = new long[n];
            for (int i = 0; i < n; i++) {
                hashes[i] = in.readLong();
            }
        }
        return new Entry(Entry.Kind.values()[kind], size, mtime, ctime, ino, mode, uid, gid, target, hashes);
    }
}
