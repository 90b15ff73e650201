/** The replication engine's service for interceptors. */
package io.doppel.engine;
