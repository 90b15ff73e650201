package io.doppel.console.internal.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.doppel.management.ManagementException.Reason;

class ConnectionStateTest {

    @ParameterizedTest
    @EnumSource(ConnectionState.class)
    void everyFailureTellsTheNextStepAndNothingElseDoes(ConnectionState state) {
        if (state.isFailure()) {
            assertNotNull(state.nextStep());
            assertFalse(state.nextStep().isBlank());
        } else {
            assertNull(state.nextStep());
        }
    }

    @Test
    void everyManagementFailureHasItsOwnState() {
        assertEquals(ConnectionState.UNREACHABLE, ConnectionState.of(Reason.UNREACHABLE));
        assertEquals(ConnectionState.TIMED_OUT, ConnectionState.of(Reason.TIMEOUT));
        assertEquals(ConnectionState.AUTH_FAILED, ConnectionState.of(Reason.AUTH_FAILED));
        assertEquals(ConnectionState.PROTOCOL_MISMATCH, ConnectionState.of(Reason.PROTOCOL));
        assertEquals(ConnectionState.AGENT_ERROR, ConnectionState.of(Reason.REMOTE));
        assertEquals("Auth failed", ConnectionState.AUTH_FAILED.label());
    }

    @Test
    void aFailedStateNeedsAProblemDescription() {
        assertThrows(IllegalArgumentException.class, () -> ServerState.failed(ConnectionState.UNREACHABLE, " "));
        assertThrows(IllegalArgumentException.class, () -> ServerState.failed(ConnectionState.CONNECTED, "fine"));
    }
}
