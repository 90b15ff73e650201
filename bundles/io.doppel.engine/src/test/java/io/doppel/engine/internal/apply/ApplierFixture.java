package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/** Shared helpers: an applier on a temporary image, and short op constructors. */
abstract class ApplierFixture {

    static RelPath p(String path) {
        return RelPath.of(path);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Op.Create create(String path) {
        return new Op.Create(p(path), 0644, Op.NO_OWNER, Op.NO_OWNER);
    }

    static Op.Write write(String path, long offset, String data) {
        return new Op.Write(p(path), offset, bytes(data));
    }

    static Op.Mkdir mkdir(String path) {
        return new Op.Mkdir(p(path), 0755, Op.NO_OWNER, Op.NO_OWNER);
    }

    static Op.Rename rename(String from, String to, Op.RenameMode mode) {
        return new Op.Rename(p(from), p(to), mode);
    }

    /** Applies ops with the sequence numbers after the applier's current one. */
    static void applyAll(ImageApplier applier, Op... ops) throws ApplyException {
        for (Op op : ops) {
            applier.apply(applier.appliedSequence() + 1, op);
        }
    }

    /** A fresh image and state directory under {@code dir}, with ops applied once, closed again. */
    static Path reference(Path dir, java.util.List<Op> ops) throws IOException, ApplyException {
        Path image = dir.resolve("image");
        try (ImageApplier applier = ImageApplier.open(image, dir.resolve("state"))) {
            for (Op op : ops) {
                applier.apply(applier.appliedSequence() + 1, op);
            }
        }
        return image;
    }
}
