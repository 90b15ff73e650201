package io.doppel.console.tests;

import java.nio.file.Path;
import java.util.List;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.management.AgentAddress;
import io.doppel.management.ManagementException;
import io.doppel.testing.AgentProcess;

/**
 * Two real agent processes, a source and a target, that trust each other for replication; a test's
 * scene. Close it to stop both.
 */
final class AgentPair implements AutoCloseable {

    final AgentProcess source;
    final AgentProcess target;
    final String sourceName;
    final String targetName;
    /** The target's certificate fingerprint, which a job to it pins. */
    final String targetFingerprint;
    /** The folder of both agents' homes, for the test's own files too. */
    final Path work;

    private AgentPair(AgentProcess source, AgentProcess target, String sourceName, String targetName,
            String targetFingerprint, Path work) {
        this.source = source;
        this.target = target;
        this.sourceName = sourceName;
        this.targetName = targetName;
        this.targetFingerprint = targetFingerprint;
        this.work = work;
    }

    /** Starts both agents under {@code <test dir>/<scene>} and pairs them. */
    static AgentPair start(String scene, String sourceName, String targetName) throws ManagementException {
        Path work = Path.of(System.getProperty("doppel.test.dir", "target/work")).resolve(scene);
        AgentProcess source = AgentProcess.start(work.resolve("source-home"), "--name", sourceName);
        AgentProcess target = null;
        try {
            target = AgentProcess.start(work.resolve("target-home"), "--name", targetName);
            String fingerprint = Agents.pair(source, sourceName, target, targetName);
            return new AgentPair(source, target, sourceName, targetName, fingerprint, work);
        } catch (RuntimeException | ManagementException e) {
            source.close();
            if (target != null) {
                target.close();
            }
            throw e;
        }
    }

    /** Lists both agents in the console (unless listed) and runs the event loop until both are connected. */
    void showIn(ServerRegistry registry, Ui ui) {
        for (AgentProcess agent : List.of(source, target)) {
            AgentAddress address = AgentAddress.parse(agent.address());
            if (registry.model().find(address).isEmpty()) {
                try {
                    registry.add(new ServerEntry(address, agent.tokenFile()), null);
                } catch (io.doppel.console.internal.model.ServerStore.StoreException e) {
                    throw new AssertionError("the console could not save its server list: " + e.getMessage(), e);
                }
            }
        }
        ui.await(() -> List.of(source, target).stream().allMatch(agent -> registry.model()
                .find(AgentAddress.parse(agent.address()))
                .map(s -> s.state().connection() == ConnectionState.CONNECTED).orElse(false)),
                "both agents connected");
    }

    @Override
    public void close() {
        source.close();
        target.close();
    }
}
