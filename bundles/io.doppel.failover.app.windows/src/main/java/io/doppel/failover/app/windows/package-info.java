/**
 * What the Windows application failover plugins (sqlserver, exchange, smb) share: Windows
 * PowerShell scripts as programs to run, with every value a quoted literal and the script
 * Base64-encoded on the command line ({@link io.doppel.failover.app.windows.PowerShell}); commands
 * and pauses that end by the call's deadline ({@link io.doppel.failover.app.windows.Deadline});
 * settings read alike ({@link io.doppel.failover.app.windows.Settings}). Plain classes over the
 * application failover SPI: no services, no state.
 */
package io.doppel.failover.app.windows;
