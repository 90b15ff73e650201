package io.doppel.failover.app.windows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.doppel.api.failover.app.ApplicationException;

/**
 * Reading a plugin's settings from the failover definition ({@code --set PLUGIN.KEY=VALUE}) the
 * way the Windows plugins read them alike: trimmed values, comma-separated lists, folders in the image.
 */
public final class Settings {

    private Settings() {
    }

    /** The setting, trimmed, or {@code defaultValue} if it is missing or blank. */
    public static String value(Map<String, String> settings, String key, String defaultValue) {
        String v = settings.get(key);
        return v == null || v.isBlank() ? defaultValue : v.strip();
    }

    /** The items of a comma-separated value, trimmed, blank ones left out; empty for {@code null}. */
    public static List<String> list(String value) {
        List<String> items = new ArrayList<>();
        for (String item : value == null ? new String[0] : value.split(",")) {
            if (!item.isBlank()) {
                items.add(item.strip());
            }
        }
        return List.copyOf(items);
    }

    /**
     * A folder inside the image: relative to its root, without '..', returned with '/' between its
     * parts (a Windows path's '\' included).
     *
     * @param setting the setting's full name for the message ("sqlserver.paths")
     * @param example a folder of the application, for the message ("SQLData/MSSQL/DATA")
     * @throws ApplicationException if the path is absolute (also a drive or UNC path) or climbs out
     */
    public static String folderInImage(String setting, String path, String example) throws ApplicationException {
        String p = path.replace('\\', '/');
        boolean absolute = p.startsWith("/") || (p.length() > 1 && p.charAt(1) == ':');
        if (absolute || List.of(p.split("/")).contains("..")) {
            throw new ApplicationException(setting + ": '" + path + "' is not a folder inside the image: give it "
                    + "relative to the image's root and without '..' (e.g. " + example + ")");
        }
        return p;
    }
}
