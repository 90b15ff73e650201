package io.doppel.interceptor.linux.fuse.internal;

import java.util.Map;

/** A system call failed; {@link #errno} is what the kernel said, and what the caller is told. */
final class Errno extends Exception {

    private static final long serialVersionUID = 1L;

    private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"),
            Map.entry(5, "EIO"), Map.entry(9, "EBADF"), Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"),
            Map.entry(16, "EBUSY"), Map.entry(17, "EEXIST"), Map.entry(18, "EXDEV"), Map.entry(19, "ENODEV"),
            Map.entry(20, "ENOTDIR"), Map.entry(21, "EISDIR"), Map.entry(22, "EINVAL"), Map.entry(24, "EMFILE"),
            Map.entry(27, "EFBIG"), Map.entry(28, "ENOSPC"), Map.entry(30, "EROFS"), Map.entry(31, "EMLINK"),
            Map.entry(34, "ERANGE"), Map.entry(36, "ENAMETOOLONG"), Map.entry(38, "ENOSYS"),
            Map.entry(39, "ENOTEMPTY"), Map.entry(40, "ELOOP"), Map.entry(61, "ENODATA"), Map.entry(95, "EOPNOTSUPP"),
            Map.entry(107, "ENOTCONN"), Map.entry(122, "EDQUOT"));

    final int errno;

    Errno(int errno, String call) {
        super(call + ": " + name(errno), null, false, false);
        this.errno = errno;
    }

    static String name(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }
}
