/**
 * Failover: how a target agent watches a source and takes over its identity and applications when
 * it dies ({@link io.doppel.api.failover.FailoverDefinition}), and what it reports while doing so
 * ({@link io.doppel.api.failover.FailoverStatus}).
 */
package io.doppel.api.failover;
