package io.doppel.console.internal.connect;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.time.Duration;
import java.util.Objects;

import io.doppel.api.agent.AgentStatus;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.management.Credentials;
import io.doppel.management.ManagementClient;
import io.doppel.management.ManagementException;

/**
 * Reads the token file, connects, asks for the status and disconnects. One short connection per
 * refresh keeps the console free of connection bookkeeping; the timeout bounds every step, so a
 * dead agent costs at most that long.
 */
public final class ManagementStatusSource implements StatusSource {

    /** How long one attempt may wait for the agent at each step. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final Duration timeout;

    public ManagementStatusSource(Duration timeout) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public AgentStatus fetch(ServerEntry entry) throws ConnectFailure {
        Credentials credentials = readToken(entry);
        try (ManagementClient client = ManagementClient.connect(entry.address(), credentials, timeout)) {
            return client.status();
        } catch (ManagementException e) {
            throw new ConnectFailure(ConnectionState.of(e.reason()), e.getMessage(), e);
        }
    }

    private static Credentials readToken(ServerEntry entry) throws ConnectFailure {
        try {
            return Credentials.fromFile(entry.tokenFile());
        } catch (FileSystemException e) {
            // Credentials puts the remedy into the reason; getMessage() would prefix the path twice
            String why = e.getReason() != null ? e.getReason() : "cannot be read";
            throw new ConnectFailure(ConnectionState.TOKEN_UNREADABLE, "token file " + entry.tokenFile() + ": " + why, e);
        } catch (IOException e) {
            String why = e.getMessage() != null ? e.getMessage() : "cannot read token file " + entry.tokenFile();
            throw new ConnectFailure(ConnectionState.TOKEN_UNREADABLE, why, e);
        } catch (IllegalArgumentException e) {
            throw new ConnectFailure(ConnectionState.TOKEN_UNREADABLE, e.getMessage(), e);
        }
    }
}
