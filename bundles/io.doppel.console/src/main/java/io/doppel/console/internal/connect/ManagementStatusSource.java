package io.doppel.console.internal.connect;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;

import io.doppel.api.agent.AgentStatus;
import io.doppel.api.event.Event;
import io.doppel.api.event.EventQuery;
import io.doppel.api.failover.FailoverStatus;
import io.doppel.api.job.JobStatus;
import io.doppel.console.internal.model.AgentSnapshot;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.management.Credentials;
import io.doppel.management.ManagementClient;
import io.doppel.management.ManagementException;
import io.doppel.management.ManagementException.Reason;
import io.doppel.management.protocol.Json;
import io.doppel.management.protocol.Messages;

/**
 * Reads the token file, connects, asks for the status, jobs, failovers and new events, and disconnects. One short connection per
 * refresh keeps the console free of connection bookkeeping; the timeout bounds every step, so a
 * dead agent costs at most that long.
 */
public final class ManagementStatusSource implements StatusSource, AgentCalls {

    /** How long one attempt may wait for the agent at each step. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** How far back the first refresh reads the agent's events. */
    static final Duration RECENT_EVENTS = Duration.ofHours(24);

    private static final TypeToken<List<JobStatus>> JOBS = new TypeToken<>() { };
    private static final TypeToken<List<FailoverStatus>> FAILOVERS = new TypeToken<>() { };
    private static final TypeToken<List<Event>> EVENTS = new TypeToken<>() { };

    private final Supplier<Duration> timeouts;

    public ManagementStatusSource(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        this.timeouts = () -> timeout;
    }

    /** @param timeouts asked before each connection, so a changed preference applies at once */
    public ManagementStatusSource(Supplier<Duration> timeouts) {
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
    }

    @Override
    public AgentSnapshot fetch(ServerEntry entry, long afterEventId) throws ConnectFailure {
        Credentials credentials = readToken(entry);
        try (ManagementClient client = connect(entry, credentials)) {
            AgentStatus status = client.status();
            List<JobStatus> jobs = list(client, "job.list", new JsonObject(), JOBS);
            List<FailoverStatus> failovers = list(client, "failover.list", new JsonObject(), FAILOVERS);
            JsonObject eventArgs = new JsonObject();
            if (afterEventId > 0) {
                eventArgs.addProperty("afterId", afterEventId);
            } else {
                eventArgs.addProperty("since", System.currentTimeMillis() - RECENT_EVENTS.toMillis());
                eventArgs.addProperty("newest", true); // the latest, if the day had more than one answer holds
            }
            eventArgs.addProperty("limit", EventQuery.MAX_LIMIT);
            List<Event> events = list(client, "event.list", eventArgs, EVENTS);
            return new AgentSnapshot(status, jobs, failovers, events);
        } catch (ManagementException e) {
            throw new ConnectFailure(ConnectionState.of(e.reason()), e.getMessage(), e);
        }
    }

    /**
     * Runs one command on the agent over a connection of its own.
     *
     * @throws ConnectFailure if the agent cannot be reached or refuses; a refused command's message is the agent's
     */
    @Override
    public JsonElement call(ServerEntry entry, String command, JsonObject args) throws ConnectFailure {
        Credentials credentials = readToken(entry);
        try (ManagementClient client = connect(entry, credentials)) {
            return client.call(command, args);
        } catch (ManagementException e) {
            throw new ConnectFailure(ConnectionState.of(e.reason()), e.getMessage(), e);
        }
    }

    /** Connects and checks that the agent is the one pinned for the entry, if any. */
    private ManagementClient connect(ServerEntry entry, Credentials credentials) throws ManagementException, ConnectFailure {
        ManagementClient client = ManagementClient.connect(entry.address(), credentials, timeouts.get());
        String pinned = entry.fingerprint();
        if (pinned != null && !pinned.equalsIgnoreCase(client.fingerprint())) {
            client.close();
            throw new ConnectFailure(ConnectionState.WRONG_AGENT, "the agent at " + entry.address() + " ('"
                    + client.agentName() + "') introduced itself with certificate fingerprint " + client.fingerprint()
                    + ", not " + pinned + " as pinned for this server", null);
        }
        return client;
    }

    /** A list the agent answers; empty if the command is not installed there (a feature the agent lacks). */
    private static <T> List<T> list(ManagementClient client, String command, JsonObject args, TypeToken<List<T>> type)
            throws ManagementException {
        JsonElement result;
        try {
            result = client.call(command, args);
        } catch (ManagementException e) {
            if (e.reason() == Reason.REMOTE && Messages.E_UNKNOWN_COMMAND.equals(e.code())) {
                return List.of();
            }
            throw e;
        }
        try {
            List<T> list = Json.GSON.fromJson(result, type);
            return list == null ? List.of() : list;
        } catch (JsonParseException e) {
            throw new ManagementException(Reason.PROTOCOL, null, "the agent's answer to " + command
                    + " is not readable: " + e.getMessage(), e);
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
