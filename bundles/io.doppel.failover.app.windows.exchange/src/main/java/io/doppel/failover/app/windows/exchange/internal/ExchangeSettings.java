package io.doppel.failover.app.windows.exchange.internal;

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
import io.doppel.failover.app.windows.Settings;

/**
 * The plugin's settings from the failover definition ({@code --set exchange.KEY=VALUE}), checked.
 *
 * @param services       Windows services in the order they start (release stops them in reverse)
 * @param databases      mailbox databases to mount, in order (release dismounts them in reverse)
 * @param snapin         the Exchange Management Shell's snap-in
 * @param paths          folders relative to the image's root that Exchange needs (empty: all of it)
 * @param commandTimeout the longest one script may take (never past the step's deadline)
 * @param pollInterval   the pause before mounting again a database that the store did not mount yet
 */
record ExchangeSettings(List<String> services, List<String> databases, String snapin, List<String> paths,
        Duration commandTimeout, Duration pollInterval) {

    static final String DEFAULT_SERVICES = "MSExchangeADTopology,MSExchangeServiceHost,MSExchangeRepl,MSExchangeIS,"
            + "MSExchangeTransport";
    static final String DEFAULT_SNAPIN = "Microsoft.Exchange.Management.PowerShell.SnapIn";

    /**
     * Wildcards would make {@code Get-Service -Name} or {@code Get-MailboxDatabase -Identity} match
     * other objects than the one named; control characters have no place in a name.
     */
    private static final Pattern NOT_A_NAME = Pattern.compile("[*?\\[\\]\\p{Cntrl}]");

    static Map<String, String> descriptions() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("services", "Windows services to start, in this order, comma-separated; release stops them in reverse "
                + "(default " + DEFAULT_SERVICES + ")");
        s.put("databases", "mailbox databases to mount, comma-separated (required)");
        s.put("snapin", "the Exchange Management Shell snap-in (default " + DEFAULT_SNAPIN
                + "; Microsoft.Exchange.Management.PowerShell.E2010 for Exchange 2010)");
        s.put("paths", "database and log folders, relative to the image's root, comma-separated (default: the whole "
                + "image)");
        s.put("commandTimeout", "seconds one PowerShell script may take, never past the step's end (default 300)");
        s.put("pollInterval", "milliseconds before mounting again a database the store did not mount yet "
                + "(default 2000); the tries end with the failover's step timeout");
        return s;
    }

    static ExchangeSettings of(Map<String, String> settings) throws ApplicationException {
        List<String> services = names(settings, "services", DEFAULT_SERVICES);
        List<String> databases = names(settings, "databases", "");
        if (databases.isEmpty()) {
            throw new ApplicationException("exchange.databases is not set: name the mailbox databases to mount, "
                    + "e.g. --set exchange.databases=DB01,DB02");
        }
        String snapin = Settings.value(settings, "snapin", DEFAULT_SNAPIN);
        if (!snapin.matches("[A-Za-z0-9.]+")) {
            throw new ApplicationException("exchange.snapin '" + snapin + "' is not a snap-in name (letters, digits "
                    + "and dots, e.g. " + DEFAULT_SNAPIN + ")");
        }
        List<String> paths = new ArrayList<>();
        for (String path : Settings.list(settings.get("paths"))) {
            paths.add(Settings.folderInImage("exchange.paths", path, "ExchangeDatabases/DB01"));
        }
        return new ExchangeSettings(services, databases, snapin, paths,
                Duration.ofSeconds(number(settings, "commandTimeout", 300, 1)),
                Duration.ofMillis(number(settings, "pollInterval", 2000, 10)));
    }

    List<String> servicesReversed() {
        return services.reversed();
    }

    List<String> databasesReversed() {
        return databases.reversed();
    }

    private static List<String> names(Map<String, String> settings, String key, String defaultValue)
            throws ApplicationException {
        List<String> names = Settings.list(Settings.value(settings, key, defaultValue));
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (NOT_A_NAME.matcher(name).find()) {
                throw new ApplicationException("exchange." + key + ": '" + name + "' is not a name: wildcards "
                        + "(* ? [ ]) and control characters are refused, name each one in full");
            }
            if (!seen.add(name.toLowerCase(Locale.ROOT))) {
                throw new ApplicationException("exchange." + key + " names " + name + " twice");
            }
        }
        return names;
    }

    private static long number(Map<String, String> settings, String key, long defaultValue, long min)
            throws ApplicationException {
        String v = Settings.value(settings, key, Long.toString(defaultValue));
        if (v.matches("\\d{1,9}") && Long.parseLong(v) >= min) {
            return Long.parseLong(v);
        }
        throw new ApplicationException("exchange." + key + " must be a whole number of at least " + min + ", not '"
                + v + "'");
    }
}
