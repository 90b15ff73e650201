package io.doppel.failover.app.windows.smb.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.doppel.api.failover.app.ApplicationException;

/**
 * The plugin's settings from the failover definition ({@code --set smb.KEY=VALUE}), checked: share
 * names Windows accepts and that are not the server's own, paths that stay inside the image.
 *
 * @param shares         the shares, in the order they are created (release removes them in reverse)
 * @param commandTimeout the longest one PowerShell script may take (never past the step's deadline)
 */
record SmbSettings(List<Share> shares, Duration commandTimeout) {

    /**
     * A share of a folder in the image.
     *
     * @param path relative to the image's root, parts joined by '/', "." for the root itself
     */
    record Share(String name, String path, List<String> fullAccess, List<String> changeAccess,
            List<String> readAccess) {
    }

    static final List<String> ACCESS = List.of("fullAccess", "changeAccess", "readAccess");

    /** Characters Windows refuses in a share name (the wildcards among them would also match other shares). */
    private static final Pattern BAD_NAME = Pattern.compile("[\"/\\\\\\[\\]:|<>+=;,?*\\p{Cntrl}]");

    /** Characters Windows refuses in a file name, ':' included (it would name an alternate data stream). */
    private static final Pattern BAD_PATH_PART = Pattern.compile("[\"<>|?*:\\p{Cntrl}]");

    /** Shares the server makes for itself: never to be replaced, nor removed at release. */
    private static final Pattern RESERVED = Pattern.compile("(?i)[A-Z]\\$|ADMIN\\$|IPC\\$|PRINT\\$|FAX\\$|SYSVOL|NETLOGON");

    static Map<String, String> descriptions() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("shares", "the shares as NAME:PATH, comma-separated, PATH relative to the image's root "
                + "(e.g. Finance:data/finance,Public:data/public; required)");
        s.put("fullAccess", "accounts with full access to every share without its own list, comma-separated");
        s.put("changeAccess", "accounts with change access to every share without its own list, comma-separated");
        s.put("readAccess", "accounts with read access to every share without its own list, comma-separated "
                + "(no list at all: Windows' default, Everyone read)");
        s.put("NAME.fullAccess", "full access to share NAME only (likewise NAME.changeAccess, NAME.readAccess)");
        s.put("commandTimeout", "seconds one PowerShell script may take, never past the step's end (default 60)");
        return s;
    }

    static SmbSettings of(Map<String, String> settings) throws ApplicationException {
        String value = settings.get("shares");
        if (value == null || value.isBlank()) {
            throw new ApplicationException("smb.shares is not set: name the shares as NAME:PATH, e.g. "
                    + "--set smb.shares=Finance:data/finance,Public:data/public");
        }
        List<Share> shares = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon < 0) {
                throw new ApplicationException("smb.shares: '" + entry.strip() + "' has no path: write NAME:PATH, e.g. "
                        + "Finance:data/finance");
            }
            String name = name(entry.substring(0, colon));
            if (!names.add(name.toLowerCase(Locale.ROOT))) {
                throw new ApplicationException("smb.shares names share " + name + " twice");
            }
            shares.add(new Share(name, path(name, entry.substring(colon + 1)), accounts(settings, name, "fullAccess"),
                    accounts(settings, name, "changeAccess"), accounts(settings, name, "readAccess")));
        }
        String timeout = settings.getOrDefault("commandTimeout", "60").strip();
        if (!timeout.matches("\\d{1,6}") || Integer.parseInt(timeout) < 1) {
            throw new ApplicationException("smb.commandTimeout must be a whole number of seconds, not '" + timeout + "'");
        }
        return new SmbSettings(List.copyOf(shares), Duration.ofSeconds(Integer.parseInt(timeout)));
    }

    private static String name(String raw) throws ApplicationException {
        String name = raw.strip();
        if (name.isEmpty() || name.length() > 80 || BAD_NAME.matcher(name).find() || name.equals(".")
                || name.equals("..")) {
            throw new ApplicationException("smb.shares: '" + raw + "' is not a share name Windows accepts: at most 80 "
                    + "characters, none of \" / \\ [ ] : | < > + = ; , ? *");
        }
        if (RESERVED.matcher(name).matches()) {
            throw new ApplicationException("smb.shares: " + name + " is a share Windows makes for itself: choose "
                    + "another name (the plugin replaces and removes its shares)");
        }
        return name;
    }

    /** The path relative to the image: no absolute path, drive, UNC path or '..' can lead out of it. */
    private static String path(String share, String raw) throws ApplicationException {
        String p = raw.strip().replace('\\', '/');
        if (p.isEmpty()) {
            throw new ApplicationException("smb.shares: share " + share + " has no path: give one relative to the "
                    + "image's root ('.' for the root itself)");
        }
        if (p.startsWith("/") || (p.length() > 1 && p.charAt(1) == ':')) {
            throw new ApplicationException("smb.shares: the path of share " + share + " (" + raw.strip() + ") is "
                    + "absolute: give it relative to the image's root, e.g. data/finance");
        }
        List<String> parts = new ArrayList<>();
        for (String part : p.split("/")) {
            if (part.equals("..")) {
                throw new ApplicationException("smb.shares: the path of share " + share + " (" + raw.strip() + ") "
                        + "leads out of the image with '..': give a folder inside it");
            }
            if (BAD_PATH_PART.matcher(part).find()) {
                throw new ApplicationException("smb.shares: the path of share " + share + " (" + raw.strip() + ") "
                        + "holds characters Windows refuses in folder names (\" < > | ? * :)");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return parts.isEmpty() ? "." : String.join("/", parts);
    }

    /** The share's own list if it has one, else the list for every share. */
    private static List<String> accounts(Map<String, String> settings, String share, String access)
            throws ApplicationException {
        String own = settings.get(share + "." + access);
        String value = own != null ? own : settings.getOrDefault(access, "");
        List<String> accounts = new ArrayList<>();
        for (String account : value.split(",")) {
            if (account.chars().anyMatch(Character::isISOControl)) {
                throw new ApplicationException("smb." + (own != null ? share + "." : "") + access + " holds a control "
                        + "character: give account names such as DOMAIN\\Finance Team");
            }
            if (!account.isBlank()) {
                accounts.add(account.strip());
            }
        }
        return List.copyOf(accounts);
    }
}
