package io.doppel.interceptor.watch.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.CaptureRequest;
import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/** A source tree, a mirror the ops are applied to, and the watcher's state directory. */
final class Fixture {

    static final int BLOCK = 65536;

    final Path src;
    final Path mirror;
    final Path state;
    final List<String> entered = new ArrayList<>();
    Predicate<RelPath> included = p -> true;
    Emitter.Opener opener = Emitter.Opener.NIO;
    Rounds.CrashPoint crash = Rounds.CrashPoint.NONE;
    RecordingSink sink;
    Rounds rounds;

    Fixture(Path base) throws IOException {
        src = Files.createDirectories(base.resolve("src"));
        mirror = Files.createDirectories(base.resolve("mirror"));
        state = base.resolve("state");
    }

    /** Starts the watcher as an agent start would: a fresh instance on the saved state. */
    Fixture start() throws IOException {
        sink = new RecordingSink(new MirrorApplier(mirror));
        rounds = new Rounds(new CaptureRequest("test", src, p -> included.test(p), sink, state), BLOCK,
                p -> opener.open(p), (rel, dir) -> entered.add(rel), where -> crash.reached(where));
        rounds.load();
        return this;
    }

    /** Runs a full scan and returns the ops it emitted. */
    List<Op> scan() throws IOException, CaptureException {
        int before = sink.size();
        rounds.run(Set.of(""));
        return sink.since(before);
    }

    Path write(String rel, byte[] data) throws IOException {
        Path p = src.resolve(rel);
        Files.createDirectories(p.getParent());
        return Files.write(p, data);
    }

    void assertMirrored() {
        Trees.assertSameTree(src, mirror, true);
    }

    static <T extends Op> List<T> only(List<Op> ops, Class<T> type) {
        return ops.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
