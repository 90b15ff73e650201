package io.doppel.failover.app.windows.sqlserver.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Queries through sqlcmd, as this Windows account (a trusted connection), on this machine. The
 * queries are constants: database names never go into SQL or onto a command line, the states of
 * all databases are read and matched here.
 */
final class Sqlcmd {

    static final String SELECT_1 = "SET NOCOUNT ON; SELECT 1";

    /** One line per database: {@code id|state|name}, the name last because it may hold any character. */
    static final String DATABASES = "SET NOCOUNT ON; SELECT CONCAT(database_id, '|', state_desc, '|', name) "
            + "FROM sys.databases ORDER BY database_id";

    /** States a database does not leave by itself: waiting for them is pointless. */
    private static final Set<String> STUCK = Set.of("SUSPECT", "EMERGENCY", "OFFLINE", "OFFLINE_SECONDARY");

    /** master, tempdb, model and msdb; user databases have higher ids. */
    private static final int LAST_SYSTEM_DATABASE_ID = 4;

    record Database(int id, String state, String name) {
        @Override
        public String toString() {
            return name + " (" + state + ")";
        }
    }

    /** Whether the databases are there: ONLINE, still on the way, or never going to be. */
    enum Readiness { ONLINE, WAITING, BROKEN }

    record Verdict(Readiness readiness, String detail) {
    }

    private Sqlcmd() {
    }

    /**
     * -E a trusted connection, -C the instance's own (self-signed) certificate is fine on this
     * machine, -b an error is exit code 1, -l login timeout, -h -1 -W bare lines, -f UTF-8 output.
     */
    static List<String> command(SqlServerSettings settings, String query) {
        return List.of(settings.sqlcmd(), "-S", settings.server(), "-E", "-C", "-b", "-l", "10", "-h", "-1", "-W",
                "-f", "65001", "-Q", query);
    }

    /** The lines of a {@link #DATABASES} answer; anything else sqlcmd printed is skipped. */
    static List<Database> parse(String output) {
        List<Database> databases = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String[] f = line.strip().split("\\|", 3);
            if (f.length == 3 && f[0].matches("\\d{1,9}") && f[1].matches("[A-Z_]+")) {
                databases.add(new Database(Integer.parseInt(f[0]), f[1], f[2]));
            }
        }
        return databases;
    }

    /**
     * Whether the {@code wanted} databases (all user databases if empty) are ONLINE. SQL Server
     * compares names case-insensitively under the usual collations; so does this.
     */
    static Verdict verdict(List<Database> seen, List<String> wanted, String instance) {
        List<Database> relevant = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        if (wanted.isEmpty()) {
            seen.stream().filter(d -> d.id() > LAST_SYSTEM_DATABASE_ID).forEach(relevant::add);
        } else {
            for (String name : wanted) {
                seen.stream().filter(d -> d.name().equalsIgnoreCase(name)).findFirst()
                        .ifPresentOrElse(relevant::add, () -> absent.add(name));
            }
        }
        if (!absent.isEmpty()) {
            return new Verdict(Readiness.BROKEN, "database " + String.join(", ", absent) + " is not on " + instance
                    + ": attach it on the target with its files in the image, or leave it out of sqlserver.databases");
        }
        List<Database> stuck = relevant.stream().filter(d -> STUCK.contains(d.state())).toList();
        if (!stuck.isEmpty()) {
            return new Verdict(Readiness.BROKEN, "database " + join(stuck) + " will not come ONLINE by itself: "
                    + "see the SQL Server error log (ERRORLOG); its files in the image may be incomplete");
        }
        List<Database> waiting = relevant.stream().filter(d -> !d.state().equals("ONLINE")).toList();
        if (!waiting.isEmpty()) {
            return new Verdict(Readiness.WAITING, "not yet ONLINE: " + join(waiting));
        }
        return new Verdict(Readiness.ONLINE, relevant.isEmpty() ? "no user databases"
                : "ONLINE: " + relevant.stream().map(Database::name).collect(Collectors.joining(", ")));
    }

    private static String join(List<Database> databases) {
        return databases.stream().map(Database::toString).collect(Collectors.joining(", "));
    }
}
