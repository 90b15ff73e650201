package io.doppel.engine.internal.apply;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persisted applied sequence of one image.
 *
 * <p>The file holds two 48-byte records, written alternately (by the parity of the sequence) with
 * one positional write each, so a torn write can only damage the record being written and the
 * other one still holds the sequence before it. A record is: magic, applied sequence, durable
 * sequence (the last one {@link #markDurable} fsynced), the boot id of the machine when it was
 * written, and a CRC32C of all that.
 *
 * <p>Why the boot id: the applied sequence is written after every op but only fsynced in
 * {@code sync()}. After a process crash the page cache survives, so the newest record is exact.
 * After a power loss the disk may hold a record whose ops never reached the disk, so a record
 * written under an earlier boot is only trusted up to its durable sequence.
 */
final class Cursor implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Cursor.class);

    static final int RECORD = 48;
    private static final byte[] MAGIC = "DPLCUR01".getBytes(StandardCharsets.US_ASCII);
    private static final UUID UNKNOWN_BOOT = new UUID(0, 0);

    private final Path file;
    private final FileChannel channel;
    private final UUID boot;
    private final ByteBuffer buffer = ByteBuffer.allocate(RECORD);
    private long applied;
    private long durable;
    /** The slot holding {@link #applied}; the next advance writes the other one. */
    private int slot;

    private Cursor(Path file, FileChannel channel, UUID boot, long applied, long durable) {
        this.file = file;
        this.channel = channel;
        this.boot = boot;
        this.applied = applied;
        this.durable = durable;
    }

    /** Opens (or creates at 0) the cursor file, refusing a damaged one with a readable message. */
    static Cursor open(Path file) throws IOException {
        UUID boot = currentBoot();
        boolean existed = Files.exists(file);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            long applied = 0;
            long durable = 0;
            if (existed) {
                long[] found = read(file, ch, boot);
                applied = found[0];
                durable = found[1];
            }
            Cursor cursor = new Cursor(file, ch, boot, applied, durable);
            // both slots now say the same thing under this boot, so no stale slot can win later
            cursor.writeSlot(0, applied);
            cursor.writeSlot(1, applied);
            ch.force(true);
            return cursor;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static long[] read(Path file, FileChannel ch, UUID boot) throws IOException {
        long size = ch.size();
        if (size != 2 * RECORD) {
            throw new IOException("cursor file " + file + " is " + size + " bytes instead of " + 2 * RECORD
                    + ": it is damaged or not a Doppel cursor; restore it, or delete it and resync the image");
        }
        long[] best = null;
        for (int slot = 0; slot < 2; slot++) {
            ByteBuffer b = ByteBuffer.allocate(RECORD);
            while (b.hasRemaining() && ch.read(b, slot * (long) RECORD + b.position()) >= 0) {
                // read fully
            }
            long[] rec = decode(b.array());
            if (rec == null) {
                LOG.warn("Cursor {}: record {} is torn or damaged; using the other one", file, slot);
            } else if (best == null || rec[0] > best[0]) {
                best = rec;
            }
        }
        if (best == null) {
            throw new IOException("cursor file " + file + " is damaged (neither record passes its checksum);"
                    + " restore it, or delete it and resync the image");
        }
        UUID written = new UUID(best[2], best[3]);
        if (written.equals(boot) || boot.equals(UNKNOWN_BOOT)) {
            return new long[] {best[0], best[1]};
        }
        if (best[0] != best[1]) {
            LOG.warn("Cursor {}: the machine restarted since op {} was applied but only op {} was synced;"
                    + " resuming after op {} and re-applying the rest", file, best[0], best[1], best[1]);
        }
        return new long[] {best[1], best[1]};
    }

    /** {applied, durable, bootHi, bootLo}, or null if the record is not valid. */
    private static long[] decode(byte[] rec) {
        ByteBuffer b = ByteBuffer.wrap(rec);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        long applied = b.getLong();
        long durable = b.getLong();
        long hi = b.getLong();
        long lo = b.getLong();
        long crc = b.getLong();
        if (!java.util.Arrays.equals(magic, MAGIC) || crc != crc(rec) || applied < 0 || durable < 0
                || durable > applied) {
            return null;
        }
        return new long[] {applied, durable, hi, lo};
    }

    private static long crc(byte[] rec) {
        CRC32C crc = new CRC32C();
        crc.update(rec, 0, RECORD - Long.BYTES);
        return crc.getValue();
    }

    long applied() {
        return applied;
    }

    long durable() {
        return durable;
    }

    Path file() {
        return file;
    }

    /**
     * Records that op {@code seq} is applied (one positional write, no fsync). Slots alternate, not
     * by the parity of the sequence: a run of ops may move the cursor by more than one.
     */
    void advance(long seq) throws IOException {
        writeSlot(1 - slot, seq);
        slot = 1 - slot;
        applied = seq;
    }

    /** Records that everything applied so far is on disk, and makes that record durable too. */
    void markDurable() throws IOException {
        markDurable(applied);
    }

    /** Records that everything up to {@code seq} (at most the applied sequence) is on disk, durably. */
    void markDurable(long seq) throws IOException {
        long was = durable;
        durable = Math.max(durable, Math.min(seq, applied));
        try {
            writeSlot(slot, applied);
            channel.force(false);
        } catch (IOException e) {
            durable = was;
            throw e;
        }
    }

    private void writeSlot(int slot, long seq) throws IOException {
        buffer.clear();
        buffer.put(MAGIC).putLong(seq).putLong(Math.min(durable, seq))
                .putLong(boot.getMostSignificantBits()).putLong(boot.getLeastSignificantBits());
        buffer.putLong(crc(buffer.array()));
        buffer.flip();
        long at = slot * (long) RECORD;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** The kernel's boot id on Linux; a constant elsewhere (then the newest record is trusted). */
    private static UUID currentBoot() {
        try {
            return UUID.fromString(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim());
        } catch (IOException | RuntimeException e) {
            return UNKNOWN_BOOT;
        }
    }
}
