package io.doppel.interceptor.watch.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.CaptureRequest;
import io.doppel.api.op.RelPath;

/**
 * The scans of one capture: walk part of the tree, plan, emit, and save the snapshot once the sink
 * has every op of the round. Not thread-safe: one capture thread runs it (tests call it directly).
 */
final class Rounds {

    /** Where a test stops the agent as a crash would (between the sink's acceptance and the save). */
    interface CrashPoint {
        void reached(String where);

        CrashPoint NONE = where -> {
        };
    }

    /** Prefix of the temporary names files and symlinks are created under on the target. */
    static final String TEMP_PREFIX = ".doppel-new-";
    private static final Logger LOG = LoggerFactory.getLogger(Rounds.class);

    private final Path root;
    private final Path stateDir;
    private final SnapshotStore store;
    private final Walker walker;
    private final Planner planner;
    private final Emitter emitter;
    private final CrashPoint crash;
    private final int blockSize;
    private Snapshot target;
    private boolean recovering;

    Rounds(CaptureRequest request, int blockSize, Emitter.Opener opener, Walker.DirectoryListener listener,
            CrashPoint crash) {
        this.root = request.root();
        this.stateDir = request.stateDir();
        this.blockSize = blockSize;
        this.store = new SnapshotStore(stateDir);
        Set<String> warned = new HashSet<>();
        this.walker = new Walker(root, withoutStateDir(request.included(), root, stateDir), listener, warned);
        SecureRandom random = new SecureRandom();
        this.planner = new Planner(() -> {
            byte[] b = new byte[8];
            random.nextBytes(b);
            return TEMP_PREFIX + HexFormat.of().formatHex(b);
        });
        this.emitter = new Emitter(root, blockSize, request.sink(), opener, new HashMap<>(), warned);
        this.crash = crash;
    }

    /** Loads the saved snapshot and, if a round was interrupted, works out what the target may hold. */
    void load() throws IOException {
        Snapshot saved = store.load(blockSize);
        Snapshot recovered = InflightLog.recover(stateDir, saved);
        recovering = recovered != null;
        target = recovering ? recovered : saved;
        if (recovering) {
            LOG.info("{}: the last scan was interrupted; its changes are sent again in a form the target accepts",
                    root);
        }
    }

    /** What the target holds once everything emitted is applied. */
    Snapshot target() {
        return target;
    }

    /**
     * Scans {@code scope} (relative paths, the empty one for the whole tree) and emits the differences.
     *
     * @return the number of ops emitted
     * @throws CaptureException    the sink refused an op (the job stopped)
     * @throws Walker.RootFailure  the root is gone or unreadable
     * @throws IOException         the state directory cannot be written
     */
    int run(Set<String> scope) throws CaptureException, IOException {
        Walker.Result walk = walker.walk(scope);
        Planner.Plan plan = planner.plan(target, scope, walk);
        if (plan.isEmpty()) {
            if (recovering || !plan.next().entries().equals(target.entries())) {
                store.save(plan.next());
                Files.deleteIfExists(stateDir.resolve(InflightLog.FILE));
                recovering = false;
            }
            target = plan.next();
            return 0;
        }
        int emitted;
        try (InflightLog log = InflightLog.begin(stateDir, plan.uncertain(), plan.attributes())) {
            emitted = emitter.run(plan, log);
            crash.reached("accepted");
            store.save(plan.next());
            crash.reached("saved");
            log.finish();
        }
        target = plan.next();
        recovering = false;
        LOG.debug("{}: scan of {} emitted {} ops", root, scope, emitted);
        return emitted;
    }

    /** The state directory may lie under the root; watching it would make every save a change. */
    private static Predicate<RelPath> withoutStateDir(Predicate<RelPath> included, Path root, Path stateDir) {
        Path state = stateDir.toAbsolutePath().normalize();
        Path r = root.toAbsolutePath().normalize();
        if (!state.startsWith(r) || state.equals(r)) {
            return included;
        }
        RelPath excluded = RelPath.of(r.relativize(state).toString().replace('\\', '/'));
        return p -> !excluded.contains(p) && included.test(p);
    }
}
