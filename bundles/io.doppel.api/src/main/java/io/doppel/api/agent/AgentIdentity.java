package io.doppel.api.agent;

/**
 * Who an agent is: a name chosen at first start (the host name unless the admin picks one), and the
 * SHA-256 fingerprint of its certificate, which peers pin when they pair.
 *
 * @param name        human name of the agent
 * @param fingerprint SHA-256 of the agent's DER certificate, as colon-separated hex
 */
public record AgentIdentity(String name, String fingerprint) {
}
