/**
 * Test doubles for the Windows plugins' unit tests, not for use at runtime. Windows cannot run
 * here, so each plugin is tested against a scripted runner: {@link
 * io.doppel.failover.app.windows.testing.ScriptedRunner} records every command (PowerShell scripts
 * decoded) and answers by matching it, and {@link io.doppel.failover.app.windows.testing.FakeContext}
 * is the plan's side of a call.
 *
 * <p>A plugin imports this package with {@code resolution:=optional}: its plain JUnit tests
 * (maven-surefire, outside OSGi) find it on the classpath built from the bundle's resolved
 * dependencies, while at runtime the bundle never needs it. The doubles implement SPI types that
 * the SPI's provider implements ({@code TakeoverContext}, {@code CommandRunner}); they follow the
 * SPI version they are compiled against.
 */
package io.doppel.failover.app.windows.testing;
