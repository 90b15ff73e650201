package io.doppel.failover.app.windows.exchange.internal;

import java.util.List;

import io.doppel.failover.app.windows.PowerShell;

/**
 * The PowerShell scripts the plugin runs. Each handles all services or all databases in one
 * process (loading the Exchange snap-in takes seconds) and reports one tagged line per name, e.g.
 * {@code MOUNTED|DB01}; every value is a quoted literal.
 */
final class ExchangeScripts {

    private ExchangeScripts() {
    }

    /** Read-only: which services are missing, whether the shell is installed, which databases it does not know. */
    static String check(ExchangeSettings s) {
        return """
                foreach ($n in %1$s) {
                    if ($null -eq (Get-Service -Name $n -ErrorAction SilentlyContinue)) { 'MISSING|' + $n }
                }
                if ($null -eq (Get-PSSnapin -Registered | Where-Object { $_.Name -eq %2$s })) { 'NO-SHELL|' + %2$s; exit 0 }
                Add-PSSnapin -Name %2$s
                foreach ($d in %3$s) {
                    if ($null -eq (Get-MailboxDatabase -Identity $d -ErrorAction SilentlyContinue)) { 'UNKNOWN|' + $d }
                }
                """.formatted(PowerShell.array(s.services()), PowerShell.quote(s.snapin()),
                PowerShell.array(s.databases()));
    }

    /**
     * Checks that every service exists before it starts any, then in order: manual start (a reboot
     * must not start Exchange on a replica before it is promoted) and Start-Service, which waits
     * until the service runs.
     */
    static String startServices(List<String> services) {
        return """
                $names = %1$s
                $missing = @($names | Where-Object { $null -eq (Get-Service -Name $_ -ErrorAction SilentlyContinue) })
                if ($missing.Count -gt 0) { foreach ($n in $missing) { 'MISSING|' + $n }; exit 0 }
                foreach ($n in $names) {
                    Set-Service -Name $n -StartupType Manual
                    Start-Service -Name $n
                    'RUNNING|' + $n
                }
                """.formatted(PowerShell.array(services));
    }

    /** Mounts each database that is not mounted; one that fails is reported and the others still tried. */
    static String mount(String snapin, List<String> databases) {
        return """
                Add-PSSnapin -Name %1$s
                foreach ($d in %2$s) {
                    try {
                        if (-not (Get-MailboxDatabase -Identity $d -Status).Mounted) { Mount-Database -Identity $d -Confirm:$false }
                        'MOUNTED|' + $d
                    } catch { 'NOT-MOUNTED|' + $d + '|' + ($_.Exception.Message -replace '\\s+', ' ') }
                }
                """.formatted(PowerShell.quote(snapin), PowerShell.array(databases));
    }

    static String health(ExchangeSettings s) {
        return """
                foreach ($n in %1$s) {
                    $s = Get-Service -Name $n -ErrorAction SilentlyContinue
                    if ($null -eq $s) { 'SERVICE|' + $n + '|missing' } else { 'SERVICE|' + $n + '|' + $s.Status }
                }
                Add-PSSnapin -Name %2$s
                foreach ($d in %3$s) { 'DATABASE|' + $d + '|' + (Get-MailboxDatabase -Identity $d -Status).Mounted }
                """.formatted(PowerShell.array(s.services()), PowerShell.quote(s.snapin()),
                PowerShell.array(s.databases()));
    }

    /**
     * Dismounts, in reverse order, the databases that are mounted. Without the shell, or with the
     * store stopped, nothing is mounted: the status query's failure is then the answer, not an error.
     */
    static String dismount(ExchangeSettings s) {
        return """
                if ($null -eq (Get-PSSnapin -Registered | Where-Object { $_.Name -eq %1$s })) { 'NO-SHELL|' + %1$s; exit 0 }
                Add-PSSnapin -Name %1$s
                foreach ($d in %2$s) {
                    $db = $null
                    try { $db = Get-MailboxDatabase -Identity $d -Status } catch { 'UNKNOWN|' + $d }
                    if ($null -ne $db -and $db.Mounted) { Dismount-Database -Identity $d -Confirm:$false; 'DISMOUNTED|' + $d }
                }
                """.formatted(PowerShell.quote(s.snapin()), PowerShell.array(s.databasesReversed()));
    }

    /** Stops, in reverse order, the services that run; missing and stopped ones are left alone. */
    static String stopServices(ExchangeSettings s) {
        return """
                foreach ($n in %1$s) {
                    $s = Get-Service -Name $n -ErrorAction SilentlyContinue
                    if ($null -ne $s -and [string]$s.Status -ne 'Stopped') { Stop-Service -Name $n -Force; 'STOPPED|' + $n }
                }
                """.formatted(PowerShell.array(s.servicesReversed()));
    }
}
