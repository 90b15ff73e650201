package io.doppel.management;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import io.doppel.api.agent.AgentStatus;
import io.doppel.management.ManagementException.Reason;
import io.doppel.management.protocol.Frames;
import io.doppel.management.protocol.Json;
import io.doppel.management.protocol.Messages;
import io.doppel.management.protocol.ProtocolException;

/**
 * A blocking connection to one agent's management endpoint. Connecting authenticates both ways;
 * each {@link #call} then sends one request and waits for its response. Thread-safe (calls are
 * serialised). Close it when done.
 */
public final class ManagementClient implements AutoCloseable {

    private final AgentAddress address;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String agentName;
    private final String fingerprint;
    private long nextId = 1;

    private ManagementClient(AgentAddress address, Socket socket, String agentName, String fingerprint)
            throws IOException {
        this.address = address;
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.agentName = agentName;
        this.fingerprint = fingerprint;
    }

    /**
     * Connects and authenticates.
     *
     * @param timeout bounds the connect and every later wait for an answer
     */
    public static ManagementClient connect(AgentAddress address, Credentials credentials, Duration timeout)
            throws ManagementException {
        Socket socket = new Socket();
        try {
            int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
            socket.connect(new InetSocketAddress(address.host(), address.port()), millis);
            socket.setSoTimeout(millis);
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();

            JsonObject hello = Frames.read(in);
            String type = Messages.type(hello);
            if (Messages.ERROR.equals(type)) {
                throw remoteRefusal(address, hello);
            }
            if (!Messages.HELLO.equals(type)) {
                throw new ProtocolException("expected hello, got '" + type + "'");
            }
            long protocol = Messages.number(hello, "protocol");
            if (protocol != Messages.PROTOCOL) {
                throw new ManagementException(Reason.PROTOCOL, "the agent at " + address + " speaks management protocol "
                        + protocol + ", this client speaks " + Messages.PROTOCOL + "; use matching versions");
            }
            String agentNonce = Messages.string(hello, "nonce");
            String clientNonce = Messages.newNonce();
            Frames.write(out, Messages.auth(clientNonce, credentials.clientProof(agentNonce, clientNonce)));

            JsonObject answer = Frames.read(in);
            String answerType = Messages.type(answer);
            if (Messages.ERROR.equals(answerType)) {
                throw remoteRefusal(address, answer);
            }
            if (!Messages.WELCOME.equals(answerType)) {
                throw new ProtocolException("expected welcome, got '" + answerType + "'");
            }
            if (!Messages.proofMatches(credentials.agentProof(agentNonce, clientNonce), answer.has("proof")
                    ? Messages.string(answer, "proof") : null)) {
                throw new ManagementException(Reason.AUTH_FAILED, "the agent at " + address
                        + " could not prove it holds the token from " + credentials.source()
                        + "; it is another agent than the token belongs to");
            }
            return new ManagementClient(address, socket, Messages.string(hello, "agent"),
                    Messages.string(hello, "fingerprint"));
        } catch (ManagementException e) {
            closeQuietly(socket);
            throw e;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw translate(address, e);
        }
    }

    /** The agent's name, as it introduced itself. */
    public String agentName() {
        return agentName;
    }

    /** The SHA-256 fingerprint of the agent's certificate, as it introduced itself. */
    public String fingerprint() {
        return fingerprint;
    }

    public AgentAddress address() {
        return address;
    }

    /** Runs one command on the agent and returns its result. */
    public synchronized JsonElement call(String command, JsonObject args) throws ManagementException {
        long id = nextId++;
        try {
            Frames.write(out, Messages.request(id, command, args));
            JsonObject response = Frames.read(in);
            String type = Messages.type(response);
            if (Messages.ERROR.equals(type)) {
                throw remoteRefusal(address, response);
            }
            if (!Messages.RESPONSE.equals(type) || Messages.number(response, "id") != id) {
                throw new ProtocolException("expected the response to request " + id);
            }
            if (response.has("ok") && response.get("ok").getAsBoolean()) {
                return response.get("result");
            }
            JsonObject error = response.getAsJsonObject("error");
            throw new ManagementException(Reason.REMOTE, Messages.string(error, "code"),
                    Messages.string(error, "message"), null);
        } catch (ManagementException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw translate(address, e);
        }
    }

    /** The agent's status. */
    public AgentStatus status() throws ManagementException {
        JsonElement result = call("status", new JsonObject());
        try {
            return Json.GSON.fromJson(result, AgentStatus.class);
        } catch (JsonParseException e) {
            throw new ManagementException(Reason.PROTOCOL, null, "the agent's status is not readable: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static ManagementException remoteRefusal(AgentAddress address, JsonObject error) {
        String code = error.has("code") ? error.get("code").getAsString() : Messages.E_INTERNAL;
        String message = error.has("message") ? error.get("message").getAsString() : "refused";
        Reason reason = Messages.E_AUTH.equals(code) ? Reason.AUTH_FAILED
                : Messages.E_VERSION.equals(code) || Messages.E_PROTOCOL.equals(code) ? Reason.PROTOCOL : Reason.REMOTE;
        return new ManagementException(reason, code, "agent at " + address + ": " + message, null);
    }

    private static ManagementException translate(AgentAddress address, Exception e) {
        if (e instanceof ConnectException) {
            return new ManagementException(Reason.UNREACHABLE, null, "cannot connect to an agent at " + address
                    + ": connection refused (is the agent running and listening there?)", e);
        }
        if (e instanceof UnknownHostException) {
            return new ManagementException(Reason.UNREACHABLE, null, "cannot connect to an agent at " + address
                    + ": unknown host '" + address.host() + "'", e);
        }
        if (e instanceof NoRouteToHostException) {
            return new ManagementException(Reason.UNREACHABLE, null, "cannot connect to an agent at " + address
                    + ": no route to host", e);
        }
        if (e instanceof SocketTimeoutException) {
            return new ManagementException(Reason.TIMEOUT, null, "the agent at " + address + " did not answer in time",
                    e);
        }
        if (e instanceof ProtocolException || e instanceof EOFException || e instanceof JsonParseException
                || e instanceof IllegalStateException || e instanceof UnsupportedOperationException) {
            return new ManagementException(Reason.PROTOCOL, null, "the peer at " + address
                    + " does not speak the Doppel management protocol: " + e.getMessage(), e);
        }
        return new ManagementException(Reason.UNREACHABLE, null, "connection to the agent at " + address
                + " failed: " + e.getMessage(), e);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a broken socket: nothing left to report
        }
    }

    /** Convenience for {@code args} objects: {@code args("job", "web")}. */
    public static JsonObject args(String... keyValues) {
        JsonObject o = new JsonObject();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            o.addProperty(keyValues[i], keyValues[i + 1]);
        }
        return o;
    }
}
