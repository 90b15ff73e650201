/**
 * The witness SPI: a coordination service outside both agents that tells a target whether its
 * source is really gone, so that a target cut off from the network never takes over a living
 * source. Implemented by a plugin over an existing coordination engine (ZooKeeper, say).
 */
package io.doppel.api.failover.witness;
