package io.doppel.failover.app.shares.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.doppel.failover.app.shares.internal.Shares.SambaShare;

/**
 * The failover's own smb.conf fragment and the one line that includes it in the admin's smb.conf.
 * The admin's sections are never edited: takeover appends {@code include = FRAGMENT} at the end of
 * the file, release takes exactly that line out again, so a config nobody touched meanwhile is back
 * byte for byte (and one the admin edited keeps the edits). The fragment's name, unique to the
 * failover, is what marks the line as ours: smb.conf has no comments at the end of a line.
 */
final class IncludeFile {

    private static final Pattern SECTION = Pattern.compile("(?m)^\\[(.+)\\]$");

    private final Path config;
    private final Path fragment;
    private final boolean ganesha;

    IncludeFile(Path config, String failover) {
        this(config, failover, false);
    }

    private IncludeFile(Path config, String failover, boolean ganesha) {
        this.config = config;
        this.ganesha = ganesha;
        this.fragment = config.resolveSibling("doppel-failover-" + failover.replaceAll("[^A-Za-z0-9_.-]", "_")
                + (ganesha ? "-nfs" : "") + ".conf");
    }

    /** The same for NFS-Ganesha's configuration: its fragment is included by {@code %include "FRAGMENT"}. */
    static IncludeFile ganesha(Path config, String failover) {
        return new IncludeFile(config, failover, true);
    }

    Path config() {
        return config;
    }

    Path fragment() {
        return fragment;
    }

    /** The line that includes the fragment. */
    String line() {
        return ganesha ? "%include \"" + fragment + "\"" : "include = " + fragment;
    }

    /** Whether a takeover left anything behind: the include line or the fragment. */
    boolean present() throws IOException {
        return Files.exists(fragment, LinkOption.NOFOLLOW_LINKS) || indexOfLine(read()) >= 0;
    }

    /** Writes the fragment (whole, then renamed into place) with the shares' sections. */
    void write(List<SambaShare> shares, String failover) throws IOException {
        StringBuilder s = new StringBuilder();
        s.append("# Samba shares of the replica, written by Doppel's failover ").append(failover.replaceAll(
                "\\p{Cntrl}", "?")).append(" (plugin \"shares\")\n");
        s.append("# and included by ").append(config).append(". Removed with its include line at fail-back: do not "
                + "edit.\n");
        for (SambaShare share : shares) {
            s.append('\n').append('[').append(share.name()).append("]\n");
            s.append("\tpath = ").append(share.folder()).append('\n');
            s.append("\tcomment = ").append(share.name()).append(", served from the replica\n");
            s.append("\tread only = ").append(share.readOnly() ? "yes" : "no").append('\n');
            s.append("\tguest ok = ").append(share.guest() ? "yes" : "no").append('\n');
            if (!share.users().isEmpty()) {
                s.append("\tvalid users = ").append(String.join(", ", share.users())).append('\n');
            }
        }
        replace(fragment, s.toString(), null);
    }

    /** Writes the fragment (whole, then renamed into place) with the text given. */
    void write(String text) throws IOException {
        replace(fragment, text, null);
    }

    /** Appends the include line unless it is there; returns whether it was added. */
    boolean addLine() throws IOException {
        String text = read();
        if (indexOfLine(text) >= 0) {
            return false;
        }
        String separator = text.isEmpty() || text.endsWith("\n") ? "" : "\n";
        // a file without a final newline gets none after the line either, so removal restores it exactly
        replace(config, text + separator + line() + (separator.isEmpty() ? "\n" : ""), config);
        return true;
    }

    /** Takes the include line out (wherever the admin's edits left it); returns whether it was there. */
    boolean removeLine() throws IOException {
        if (!Files.exists(config)) {
            return false;
        }
        String text = read();
        int at = indexOfLine(text);
        if (at < 0) {
            return false;
        }
        int end = at + line().length();
        String without;
        if (end < text.length()) {
            without = text.substring(0, at) + text.substring(end + 1); // the line and its newline
        } else {
            without = text.substring(0, Math.max(0, at - 1)); // the last line: the newline before it
        }
        replace(config, without, config);
        return true;
    }

    /** The shares (lower case) the fragment holds now: none if there is none. */
    Set<String> shares() throws IOException {
        if (!Files.exists(fragment, LinkOption.NOFOLLOW_LINKS)) {
            return Set.of();
        }
        Set<String> names = new LinkedHashSet<>();
        Matcher m = SECTION.matcher(Files.readString(fragment, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            names.add(m.group(1).toLowerCase(Locale.ROOT));
        }
        return names;
    }

    /** Removes the fragment; returns whether it existed. */
    boolean deleteFragment() throws IOException {
        return Files.deleteIfExists(fragment);
    }

    private int indexOfLine(String text) {
        String line = line();
        for (int at = text.indexOf(line); at >= 0; at = text.indexOf(line, at + 1)) {
            int end = at + line.length();
            if ((at == 0 || text.charAt(at - 1) == '\n') && (end == text.length() || text.charAt(end) == '\n')) {
                return at;
            }
        }
        return -1;
    }

    private String read() throws IOException {
        return Files.readString(config.toRealPath(), StandardCharsets.ISO_8859_1); // bytes in, bytes out
    }

    /**
     * Writes a file whole beside it and renames it into place, so smbd never reads half of it; a
     * replaced file keeps its owner and mode.
     */
    private static void replace(Path target, String text, Path keepAttributesOf) throws IOException {
        Path real = keepAttributesOf == null ? target : target.toRealPath();
        Path temp = Files.createTempFile(real.getParent(), "." + real.getFileName(), ".doppel");
        try {
            Files.writeString(temp, text, StandardCharsets.ISO_8859_1);
            PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
            if (keepAttributesOf != null) {
                PosixFileAttributes old = Files.readAttributes(real, PosixFileAttributes.class);
                view.setOwner(old.owner());
                view.setGroup(old.group());
                view.setPermissions(old.permissions());
            } else {
                view.setPermissions(PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(temp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, real, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
