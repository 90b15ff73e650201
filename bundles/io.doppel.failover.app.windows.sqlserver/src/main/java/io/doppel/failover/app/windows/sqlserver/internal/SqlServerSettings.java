package io.doppel.failover.app.windows.sqlserver.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.failover.app.windows.Settings;

/**
 * The plugin's settings from the failover definition ({@code --set sqlserver.KEY=VALUE}), checked.
 *
 * @param instance       the instance name; {@value #DEFAULT_INSTANCE} is the default instance
 * @param agent          whether SQL Server Agent is started after the databases are online
 * @param databases      the databases that must be ONLINE; empty means every user database
 * @param paths          folders relative to the image's root that the instance needs (empty: all of it)
 * @param sqlcmd         the sqlcmd program
 * @param commandTimeout the longest one command may take (never past the step's deadline)
 * @param pollInterval   the pause between two checks while waiting
 */
record SqlServerSettings(String instance, boolean agent, List<String> databases, List<String> paths, String sqlcmd,
        Duration commandTimeout, Duration pollInterval) {

    static final String DEFAULT_INSTANCE = "MSSQLSERVER";

    /**
     * SQL Server's rule for instance names (at most 16 characters, a letter or underscore first,
     * then letters, digits, underscores and dollar signs): also keeps service names free of the
     * wildcards that {@code Get-Service -Name} would expand.
     */
    private static final Pattern INSTANCE = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,15}");

    /** The settings and their meaning, for help texts and forms. */
    static Map<String, String> descriptions() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("instance", "the SQL Server instance (default " + DEFAULT_INSTANCE + ", the default instance; "
                + "service MSSQLSERVER or MSSQL$NAME)");
        s.put("agent", "start SQL Server Agent (SQLSERVERAGENT or SQLAgent$NAME) once the databases are online "
                + "(true or false, default true)");
        s.put("databases", "databases that must come ONLINE, comma-separated (default: every user database)");
        s.put("paths", "data and log folders the instance needs, relative to the image's root, comma-separated "
                + "(default: the whole image)");
        s.put("sqlcmd", "the sqlcmd program (default sqlcmd, found on the PATH)");
        s.put("commandTimeout", "seconds one command may take, never past the step's end (default 120)");
        s.put("pollInterval", "milliseconds between two checks while the service starts and the databases "
                + "recover (default 1000); the wait itself ends with the failover's step timeout");
        return s;
    }

    static SqlServerSettings of(Map<String, String> settings) throws ApplicationException {
        String instance = Settings.value(settings, "instance", DEFAULT_INSTANCE);
        if (!INSTANCE.matcher(instance).matches()) {
            throw new ApplicationException("sqlserver.instance '" + instance + "' is not a SQL Server instance name: "
                    + "give the name as setup shows it (SALES for MSSQL$SALES; MSSQLSERVER for the default instance)");
        }
        String agent = Settings.value(settings, "agent", "true").toLowerCase(Locale.ROOT);
        if (!agent.equals("true") && !agent.equals("false")) {
            throw new ApplicationException("sqlserver.agent must be true or false, not '" + agent + "'");
        }
        List<String> paths = new ArrayList<>();
        for (String path : Settings.list(settings.get("paths"))) {
            paths.add(Settings.folderInImage("sqlserver.paths", path, "SQLData/MSSQL/DATA"));
        }
        return new SqlServerSettings(instance, agent.equals("true"), Settings.list(settings.get("databases")), paths,
                Settings.value(settings, "sqlcmd", "sqlcmd"),
                Duration.ofSeconds(number(settings, "commandTimeout", 120, 1)),
                Duration.ofMillis(number(settings, "pollInterval", 1000, 10)));
    }

    boolean defaultInstance() {
        return instance.equalsIgnoreCase(DEFAULT_INSTANCE);
    }

    /** The database engine's Windows service. */
    String engineService() {
        return defaultInstance() ? DEFAULT_INSTANCE : "MSSQL$" + instance;
    }

    /** SQL Server Agent's Windows service. */
    String agentService() {
        return defaultInstance() ? "SQLSERVERAGENT" : "SQLAgent$" + instance;
    }

    /** The server as sqlcmd names it: this machine, and the instance unless it is the default one. */
    String server() {
        return defaultInstance() ? "." : ".\\" + instance;
    }

    /** How a person names the instance in a sentence. */
    String describe() {
        return defaultInstance() ? "the default SQL Server instance (MSSQLSERVER)" : "SQL Server instance " + instance;
    }

    private static long number(Map<String, String> settings, String key, long defaultValue, long min)
            throws ApplicationException {
        String v = Settings.value(settings, key, Long.toString(defaultValue));
        try {
            long n = Long.parseLong(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new ApplicationException("sqlserver." + key + " must be a whole number of at least " + min + ", not '"
                + v + "'");
    }
}
