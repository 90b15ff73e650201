package io.doppel.console.internal.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.management.AgentAddress;

class ManagementStatusSourceTest {

    private final ManagementStatusSource source = new ManagementStatusSource(Duration.ofSeconds(2));

    @TempDir
    Path dir;

    @Test
    void aMissingTokenFileSaysWhereTheAgentWritesIt() {
        Path missing = dir.resolve("management.token");
        ConnectFailure failure = assertThrows(ConnectFailure.class,
                () -> source.fetch(new ServerEntry(AgentAddress.parse("127.0.0.1:7420"), missing), 0));
        assertEquals(ConnectionState.TOKEN_UNREADABLE, failure.state());
        assertEquals("token file " + missing + ": no token file there; an agent writes it to <home>/management.token "
                + "at first start", failure.getMessage());
    }

    @Test
    void aFileWithoutATokenIsNamedAsSuch() throws Exception {
        Path notAToken = Files.writeString(dir.resolve("notes.txt"), "hello");
        ConnectFailure failure = assertThrows(ConnectFailure.class,
                () -> source.fetch(new ServerEntry(AgentAddress.parse("127.0.0.1:7420"), notAToken), 0));
        assertEquals(ConnectionState.TOKEN_UNREADABLE, failure.state());
        assertTrue(failure.getMessage().contains("does not hold a management token"), failure.getMessage());
    }

    @Test
    void nothingListeningIsUnreachableWithAReadableReasonAndQuickly() throws Exception {
        Path token = Files.writeString(dir.resolve("management.token"), "00".repeat(32));
        int freePort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            freePort = socket.getLocalPort();
        }
        AgentAddress address = new AgentAddress("127.0.0.1", freePort);
        ConnectFailure failure = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(
                ConnectFailure.class, () -> source.fetch(new ServerEntry(address, token), 0)));
        assertEquals(ConnectionState.UNREACHABLE, failure.state());
        assertTrue(failure.getMessage().startsWith("cannot connect to an agent at " + address), failure.getMessage());
        assertFalse(failure.getMessage().contains("Exception"), failure.getMessage());
    }
}
