/**
 * The replication engine's services: {@link io.doppel.engine.ReplicationEngine} for interceptors,
 * {@link io.doppel.engine.ReplicaImages} for failover on the target.
 */
package io.doppel.engine;
