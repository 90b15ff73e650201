package io.doppel.cli.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.doppel.management.AgentAddress;
import io.doppel.management.Credentials;
import io.doppel.management.ManagementClient;
import io.doppel.management.ManagementException;

/** Finds the agent and its credentials from the options, and connects. */
final class Connector {

    private static final String ENDPOINT_FILE = "run/management.endpoint";

    private Connector() {
    }

    static AgentAddress address(Options o) throws CliException {
        if (o.agent() != null) {
            try {
                return AgentAddress.parse(o.agent());
            } catch (IllegalArgumentException e) {
                throw new CliException(Exit.USAGE, e.getMessage());
            }
        }
        if (o.home() != null) {
            Path file = o.home().resolve(ENDPOINT_FILE);
            try {
                return AgentAddress.parse(Files.readString(file, StandardCharsets.US_ASCII));
            } catch (NoSuchFileException e) {
                throw new CliException(Exit.UNREACHABLE, "no agent is running with home " + o.home() + " (" + file
                        + " does not exist)");
            } catch (IOException | IllegalArgumentException e) {
                throw new CliException(Exit.UNREACHABLE, "cannot read the agent's address from " + file + ": "
                        + e.getMessage());
            }
        }
        throw new CliException(Exit.USAGE, "which agent? give --agent HOST:PORT (with --token-file) or --home DIR "
                + "(or set DOPPEL_AGENT / DOPPEL_HOME)");
    }

    static Credentials credentials(Options o) throws CliException {
        Path file = o.tokenFile();
        if (file == null && o.home() != null) {
            file = o.home().resolve(Credentials.TOKEN_FILE);
        }
        if (file == null) {
            throw new CliException(Exit.CREDENTIALS, "no credentials: give --token-file FILE (a copy of the agent's "
                    + "<home>/" + Credentials.TOKEN_FILE + ") or set DOPPEL_TOKEN_FILE");
        }
        try {
            return Credentials.fromFile(file);
        } catch (java.nio.file.FileSystemException e) {
            throw new CliException(Exit.CREDENTIALS, "token file " + e.getMessage());
        } catch (IOException e) {
            throw new CliException(Exit.CREDENTIALS, "cannot use token file " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CliException(Exit.CREDENTIALS, e.getMessage());
        }
    }

    static ManagementClient connect(Options o) throws CliException {
        AgentAddress address = address(o);
        Credentials credentials = credentials(o);
        try {
            return ManagementClient.connect(address, credentials, o.timeout());
        } catch (ManagementException e) {
            throw new CliException(Exit.of(e.reason()), e.code(), e.getMessage());
        }
    }
}
