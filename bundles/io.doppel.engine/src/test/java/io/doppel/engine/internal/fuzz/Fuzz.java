package io.doppel.engine.internal.fuzz;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded, property-style fuzzing for the decoders: how many inputs a run feeds, and structured
 * mutations of valid inputs (bit flips, length-field edits, truncation, splicing, duplication,
 * insertion). A failure names its seed and input number, so it replays exactly.
 *
 * <p>The number of inputs is the system property {@value #INPUTS}: unset, each target keeps the
 * count CI runs; {@code -Ddoppel.fuzz.inputs=1000000} is the full run (docs/RELIABILITY.md).
 */
public final class Fuzz {

    public static final String INPUTS = "doppel.fuzz.inputs";
    public static final String SEED = "doppel.fuzz.seed";

    private static final int[] INTERESTING = {0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
        0x7fffffff, 0x80000000, 0xffffffff, 32 * 1024 * 1024, 32 * 1024 * 1024 + 1, 32 * 1024 * 1024 + 2};

    private Fuzz() {
    }

    /** Inputs this run feeds a target: the property if set, else the target's CI count. */
    public static int inputs(int ciCount) {
        String value = System.getProperty(INPUTS);
        if (value == null || value.isBlank()) {
            return ciCount;
        }
        int n = Integer.parseInt(value.strip().replace("_", ""));
        if (n < 1) {
            throw new IllegalArgumentException(INPUTS + " must be at least 1, not " + n);
        }
        return n;
    }

    /** The seed of a target: its fixed CI seed unless {@value #SEED} asks for another run. */
    public static long seed(long ciSeed) {
        String value = System.getProperty(SEED);
        return value == null || value.isBlank() ? ciSeed : ciSeed ^ Long.parseLong(value.strip());
    }

    /** Random bytes of a random length up to {@code max}. */
    public static byte[] random(Random r, int max) {
        byte[] b = new byte[r.nextInt(max + 1)];
        r.nextBytes(b);
        return b;
    }

    /**
     * One to three structured mutations of a copy of one of {@code valid}; {@code keep} leading
     * bytes (e.g. a frame's type) are left alone by most mutations.
     */
    public static byte[] mutate(Random r, List<byte[]> valid, int keep) {
        byte[] b = valid.get(r.nextInt(valid.size())).clone();
        int rounds = 1 + r.nextInt(3);
        for (int i = 0; i < rounds; i++) {
            b = mutateOnce(r, b, valid, keep);
        }
        return b;
    }

    private static byte[] mutateOnce(Random r, byte[] b, List<byte[]> valid, int keep) {
        int free = b.length - keep;
        switch (r.nextInt(8)) {
            case 0, 1 -> { // bit flips
                if (free > 0) {
                    b[keep + r.nextInt(free)] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 2 -> { // a length field (u16 or u32, big-endian) set to an interesting or nearby value
                int width = r.nextBoolean() ? 2 : 4;
                if (free >= width) {
                    int at = keep + r.nextInt(free - width + 1);
                    int value = r.nextInt(3) == 0 ? readField(b, at, width) + r.nextInt(5) - 2
                            : INTERESTING[r.nextInt(INTERESTING.length)];
                    writeField(b, at, width, value);
                }
                return b;
            }
            case 3 -> { // truncation
                return Arrays.copyOf(b, keep + (free > 0 ? r.nextInt(free) : 0));
            }
            case 4 -> { // splice: a prefix of this with a suffix of another valid input
                byte[] other = valid.get(r.nextInt(valid.size()));
                int cut = keep + (free > 0 ? r.nextInt(free + 1) : 0);
                int from = r.nextInt(other.length + 1);
                byte[] s = Arrays.copyOf(b, cut + other.length - from);
                System.arraycopy(other, from, s, cut, other.length - from);
                return s;
            }
            case 5 -> { // a chunk duplicated in place
                if (free > 0) {
                    int at = keep + r.nextInt(free);
                    int len = 1 + r.nextInt(Math.min(free - (at - keep), 16));
                    byte[] s = new byte[b.length + len];
                    System.arraycopy(b, 0, s, 0, at + len);
                    System.arraycopy(b, at, s, at + len, b.length - at);
                    return s;
                }
                return b;
            }
            case 6 -> { // random bytes inserted
                int at = keep + (free > 0 ? r.nextInt(free + 1) : 0);
                byte[] ins = random(r, 8);
                byte[] s = new byte[b.length + ins.length];
                System.arraycopy(b, 0, s, 0, at);
                System.arraycopy(ins, 0, s, at, ins.length);
                System.arraycopy(b, at, s, at + ins.length, b.length - at);
                return s;
            }
            default -> { // a byte set to an interesting value
                if (free > 0) {
                    b[keep + r.nextInt(free)] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
                }
                return b;
            }
        }
    }

    private static int readField(byte[] b, int at, int width) {
        int v = 0;
        for (int i = 0; i < width; i++) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    private static void writeField(byte[] b, int at, int width, int value) {
        for (int i = width - 1; i >= 0; i--) {
            b[at + i] = (byte) value;
            value >>>= 8;
        }
    }

    /** Prints what a fuzz target did, so the full run's numbers can be recorded. */
    public static void report(String target, long inputs, long accepted, long startNanos) {
        report(target, inputs, accepted, "decoded as valid", startNanos);
    }

    /** As {@link #report(String, long, long, long)}, saying what the accepted inputs were. */
    public static void report(String target, long inputs, long accepted, String acceptedAs, long startNanos) {
        System.out.printf("fuzz %s: %,d inputs (%,d %s) in %.1f s%n", target, inputs, accepted, acceptedAs,
                (System.nanoTime() - startNanos) / 1e9);
    }
}
