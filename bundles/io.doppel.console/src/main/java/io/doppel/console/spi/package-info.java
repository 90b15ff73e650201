/**
 * What vendors contribute to the console: settings forms for their application failover plugins
 * (extension point {@code io.doppel.console.failoverPluginPages}, see docs/PLUGINS.md).
 */
package io.doppel.console.spi;
