package io.doppel.failover.app.windows.sqlserver.internal;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.failover.app.windows.PowerShell;

/**
 * The instance's Windows services, through PowerShell's service cmdlets. Each operation is one
 * script that finds the service (or prints {@code MISSING}), acts, and reports the state it left:
 * {@code SERVICE|<status>|<start type>}.
 */
final class Services {

    /** A service as a script left it; {@code stoppedNow} if the script stopped it. */
    record State(String service, boolean exists, String status, String startType, boolean stoppedNow) {
        boolean running() {
            return "Running".equalsIgnoreCase(status);
        }

        boolean stopped() {
            return "Stopped".equalsIgnoreCase(status);
        }
    }

    private static final String FIND = """
            $s = Get-Service -Name %1$s -ErrorAction SilentlyContinue
            if ($null -eq $s) { 'MISSING'; exit 0 }
            """;
    private static final String REPORT = """
            $s = Get-Service -Name %1$s
            'SERVICE|' + $s.Status + '|' + $s.StartType
            """;
    private static final String STOP = """
            if ([string]$s.Status -ne 'Stopped') { 'STOPPING'; Stop-Service -Name %1$s -Force }
            """;
    /** A replica's instance must not start on its own at boot, before the data is promoted. */
    private static final String MANUAL = """
            if ([string]$s.StartType -ne 'Manual') { Set-Service -Name %1$s -StartupType Manual }
            """;
    private static final String START = """
            Start-Service -Name %1$s
            """;

    /** A script here names one service, whose name the settings keep short: it always fits. */
    private static final String TOO_LONG = "use a shorter instance name";

    private final Call call;

    Services(Call call) {
        this.call = call;
    }

    /** Looks without changing anything. */
    State query(String service) throws ApplicationException {
        return run("query", service, "");
    }

    /** Sets manual start and stops the service (and, with -Force, what depends on it) if it runs. */
    State manualAndStopped(String service) throws ApplicationException {
        State s = run("stop", service, MANUAL + STOP);
        if (s.exists() && !s.stopped()) {
            throw new ApplicationException("service " + service + " is still " + s.status()
                    + " after it was stopped: stop it by hand (Stop-Service " + service + " -Force) and try again");
        }
        return s;
    }

    State start(String service) throws ApplicationException {
        return run("start", service, START);
    }

    /** Stops the service if it runs; a missing or stopped service is left as it is. */
    State stop(String service) throws ApplicationException {
        State s = run("stop", service, STOP);
        if (s.exists() && !s.stopped()) {
            throw new ApplicationException("service " + service + " is still " + s.status()
                    + " after it was stopped: see the System event log, then stop it by hand");
        }
        return s;
    }

    private State run(String verb, String service, String action) throws ApplicationException {
        String body = (FIND + action + REPORT).formatted(PowerShell.quote(service));
        String what = verb + " service " + service;
        CommandRunner.Result r = call.run(what, PowerShell.command(what, body, TOO_LONG));
        if (!r.ok()) {
            throw new ApplicationException("cannot " + what + ": " + Output.error(r)
                    + ": see the System event log and the SQL Server error log (ERRORLOG) on this server");
        }
        boolean stoppedNow = r.output().lines().anyMatch(line -> line.strip().equals("STOPPING"));
        for (String line : r.output().lines().toList().reversed()) {
            if (line.strip().equals("MISSING")) {
                return new State(service, false, "missing", "", false);
            }
            if (line.startsWith("SERVICE|")) {
                String[] f = line.strip().split("\\|", -1);
                return new State(service, true, f[1], f.length > 2 ? f[2] : "", stoppedNow);
            }
        }
        throw new ApplicationException("cannot " + verb + " service " + service + ": PowerShell answered "
                + Output.tail(r.output()));
    }
}
