package io.doppel.agent;

import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;

import org.osgi.annotation.versioning.ProviderType;

import io.doppel.api.agent.AgentIdentity;

/**
 * The agent's home: its state directory, held by exactly one running agent, and the identity
 * created there at first start. Other bundles keep their state in {@link #area(String)}.
 *
 * <pre>
 * home/
 *   agent.lock            held while the agent runs
 *   management.token      secret for management access (owner-only)
 *   identity/             agent.name, agent.p12 (key pair + self-signed certificate), keystore.pass
 *   logs/                 agent.log
 *   run/                  agent.pid, management.endpoint (while running)
 *   state/&lt;area&gt;/         per-bundle persistent state (jobs, journals, …)
 *   osgi/                 the OSGi framework's own area (configuration, bundle data)
 * </pre>
 */
@ProviderType
public interface AgentHome {

    /** Framework/system property naming the home directory. */
    String HOME_PROPERTY = "doppel.home";

    /** The home directory (absolute). */
    Path root();

    /** A persistent state directory for one area (created on demand, owner-only). */
    Path area(String name);

    /** The run directory, for files that exist only while the agent runs. */
    Path runDir();

    /** Who this agent is. */
    AgentIdentity identity();

    /** The agent's key pair and certificate, under alias {@value #KEY_ALIAS}. */
    KeyStore keyStore();

    /** The password protecting {@link #keyStore()}'s key entry. */
    char[] keyPassword();

    /** The file holding the management token. */
    Path managementTokenFile();

    /** When this agent process started. */
    Instant startedAt();

    /** Alias of the agent's key entry. */
    String KEY_ALIAS = "agent";
}
