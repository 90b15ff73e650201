/**
 * The application failover SPI: what a plugin implements (as an OSGi service) so that the target
 * agent can start an application on the replica at takeover, check its health, and stop it at
 * fail-back. A vendor plugin depends on this package alone. See docs/PLUGINS.md for a worked
 * example.
 */
package io.doppel.api.failover.app;
