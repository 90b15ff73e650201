package io.doppel.failover.app.windows.smb.internal;

import java.util.List;

import io.doppel.failover.app.windows.PowerShell;

/**
 * The PowerShell scripts the plugin runs (SmbShare module), every value a quoted literal. A share
 * is only ever replaced or removed when it points where this plugin points it, so a share of the
 * same name that an admin made for another folder is never touched.
 */
final class ShareScripts {

    private ShareScripts() {
    }

    /** Read-only, one line per share: {@code SHARE|name|state|path} or {@code ABSENT|name}. */
    static String list(List<String> names) {
        return """
                foreach ($n in %1$s) {
                    $e = Get-SmbShare -Name $n -ErrorAction SilentlyContinue
                    if ($null -eq $e) { 'ABSENT|' + $n } else { 'SHARE|' + $n + '|' + $e.ShareState + '|' + $e.Path }
                }
                """.formatted(PowerShell.array(names));
    }

    /** Creates the share (replacing its own earlier self); {@code CONFLICT|path} if the name is taken elsewhere. */
    static String create(SmbSettings.Share share, String path, String description) {
        StringBuilder access = new StringBuilder();
        append(access, "-FullAccess", share.fullAccess());
        append(access, "-ChangeAccess", share.changeAccess());
        append(access, "-ReadAccess", share.readAccess());
        return """
                $e = Get-SmbShare -Name %1$s -ErrorAction SilentlyContinue
                if ($null -ne $e -and $e.Path -ne %2$s) { 'CONFLICT|' + $e.Path; exit 0 }
                if ($null -ne $e) { Remove-SmbShare -Name %1$s -Force }
                New-SmbShare -Name %1$s -Path %2$s -Description %3$s%4$s | Out-Null
                'CREATED'
                """.formatted(PowerShell.quote(share.name()), PowerShell.quote(path), PowerShell.quote(description),
                access);
    }

    /** Removes the share if it points at {@code path}: {@code REMOVED}, {@code ABSENT} or {@code FOREIGN|path}. */
    static String remove(String name, String path) {
        return """
                $e = Get-SmbShare -Name %1$s -ErrorAction SilentlyContinue
                if ($null -eq $e) { 'ABSENT'; exit 0 }
                if ($e.Path -ne %2$s) { 'FOREIGN|' + $e.Path; exit 0 }
                Remove-SmbShare -Name %1$s -Force
                'REMOVED'
                """.formatted(PowerShell.quote(name), PowerShell.quote(path));
    }

    private static void append(StringBuilder b, String parameter, List<String> accounts) {
        if (!accounts.isEmpty()) {
            b.append(' ').append(parameter).append(' ').append(PowerShell.array(accounts));
        }
    }
}
