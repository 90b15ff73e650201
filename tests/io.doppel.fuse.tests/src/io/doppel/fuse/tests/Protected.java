package io.doppel.fuse.tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

import io.doppel.api.capture.Availability;
import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.CaptureRequest;
import io.doppel.api.capture.OpSink;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.ApplyException;
import io.doppel.engine.internal.apply.ImageApplier;
import io.doppel.interceptor.linux.fuse.internal.FuseCapture;
import io.doppel.interceptor.linux.fuse.internal.FuseInterceptor;

/**
 * A directory protected by the FUSE interceptor, whose ops are applied at once, in order, to an
 * image by the engine's own applier: the target, without the network in between.
 */
final class Protected implements AutoCloseable {

    final Path dir;
    final Path image;
    final FuseCapture capture;
    final ImageApplier applier;
    final List<String> applyErrors = new ArrayList<>();
    final Map<String, Integer> kinds = new TreeMap<>();
    /** Ops the engine's applier cannot apply yet (xattrs outside user.*, ACLs among them), kept out of the image. */
    final List<Op> unapplied = new ArrayList<>();
    private long seq;

    Protected(Path dir, Path image, Path state, Predicate<RelPath> included) throws IOException, CaptureException {
        this(dir, image, state, included, new FuseCapture.Settings(4, 10, 30_000));
    }

    Protected(Path dir, Path image, Path state, Predicate<RelPath> included, FuseCapture.Settings settings)
            throws IOException, CaptureException {
        this.dir = dir;
        this.image = image;
        Files.createDirectories(dir);
        Files.createDirectories(image);
        Files.createDirectories(state.resolve("capture"));
        applier = ImageApplier.open(image, state.resolve("applier"));
        OpSink sink = new OpSink() {
            @Override
            public synchronized long accept(Op op) {
                kinds.merge(op.kind(), 1, Integer::sum);
                if (op instanceof Op.SetXattr x && !x.name().startsWith("user.")
                        || op instanceof Op.RemoveXattr r && !r.name().startsWith("user.")) {
                    unapplied.add(op);
                    return seq;
                }
                seq++;
                try {
                    applier.apply(seq, op);
                } catch (ApplyException e) {
                    applyErrors.add(seq + " " + op + ": " + e.getMessage());
                }
                return seq;
            }

            @Override
            public CompletionStage<Long> acceptAndWait(Op op) {
                return CompletableFuture.completedFuture(accept(op));
            }
        };
        capture = (FuseCapture) new FuseInterceptor(settings)
                .start(new CaptureRequest("test", dir, included, sink, state.resolve("capture")));
    }

    static Availability availability() {
        return FuseInterceptor.check();
    }

    @Override
    public void close() throws IOException {
        capture.close();
        applier.close();
    }
}
