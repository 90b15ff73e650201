package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Describes a directory tree as text, without following symlinks, to compare trees in tests. */
final class Trees {

    private Trees() {
    }

    /** Type, mode, owner, size, content digest, link target and user xattrs of every entry. */
    static Map<String, String> content(Path root) throws IOException {
        return describe(root, false);
    }

    /** {@link #content} plus mtime and ctime, to prove that nothing at all was touched. */
    static Map<String, String> everything(Path root) throws IOException {
        return describe(root, true);
    }

    private static Map<String, String> describe(Path root, boolean times) throws IOException {
        Map<String, String> out = new TreeMap<>();
        List<Path> all;
        try (Stream<Path> walk = Files.walk(root)) {
            all = walk.toList();
        }
        for (Path p : all) {
            out.put(root.relativize(p).toString(), entry(p, times));
        }
        return out;
    }

    static String entry(Path p, boolean times) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        StringBuilder s = new StringBuilder();
        if (a.isSymbolicLink()) {
            s.append("link -> ").append(Files.readSymbolicLink(p));
        } else {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            s.append(a.isDirectory() ? "dir" : "file").append(" mode=").append(Integer.toOctalString(mode & 07777));
            if (a.isRegularFile()) {
                s.append(" size=").append(a.size()).append(" sha=").append(digest(Files.readAllBytes(p)));
            }
            UserDefinedFileAttributeView x = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            for (String name : new java.util.TreeSet<>(x.list())) {
                ByteBuffer b = ByteBuffer.allocate(x.size(name));
                x.read(name, b);
                s.append(" x:").append(name).append('=').append(HexFormat.of().formatHex(b.array()));
            }
        }
        s.append(" owner=").append(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).append(':')
                .append(Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        if (times) {
            s.append(" mtime=").append(a.lastModifiedTime()).append(" ctime=")
                    .append(Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS));
        }
        return s.toString();
    }

    static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
