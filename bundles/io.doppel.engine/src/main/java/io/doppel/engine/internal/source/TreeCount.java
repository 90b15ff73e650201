package io.doppel.engine.internal.source;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.function.Predicate;

import io.doppel.api.op.RelPath;
import io.doppel.engine.internal.apply.FileStat;
import io.doppel.engine.internal.apply.NativeDir;

/**
 * What a mirror has to do, for its progress: the entries (a directory itself too) and the bytes of
 * regular files beneath a directory of the source, without following symlinks and without what the
 * replication set excludes (nor anything beneath an excluded directory). Each entry is looked at
 * relative to its directory, held open ({@link NativeDir}); what cannot be looked at that way is
 * counted through the JDK.
 */
final class TreeCount {

    private final Path root;
    private final Predicate<RelPath> included;
    private final Runnable checkStopped;

    /**
     * @param root         the source directory paths are relative to
     * @param included     whether the replication set includes a path
     * @param checkStopped called at each directory; throws to stop the count
     */
    TreeCount(Path root, Predicate<RelPath> included, Runnable checkStopped) {
        this.root = root;
        this.included = included;
        this.checkStopped = checkStopped;
    }

    /** Adds the entries ({@code n[0]}) and bytes ({@code n[1]}) of {@code top} and beneath it, if included. */
    void from(Path top, long[] n) throws IOException {
        RelPath rel = rel(top);
        if (!rel.isRoot() && !included.test(rel)) {
            return;
        }
        try (NativeDir d = NativeDir.open(top)) {
            if (d != null) {
                in(d, rel, n);
                return;
            }
        }
        throughTheJdk(top, n);
    }

    private void in(NativeDir d, RelPath rel, long[] n) throws IOException {
        checkStopped.run();
        List<String> names = d.names();
        if (names == null) {
            throughTheJdk(d.path(), n);
            return;
        }
        n[0]++;
        for (String name : names) {
            RelPath r = rel.resolve(name);
            if (!included.test(r)) {
                continue;
            }
            FileStat st = d.stat(name);
            if (st == null) {
                st = FileStat.of(d.path().resolve(name));
                if (st == null) {
                    continue; // gone meanwhile
                }
            }
            if (st.isDirectory()) {
                try (NativeDir child = d.child(name)) {
                    if (child != null) {
                        in(child, r, n);
                    } else {
                        throughTheJdk(d.path().resolve(name), n);
                    }
                }
            } else {
                n[0]++;
                if (st.isRegularFile()) {
                    n[1] += st.size();
                }
            }
        }
    }

    /** {@link #from}, every entry looked at by its path through the JDK. */
    void throughTheJdk(Path top, long[] n) throws IOException {
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    checkStopped.run();
                    RelPath rel = rel(dir);
                    if (!rel.isRoot() && !included.test(rel)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    n[0]++;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (included.test(rel(file))) {
                        n[0]++;
                        if (attrs.isRegularFile()) {
                            n[1] += attrs.size();
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // gone meanwhile, or unreadable: the walk says which
                }
            });
    }

    private RelPath rel(Path p) {
        Path r = root.relativize(p);
        return r.toString().isEmpty() ? RelPath.ROOT : RelPath.of(r.toString());
    }
}
