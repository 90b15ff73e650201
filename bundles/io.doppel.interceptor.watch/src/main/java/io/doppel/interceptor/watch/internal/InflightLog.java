package io.doppel.interceptor.watch.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a round was doing when the agent stopped, so that the next start re-emits its changes in a
 * form the target accepts whatever part of them it already holds.
 *
 * <p>Before a round's first op, {@code inflight.log} lists every non-directory name the round
 * touches (final names and temporary names: {@code U}) and every directory whose attributes it sets
 * ({@code A}); it is forced to disk. After each accepted {@code Mkdir} or {@code Rmdir} (the two ops
 * whose repetition the target refuses and that have no repeatable form) a record ({@code M},
 * {@code R}) is appended and forced. Once the round's snapshot is saved the log is deleted. A log
 * left behind by a finished round is harmless: recovery from it only sends a little data again.
 */
final class InflightLog implements AutoCloseable {

    static final String FILE = "inflight.log";
    private static final byte UNCERTAIN = 'U';
    private static final byte ATTRIBUTES = 'A';
    private static final byte MKDIR = 'M';
    private static final byte RMDIR = 'R';

    private final Path file;
    private final FileChannel channel;

    private InflightLog(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Starts a round's log with what it touches, durably. */
    static InflightLog begin(Path stateDir, Set<String> uncertain, Set<String> attributes) throws IOException {
        Files.createDirectories(stateDir);
        Path file = stateDir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            for (String p : uncertain) {
                record(out, UNCERTAIN, p);
            }
            for (String p : attributes) {
                record(out, ATTRIBUTES, p);
            }
            out.flush();
            writeFully(ch, bytes.toByteArray());
            ch.force(true);
            SnapshotStore.forceDirectory(stateDir);
            return new InflightLog(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    void mkdirAccepted(String path) throws IOException {
        append(MKDIR, path);
    }

    void rmdirAccepted(String path) throws IOException {
        append(RMDIR, path);
    }

    /** The round's snapshot is saved: the log is no longer needed. */
    void finish() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private void append(byte tag, String path) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        record(out, tag, path);
        out.flush();
        writeFully(channel, bytes.toByteArray());
        channel.force(false);
    }

    private static void record(DataOutputStream out, byte tag, String path) throws IOException {
        out.writeByte(tag);
        out.writeUTF(path);
    }

    private static void writeFully(FileChannel ch, byte[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /**
     * What the target may hold after the interrupted round described by the log in {@code stateDir},
     * starting from the snapshot saved before it; {@code null} when no round was interrupted.
     */
    static Snapshot recover(Path stateDir, Snapshot saved) throws IOException {
        Set<String> uncertain = new HashSet<>();
        Set<String> attributes = new HashSet<>();
        Set<String> made = new HashSet<>();
        Set<String> removed = new HashSet<>();
        try (InputStream raw = Files.newInputStream(stateDir.resolve(FILE));
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
            while (true) {
                int tag;
                String path;
                try {
                    tag = in.readByte();
                    path = in.readUTF();
                } catch (EOFException | UTFDataFormatException torn) {
                    break; // a record cut short by the crash: its op was not accepted yet
                }
                switch (tag) {
                    case UNCERTAIN -> uncertain.add(path);
                    case ATTRIBUTES -> attributes.add(path);
                    case MKDIR -> made.add(path);
                    case RMDIR -> removed.add(path);
                    default -> throw new IOException(stateDir.resolve(FILE) + " is corrupt (record type " + tag + ")");
                }
            }
        } catch (NoSuchFileException e) {
            return null;
        }
        Snapshot target = saved.copy();
        Map<String, Entry> t = target.entries();
        for (String p : removed) {
            t.remove(p);
        }
        for (String p : made) {
            Entry before = t.get(p);
            t.put(p, before != null && before.isDir() ? before.forcingAttributes()
                    : new Entry(Entry.Kind.DIR, 0, 0, 0, 0, 0, 0, 0, null, null).forcingAttributes());
        }
        for (String p : uncertain) {
            Entry before = t.get(p);
            // a directory the round was to replace is still there unless its Rmdir was recorded
            if (before == null || !before.isDir()) {
                t.put(p, Entry.uncertain());
            }
        }
        for (String p : attributes) {
            Entry before = t.get(p);
            if (before != null && before.isDir()) {
                t.put(p, before.forcingAttributes());
            }
        }
        // the round creates a name only after its directory, so nothing can exist in a missing one
        t.keySet().removeIf(p -> {
            String parent = Snapshot.parentOf(p);
            if (parent.isEmpty()) {
                return false;
            }
            Entry e = t.get(parent);
            return e == null || !e.isDir();
        });
        return target;
    }
}
