#!/usr/bin/python3
"""POSIX conformance steps for a directory, run once on a plain directory and once through the
Doppel FUSE mount; the two outputs must be identical.

usage: posix_ops.py DIR root|user|list

Each step prints one line: its name and OK (with what it observed) or the errno's name. The run
ends with a listing of the tree: type, mode, links, owner, size, content digest, symlink target,
xattrs, and the times that the steps set explicitly.
"""
import ctypes
import errno
import hashlib
import mmap
import os
import stat
import struct
import sys

LIBC = ctypes.CDLL(None, use_errno=True)
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE = 1, 2
AT_FDCWD = -100
UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2

LIBC.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
LIBC.fallocate64.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


LIBC.utimensat.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(Timespec), ctypes.c_int]


def check(result):
    if result != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def renameat2(a, b, flags):
    check(LIBC.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), flags))


def fallocate(fd, mode, offset, length):
    check(LIBC.fallocate64(fd, mode, offset, length))


def utimens(path, atime, mtime):
    ts = (Timespec * 2)(Timespec(*atime), Timespec(*mtime))
    check(LIBC.utimensat(AT_FDCWD, path.encode(), ts, 0))


EXPLICIT_TIMES = {"hard", "falloc", "sym"}  # the entries whose times the steps set


def step(name, fn):
    try:
        result = fn()
        print(f"{name}: OK{'' if result is None else ' ' + str(result)}", flush=True)
    except OSError as e:
        print(f"{name}: {errno.errorcode.get(e.errno, e.errno)}", flush=True)


def write_file(path, data, mode=0o644, flags=0):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | flags, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def as_root():
    # create, exclusive create, writes at offsets, beyond the end (sparse), append
    step("create", lambda: write_file("a", b"hello", 0o640, os.O_EXCL))
    step("create-excl-existing", lambda: write_file("a", b"", 0o640, os.O_EXCL))
    def offsets():
        fd = os.open("a", os.O_RDWR)
        os.pwrite(fd, b"HE", 0)
        os.pwrite(fd, b"tail", 1 << 20)
        os.close(fd)
        return os.stat("a").st_size
    step("pwrite-offsets", offsets)
    def append():
        fd = os.open("a", os.O_WRONLY | os.O_APPEND)
        os.write(fd, b"+1")
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, b"+2")  # O_APPEND ignores the seek
        os.close(fd)
        return os.stat("a").st_size
    step("append", append)
    def direct():
        buf = mmap.mmap(-1, 4096)
        buf.write(b"D" * 4096)
        fd = os.open("direct", os.O_RDWR | os.O_CREAT | os.O_DIRECT, 0o644)
        try:
            os.pwrite(fd, buf, 8192)
        finally:
            os.close(fd)
        return os.stat("direct").st_size
    step("o-direct", direct)
    def mapped():
        write_file("mapped", b"\0" * 8192)
        fd = os.open("mapped", os.O_RDWR)
        m = mmap.mmap(fd, 8192, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        m[100:105] = b"mmap!"
        m[5000:5003] = b"xyz"
        m.flush()
        m.close()
        os.close(fd)
    step("mmap-write", mapped)
    step("read-back", lambda: hashlib.sha256(open("a", "rb").read()).hexdigest()[:16])
    # truncate
    step("truncate-shrink", lambda: os.truncate("a", 3))
    def ftrunc():
        fd = os.open("a", os.O_RDWR)
        os.ftruncate(fd, 10000)
        os.close(fd)
        return os.stat("a").st_size
    step("ftruncate-extend", ftrunc)
    step("open-trunc", lambda: write_file("direct", b"short", flags=os.O_TRUNC))
    # fallocate, punch hole
    def falloc():
        fd = os.open("falloc", os.O_RDWR | os.O_CREAT, 0o600)
        os.write(fd, b"x" * 65536)
        fallocate(fd, 0, 65536, 65536)
        fallocate(fd, FALLOC_FL_KEEP_SIZE, 131072, 65536)
        fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192)
        os.fsync(fd)
        os.fdatasync(fd)
        os.close(fd)
        st = os.stat("falloc")
        return f"size={st.st_size} blocks={st.st_blocks}"
    step("fallocate-punch", falloc)
    # directories
    step("mkdir", lambda: os.mkdir("d", 0o750))
    step("mkdir-existing", lambda: os.mkdir("d"))
    step("file-in-dir", lambda: write_file("d/f", b"in d"))
    step("rmdir-not-empty", lambda: os.rmdir("d"))
    step("mkdir-nested", lambda: os.makedirs("d/e/f/g", 0o755))
    step("rmdir", lambda: os.rmdir("d/e/f/g"))
    step("rmdir-missing", lambda: os.rmdir("d/e/f/g"))
    step("unlink-dir", lambda: os.unlink("d/e"))
    # renames
    write_file("r1", b"one")
    write_file("r2", b"two")
    step("rename", lambda: os.rename("r1", "r3"))
    step("rename-replace", lambda: os.rename("r3", "r2"))
    write_file("r4", b"four")
    write_file("r5", b"five")
    step("rename-noreplace-exists", lambda: renameat2("r4", "r5", RENAME_NOREPLACE))
    step("rename-noreplace", lambda: renameat2("r4", "r6", RENAME_NOREPLACE))
    step("rename-exchange", lambda: renameat2("r5", "r6", RENAME_EXCHANGE))
    step("rename-exchange-missing", lambda: renameat2("r5", "nothing", RENAME_EXCHANGE))
    step("rename-dir", lambda: os.rename("d", "dd"))
    step("rename-into-own-subdir", lambda: os.rename("dd", "dd/e/x"))
    step("rename-dir-over-file", lambda: os.rename("dd", "r2"))
    # links
    step("symlink", lambda: os.symlink("r2", "sym"))
    step("symlink-dangling", lambda: os.symlink("../../nowhere", "dangling"))
    step("readlink", lambda: os.readlink("dangling"))
    step("open-nofollow-file", lambda: os.close(os.open("r2", os.O_RDONLY | os.O_NOFOLLOW)))
    step("open-nofollow-symlink", lambda: os.close(os.open("sym", os.O_RDONLY | os.O_NOFOLLOW)))
    step("hardlink", lambda: os.link("r2", "hard") or os.stat("r2").st_nlink)
    step("hardlink-dir", lambda: os.link("dd", "dd2"))
    step("hardlink-write-other-name", lambda: write_file("hard", b"TWO", flags=os.O_TRUNC) or open("r2", "rb").read())
    step("unlink-one-name", lambda: os.unlink("r2") or os.stat("hard").st_nlink)
    # modes, owners, times
    step("chmod", lambda: os.chmod("a", 0o4755))
    step("chmod-sticky-dir", lambda: os.chmod("dd", 0o1777))
    step("chown", lambda: os.chown("a", 1234, 5678))
    step("mode-after-chown", lambda: oct(os.stat("a").st_mode))
    step("lchown-symlink", lambda: os.chown("sym", 4321, 8765, follow_symlinks=False))
    def times():
        os.utime("hard", ns=(1_000_000_123, 2_000_000_456))
        utimens("falloc", (0, UTIME_OMIT), (1_234_567_890, 987_654_321))
        st = os.stat("hard")
        return f"{st.st_atime_ns} {st.st_mtime_ns}"
    step("utimensat-ns", times)
    step("utime-now", lambda: utimens("r5", (0, UTIME_NOW), (0, UTIME_OMIT)))
    step("utime-symlink", lambda: os.utime("sym", ns=(5_000_000_000, 6_000_000_000), follow_symlinks=False))
    # xattrs and ACLs
    step("setxattr", lambda: os.setxattr("a", "user.colour", b"blue"))
    step("setxattr-create-exists", lambda: os.setxattr("a", "user.colour", b"red", os.XATTR_CREATE))
    step("setxattr-replace", lambda: os.setxattr("a", "user.colour", b"green", os.XATTR_REPLACE))
    step("getxattr", lambda: os.getxattr("a", "user.colour"))
    step("getxattr-missing", lambda: os.getxattr("a", "user.none"))
    step("setxattr-2", lambda: os.setxattr("a", "user.other", b"\x00\x01binary"))
    step("removexattr", lambda: os.removexattr("a", "user.other"))
    step("removexattr-missing", lambda: os.removexattr("a", "user.other"))
    step("listxattr", lambda: sorted(os.listxattr("a")))
    acl = bytes.fromhex("02000000" "01000600ffffffff" "02000400fe000000" "04000400ffffffff"
                        "10000600ffffffff" "20000000ffffffff")
    step("acl-access", lambda: os.setxattr("falloc", "system.posix_acl_access", acl))
    step("acl-read", lambda: os.getxattr("falloc", "system.posix_acl_access").hex())
    # names and paths
    step("name-255", lambda: write_file("n" * 255, b"long name"))
    step("name-256", lambda: write_file("n" * 256, b"too long"))
    def deep():
        fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
        depth = 0
        try:
            for i in range(19):  # 19 * 201 bytes: near PATH_MAX, reached relative to descriptors
                name = f"{i:02d}" + "p" * 199
                os.mkdir(name, dir_fd=fd)
                nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd = nfd
                depth += 1
            f = os.open("leaf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(f, b"deep")
            os.close(f)
        finally:
            os.close(fd)
        return depth
    step("long-path", deep)
    step("utf8-name", lambda: write_file("grüße-日本", b"utf8"))
    # special files: created on the source (not replicated), then removed
    step("mkfifo", lambda: os.mkfifo("fifo", 0o644))
    step("fifo-type", lambda: stat.S_ISFIFO(os.stat("fifo").st_mode))
    step("fifo-unlink", lambda: os.unlink("fifo"))
    step("unlink-missing", lambda: os.unlink("fifo"))
    # shared directory for the unprivileged run
    os.mkdir("shared", 0o777)
    os.chmod("shared", 0o1777)
    os.mkdir("private", 0o700)
    write_file("shared/roots", b"root's file", 0o644)
    os.mkdir("setgid", 0o2775)
    os.chown("setgid", 0, 4242)
    os.chmod("setgid", 0o2775)
    write_file("setgid/inherit", b"group", 0o644)
    # set-user/group-ID bits and file capabilities: what writes, truncations and chown leave of them
    for name in ("suid-write", "suid-trunc", "suid-otrunc", "suid-root"):
        write_file("shared/" + name, b"set-id", 0o666)
        os.chmod("shared/" + name, 0o6777)
    for name in ("sgid-noexec", "sgid-noexec-group"):
        write_file("shared/" + name, b"set-gid", 0o666)
        os.chmod("shared/" + name, 0o2666)
    os.chown("shared/sgid-noexec-group", 0, 65534)  # the unprivileged caller's group: its write keeps the bit
    os.chmod("shared/sgid-noexec-group", 0o2666)
    step("root-write-suid", lambda: write_file("shared/suid-root", b"root") or oct(os.stat("shared/suid-root").st_mode))
    write_file("suid-chown", b"chown", 0o755)
    os.chmod("suid-chown", 0o6755)
    step("root-chown-suid", lambda: os.chown("suid-chown", 0, 4242) or oct(os.stat("suid-chown").st_mode))
    caps = struct.pack("<5I", 0x02000001, 1 << 13, 0, 0, 0)  # VFS_CAP_REVISION_2, effective, cap_net_raw
    for name in ("caps-root", "caps-user"):
        write_file("shared/" + name, b"caps", 0o666)
        os.chmod("shared/" + name, 0o666)
        step("setcap-" + name, lambda: os.setxattr("shared/" + name, "security.capability", caps))
    step("root-write-caps", lambda: write_file("shared/caps-root", b"root") or os.listxattr("shared/caps-root"))


def as_user():
    os.umask(0o027)
    step("user-create", lambda: write_file("shared/mine", b"mine", 0o666) or oct(os.stat("shared/mine").st_mode))
    step("user-owner", lambda: (os.stat("shared/mine").st_uid, os.stat("shared/mine").st_gid))
    step("user-mkdir", lambda: os.mkdir("shared/mydir", 0o777) or oct(os.stat("shared/mydir").st_mode))
    step("user-private", lambda: os.listdir("private"))
    step("user-create-in-private", lambda: write_file("private/x", b""))
    step("user-write-roots", lambda: write_file("shared/roots", b"no"))
    step("user-sticky-unlink", lambda: os.unlink("shared/roots"))
    step("user-chmod-roots", lambda: os.chmod("shared/roots", 0o777))
    step("user-chown", lambda: os.chown("shared/mine", 0, 0))
    step("user-chmod-own", lambda: os.chmod("shared/mine", 0o600))
    step("user-rename-own", lambda: os.rename("shared/mine", "shared/mine2"))
    step("user-setxattr", lambda: os.setxattr("shared/mine2", "user.u", b"1"))
    step("user-truncate-roots", lambda: os.truncate("shared/roots", 0))
    step("user-utime-roots", lambda: os.utime("shared/roots", ns=(1, 1)))
    step("user-utime-now-roots", lambda: os.utime("shared/roots"))
    step("user-link-roots", lambda: os.link("shared/roots", "shared/rootslink"))
    step("user-setgid-dir-create", lambda: os.mkdir("setgid/sub"))
    mode = lambda name: oct(os.stat("shared/" + name).st_mode)
    step("user-write-suid", lambda: write_file("shared/suid-write", b"user") or mode("suid-write"))
    step("user-truncate-suid", lambda: os.truncate("shared/suid-trunc", 1) or mode("suid-trunc"))
    step("user-open-trunc-suid", lambda: write_file("shared/suid-otrunc", b"u", flags=os.O_TRUNC)
         or mode("suid-otrunc"))
    step("user-write-sgid-noexec", lambda: write_file("shared/sgid-noexec", b"user") or mode("sgid-noexec"))
    step("user-write-sgid-noexec-group", lambda: write_file("shared/sgid-noexec-group", b"user")
         or mode("sgid-noexec-group"))
    step("user-write-caps", lambda: write_file("shared/caps-user", b"user") or os.listxattr("shared/caps-user"))


def listing():
    print("--- tree")
    for dirpath, dirnames, filenames in os.walk(".", topdown=True):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)[2:]
            st = os.lstat(path)
            kind = stat.S_IFMT(st.st_mode)
            shown = path if len(path) <= 80 else \
                f"{path[:20]}...({len(path)} bytes, {hashlib.sha256(path.encode()).hexdigest()[:8]})"
            line = f"{shown} mode={oct(st.st_mode)} nlink={st.st_nlink} " \
                   f"owner={st.st_uid}:{st.st_gid}"
            if stat.S_ISREG(kind):
                line += f" size={st.st_size} sha={hashlib.sha256(open(path, 'rb').read()).hexdigest()[:16]}"
            elif stat.S_ISLNK(kind):
                line += f" -> {os.readlink(path)}"
            if not stat.S_ISLNK(kind):
                line += f" xattrs={sorted((k, os.getxattr(path, k).hex()) for k in os.listxattr(path))}"
            if path in EXPLICIT_TIMES:
                line += (f" atime={st.st_atime_ns}" if path == "hard" else "") + f" mtime={st.st_mtime_ns}"
            print(line)


if __name__ == "__main__":
    os.chdir(sys.argv[1])
    if sys.argv[2] == "root":
        as_root()
    elif sys.argv[2] == "user":
        as_user()
    else:
        listing()
