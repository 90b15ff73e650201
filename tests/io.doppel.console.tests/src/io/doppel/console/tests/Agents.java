package io.doppel.console.tests;

import java.time.Duration;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.AgentAddress;
import io.doppel.management.Credentials;
import io.doppel.management.ManagementClient;
import io.doppel.management.ManagementException;
import io.doppel.management.protocol.Messages;
import io.doppel.testing.Await;
import io.doppel.testing.AgentProcess;

/** Management calls a test makes to set the scene, over connections of their own. */
final class Agents {

    /** How long an agent that just started may take to register a feature's commands. */
    private static final Duration COMMANDS_TIMEOUT = Duration.ofSeconds(30);

    private Agents() {
    }

    static ManagementClient client(AgentProcess agent) throws ManagementException {
        try {
            return ManagementClient.connect(AgentAddress.parse(agent.address()), Credentials.fromFile(agent.tokenFile()),
                    Duration.ofSeconds(10));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Runs a command; while the agent is still starting and does not know it yet, asks again (a feature
     * registers its commands once its components are up, which may be after the agent listens).
     */
    static JsonElement call(AgentProcess agent, String command, JsonObject args) throws ManagementException {
        JsonElement[] result = new JsonElement[1];
        ManagementException[] failure = new ManagementException[1];
        Await.awaitCondition(COMMANDS_TIMEOUT, () -> {
            try (ManagementClient client = client(agent)) {
                result[0] = client.call(command, args);
                failure[0] = null;
                return true;
            } catch (ManagementException e) {
                failure[0] = e;
                return !Messages.E_UNKNOWN_COMMAND.equals(e.code());
            }
        }, "the agent on " + agent.home() + " to know '" + command + "'");
        if (failure[0] != null) {
            throw failure[0];
        }
        return result[0];
    }

    /** Makes two agents trust each other for replication; returns the target's fingerprint (the job pins it). */
    static String pair(AgentProcess source, String sourceName, AgentProcess target, String targetName)
            throws ManagementException {
        String sourceFingerprint = fingerprint(source);
        String targetFingerprint = fingerprint(target);
        call(source, "peer.trust", ManagementClient.args("name", targetName, "fingerprint", targetFingerprint));
        call(target, "peer.trust", ManagementClient.args("name", sourceName, "fingerprint", sourceFingerprint));
        return targetFingerprint;
    }

    static String fingerprint(AgentProcess agent) throws ManagementException {
        return call(agent, "identity", new JsonObject()).getAsJsonObject().get("fingerprint").getAsString();
    }
}
