package io.doppel.engine.internal.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.doppel.api.op.Op;
import io.doppel.api.op.Op.RenameMode;
import io.doppel.engine.internal.apply.ApplyException.Reason;
import io.doppel.engine.internal.fuzz.Fuzz;

/**
 * Thousands of seeded random ops, many of them aimed through symlinks planted towards a sibling
 * "outside" directory, with random crashes, reopens, duplicates and gaps. Afterwards: only
 * {@link ApplyException}s escaped, the outside is untouched down to its ctimes, and the image equals
 * a fresh image given the accepted ops once each.
 */
class RandomOpsTest extends ApplierFixture {

    /** Ops per seed: 3,000 in CI; a third of {@code doppel.fuzz.inputs} in the full run (three seeds). */
    private static final int OPS = Math.max(3000, Fuzz.inputs(9000) / 3);
    private static final String[] NAMES = {"a", "b", "c", "out", "rel", "sec", "d"};
    private static final String[] XATTRS = {"user.x", "user.y", "system.posix_acl_access", "trusted.t", "user."};

    /** Thrown from the crash hook; never caught by the applier. */
    static final class Crash extends Error {
        private static final long serialVersionUID = 1L;
    }

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(longs = {1, 42, 20240229})
    void randomOpsNeverEscapeAndMatchAReferenceImage(long seed) throws Exception {
        Random rnd = new Random(Fuzz.seed(seed));
        long started = System.nanoTime();
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside.resolve("sub"));
        Files.writeString(outside.resolve("secret"), "secret");
        Files.writeString(outside.resolve("sub/deeper"), "deeper");
        Path image = tmp.resolve("image");
        Path state = tmp.resolve("state");
        Files.createDirectories(image.resolve("d"));
        Files.createSymbolicLink(image.resolve("out"), outside);
        Files.createSymbolicLink(image.resolve("rel"), Path.of("../outside"));
        Files.createSymbolicLink(image.resolve("sec"), outside.resolve("secret"));
        Files.createSymbolicLink(image.resolve("d/up"), Path.of("../../outside/sub"));
        // the reference starts from the same planted image
        Path refImage = tmp.resolve("ref-image");
        copyPlanted(image, refImage);
        var outsideBefore = Trees.everything(outside);

        List<Op> accepted = new ArrayList<>();
        Map<Reason, Integer> refusals = new EnumMap<>(Reason.class);
        ImageApplier applier = ImageApplier.open(image, state);
        int crashes = 0;
        Op resend = null;
        for (int i = 0; i < OPS; i++) {
            Op op = resend != null ? resend : randomOp(rnd, outside);
            // an op the cursor does not cover must be sent again until it is applied, whatever comes
            // in between (a duplicate, a gap): dropping it would lose an effect the image may hold
            Op pending = resend;
            resend = null;
            long seq = applier.appliedSequence() + 1;
            double dice = rnd.nextDouble();
            if (dice < 0.01) {
                assertFalse(applier.apply(seq - 1 - rnd.nextInt((int) seq), op), "duplicate applied");
                resend = pending;
                continue;
            }
            if (dice < 0.02) {
                long far = seq + 1 + rnd.nextInt(5);
                ImageApplier current = applier;
                assertEquals(seq, assertThrows(GapException.class, () -> current.apply(far, op)).expected());
                resend = pending;
                continue;
            }
            boolean crashHere = dice < 0.08;
            String[] crashPoint = {null};
            if (crashHere) {
                applier.setCrashHook(point -> {
                    if (crashPoint[0] == null && rnd.nextBoolean()) {
                        crashPoint[0] = point;
                        throw new Crash();
                    }
                });
            }
            try {
                applier.apply(seq, op);
                accepted.add(op);
            } catch (ApplyException e) {
                refusals.merge(e.reason(), 1, Integer::sum);
            } catch (Crash e) {
                crashes++;
                applier.abandon();
                applier = ImageApplier.open(image, state);
                if (applier.appliedSequence() == seq) {
                    accepted.add(op); // the crash came after the effect; recovery counted it
                } else {
                    assertEquals(seq - 1, applier.appliedSequence());
                    resend = op; // the receiver re-sends the op the cursor does not cover
                    continue;
                }
            }
            if (crashHere && crashPoint[0] == null) {
                applier.setCrashHook(CrashHook.NONE);
            }
            if (rnd.nextInt(200) == 0) {
                applier.close();
                applier = ImageApplier.open(image, state);
            } else if (rnd.nextInt(100) == 0) {
                applier.sync();
            }
        }
        applier.close();
        System.out.printf("seed %d: %d applied, %d crashes, refused %s%n", seed, accepted.size(), crashes, refusals);
        Fuzz.report("applier (seed " + seed + ")", OPS, accepted.size(), "applied, the rest refused", started);

        assertEquals(outsideBefore, Trees.everything(outside), "an op changed something outside the image");
        assertTrue(refusals.getOrDefault(Reason.HOSTILE, 0) > 50, "too few hostile ops were tried: " + refusals);
        assertTrue(accepted.size() > OPS / 8, "too few ops applied: " + accepted.size() + ", refusals " + refusals);
        assertTrue(crashes > 10, "too few crashes: " + crashes);
        assertEquals(Set.of("cursor", "intent", "lock"), Set.of(Files.list(state).map(p -> p.getFileName().toString())
                .toArray(String[]::new)), "stray files in the state directory");

        try (ImageApplier ref = ImageApplier.open(refImage, tmp.resolve("ref-state"))) {
            for (Op op : accepted) {
                ref.apply(ref.appliedSequence() + 1, op);
            }
        }
        assertEquals(Trees.content(refImage), Trees.content(image), "crashes and retries changed the outcome");
        assertEquals(outsideBefore, Trees.everything(outside), "the reference run changed the outside");
    }

    private static void copyPlanted(Path image, Path ref) throws java.io.IOException {
        Files.createDirectories(ref.resolve("d"));
        for (String link : List.of("out", "rel", "sec", "d/up")) {
            Files.createSymbolicLink(ref.resolve(link), Files.readSymbolicLink(image.resolve(link)));
        }
    }

    private static Op randomOp(Random rnd, Path outside) {
        String path = randomPath(rnd);
        return switch (rnd.nextInt(18)) {
            case 0, 1 -> new Op.Create(p(path), rnd.nextInt(01000), Op.NO_OWNER, Op.NO_OWNER);
            case 2, 3, 4 -> new Op.Write(p(path), rnd.nextInt(4) == 0 ? rnd.nextInt(1 << 16) : rnd.nextInt(64),
                    randomBytes(rnd));
            case 5 -> new Op.Truncate(p(path), rnd.nextInt(100));
            case 6 -> new Op.Unlink(p(path));
            case 7 -> new Op.Rename(p(path), p(randomPath(rnd)), RenameMode.values()[rnd.nextInt(3)]);
            case 8, 9 -> new Op.Mkdir(p(path), 0700 | rnd.nextInt(01000), Op.NO_OWNER, Op.NO_OWNER);
            case 10 -> new Op.Rmdir(p(path));
            case 11 -> new Op.Symlink(p(path), randomTarget(rnd, outside), Op.NO_OWNER, Op.NO_OWNER);
            case 12 -> new Op.Link(p(path), p(randomPath(rnd)));
            case 13 -> new Op.SetMode(p(path), rnd.nextInt(010000) | 0600);
            case 14 -> new Op.SetTimes(p(path), rnd.nextBoolean() ? Op.TIME_OMIT : rnd.nextLong(1L << 62),
                    rnd.nextLong(1L << 62));
            case 15 -> rnd.nextBoolean() ? new Op.SetXattr(p(path), XATTRS[rnd.nextInt(XATTRS.length)], randomBytes(rnd))
                    : new Op.RemoveXattr(p(path), XATTRS[rnd.nextInt(XATTRS.length)]);
            case 16 -> new Op.Fallocate(p(path), rnd.nextInt(100), 1 + rnd.nextInt(100), rnd.nextBoolean(),
                    rnd.nextBoolean());
            default -> rnd.nextInt(10) == 0 ? new Op.Fsync(p(path))
                    : new Op.SetOwner(p(path), rnd.nextBoolean() ? -1 : rnd.nextInt(3) * 1000, -1);
        };
    }

    private static String randomPath(Random rnd) {
        StringBuilder s = new StringBuilder(NAMES[rnd.nextInt(NAMES.length)]);
        int depth = rnd.nextInt(10) < 6 ? 0 : rnd.nextInt(10) < 7 ? 1 : 2;
        for (int i = 0; i < depth; i++) {
            s.append('/').append(rnd.nextInt(6) == 0 ? "up" : rnd.nextInt(8) == 0 ? "secret" : NAMES[rnd.nextInt(NAMES.length)]);
        }
        return s.toString();
    }

    private static String randomTarget(Random rnd, Path outside) {
        return switch (rnd.nextInt(5)) {
            case 0 -> outside.toString();
            case 1 -> "../outside";
            case 2 -> "../../outside/secret";
            case 3 -> NAMES[rnd.nextInt(NAMES.length)];
            default -> "..";
        };
    }

    private static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(40)];
        rnd.nextBytes(b);
        return b;
    }
}
