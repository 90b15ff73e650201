package io.doppel.fuse.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Integrity under real workloads: tar, git, fio and stress-ng's file system stressors write into a
 * protected directory; afterwards the image rebuilt from the captured ops equals the directory by
 * content and metadata. Bounded so that it fits in CI.
 */
class FuseWorkloadTest {

    private Path base;

    @BeforeEach
    void setUp() throws Exception {
        FuseTesting.requireFuse();
        base = FuseTesting.scratch("workload");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (base != null) {
            FuseTesting.delete(base);
        }
    }

    @Test
    void realWorkloadsReplicateExactly() throws Exception {
        Path tarball = base.resolve("tree.tar");
        Run.of(base, 300, "tar", "cf", tarball.toString(), "-C", "/usr", "include").ok();
        Protected p;
        try (Protected prot = new Protected(Files.createDirectories(base.resolve("protected")),
                base.resolve("image"), base.resolve("state"), path -> true)) {
            p = prot;
            Path d = prot.dir;
            // a large source tree unpacked, then partly overwritten by a second unpack
            Run.of(d, 600, "tar", "xf", tarball.toString()).ok();
            Run.of(d, 600, "tar", "xf", tarball.toString(), "--keep-newer-files", "include/linux").ok();
            // a git repository: commits, a branch, a checkout of the other version, a gc
            Files.createDirectories(d.resolve("repo"));
            Path repo = d.resolve("repo");
            git(repo, "init", "-q", "-b", "main");
            Run.of(repo, 300, "cp", "-r", "/usr/include/linux", "src").ok();
            git(repo, "add", "-A");
            git(repo, "commit", "-q", "-m", "first");
            git(repo, "checkout", "-q", "-b", "other");
            Run.of(repo, 300, "rm", "-rf", "src/netfilter").ok();
            Files.writeString(repo.resolve("src/new.h"), "#define NEW 1\n");
            git(repo, "add", "-A");
            git(repo, "commit", "-q", "-m", "second");
            git(repo, "checkout", "-q", "main");
            git(repo, "gc", "-q");
            // fio: random 4 KiB writes, some with fsync, two jobs at once
            if (Run.installed("fio")) {
                Run.of(d, 600, "fio", "--name=rand", "--directory=" + d, "--rw=randwrite", "--bs=4k", "--size=16m",
                        "--numjobs=2", "--fsync=32", "--ioengine=psync", "--randrepeat=0").ok();
            }
            // stress-ng's file system stressors, bounded
            if (Run.installed("stress-ng")) {
                Files.createDirectories(d.resolve("stress"));
                Run.of(d.resolve("stress"), 600, "stress-ng", "--temp-path", d.resolve("stress").toString(),
                        "--dentry", "1", "--dentry-ops", "2000", "--dir", "1", "--dir-ops", "2000",
                        "--link", "1", "--link-ops", "2000", "--symlink", "1", "--symlink-ops", "2000",
                        "--rename", "1", "--rename-ops", "20000", "--hdd", "1", "--hdd-ops", "2000",
                        "--hdd-bytes", "4m", "--chmod", "1", "--chmod-ops", "2000", "--utime", "1",
                        "--utime-ops", "2000", "--fallocate", "1", "--fallocate-ops", "200", "--xattr", "1",
                        "--xattr-ops", "2000", "--timeout", "60s", "--quiet").ok();
            }
        }
        assertEquals(List.of(), p.applyErrors.stream().limit(5).toList(), "every captured op applies to the image");
        assertTrue(p.kinds.getOrDefault("write", 0) > 1000, "the workloads were captured: " + p.kinds);
        FuseTesting.assertSameTree(p.dir, p.image);
    }

    @Test
    void renamesAcrossTheReplicationSetBorder() throws Exception {
        Protected p;
        try (Protected prot = new Protected(Files.createDirectories(base.resolve("protected")),
                base.resolve("image"), base.resolve("state"), path -> path.components().stream().noneMatch(c -> c.endsWith(".tmp")))) {
            p = prot;
            Path d = prot.dir;
            // an editor's save: write a temporary file, rename it over the real one
            Files.writeString(d.resolve("doc.txt"), "version 1");
            Files.writeString(d.resolve("doc.txt.tmp"), "version 2");
            Files.move(d.resolve("doc.txt.tmp"), d.resolve("doc.txt"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            // a directory built under an excluded name, then moved in
            Files.createDirectories(d.resolve("build.tmp/sub"));
            Files.writeString(d.resolve("build.tmp/sub/a"), "a");
            Files.writeString(d.resolve("build.tmp/b.tmp"), "stays out");
            Files.createSymbolicLink(d.resolve("build.tmp/link"), Path.of("sub/a"));
            Files.move(d.resolve("build.tmp"), d.resolve("build"));
            // and a replicated file moved out of the set
            Files.writeString(d.resolve("old.log"), "bye");
            Files.move(d.resolve("old.log"), d.resolve("old.log.tmp"));
            Files.createDirectories(d.resolve("gone/deep"));
            Files.writeString(d.resolve("gone/deep/f"), "f");
            Files.move(d.resolve("gone"), d.resolve("gone.tmp"));
        }
        assertEquals(List.of(), p.applyErrors);
        assertEquals("version 2", Files.readString(p.image.resolve("doc.txt")));
        assertTrue(Files.exists(p.image.resolve("build/sub/a")) && !Files.exists(p.image.resolve("build/b.tmp")));
        FuseTesting.assertSameTree(p.dir, p.image, "*.tmp");
    }

    private static void git(Path repo, String... args) throws Exception {
        String[] cmd = new String[args.length + 5];
        cmd[0] = "git";
        cmd[1] = "-c";
        cmd[2] = "user.name=Doppel Test";
        cmd[3] = "-c";
        cmd[4] = "user.email=test@doppel.invalid";
        System.arraycopy(args, 0, cmd, 5, args.length);
        Run.of(repo, 300, cmd).ok();
    }
}
