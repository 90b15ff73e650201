package io.doppel.console.internal.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.doppel.api.agent.AgentIdentity;
import io.doppel.api.agent.AgentStatus;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobSummary;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerState;
import io.doppel.console.internal.model.UnsavedStore;
import io.doppel.management.AgentAddress;

class ServerColumnTest {

    private final ServerModel model = new ServerModel(new UnsavedStore());

    private List<String> row(Server server) {
        return Arrays.stream(ServerColumn.values()).map(c -> c.text(server)).toList();
    }

    @Test
    void aConnectedAgentShowsItsStatus() throws Exception {
        Server server = model.add(new ServerEntry(AgentAddress.parse("10.0.0.1:7420"), Path.of("/t")));
        AgentStatus status = new AgentStatus(new AgentIdentity("alpha", "AB:CD"), "0.1.0", "alpha",
                Instant.now(), 3_725, List.of(), List.of(),
                List.of(new JobSummary("web", JobState.STOPPED, "b:7421/web", null)));
        model.update(server, ServerState.connected(status));
        assertEquals(List.of("alpha", "10.0.0.1:7420", "Connected", "0.1.0", "1 h 2 min", "1", "AB:CD", ""), row(server));
    }

    @Test
    void aFailedAgentShowsStateAndProblemAndNoStaleValues() throws Exception {
        Server server = model.add(new ServerEntry(AgentAddress.parse("10.0.0.1:7420"), Path.of("/t")));
        model.update(server, ServerState.failed(ConnectionState.UNREACHABLE, "connection refused"));
        String u = ServerColumn.UNKNOWN;
        assertEquals(List.of(u, "10.0.0.1:7420", "Unreachable", u, u, u, u, "connection refused"), row(server));
    }

    @Test
    void durationsReadAsTheTwoLargestUnits() {
        assertEquals("0 s", Durations.brief(0));
        assertEquals("59 s", Durations.brief(59));
        assertEquals("1 min 0 s", Durations.brief(60));
        assertEquals("2 h 0 min", Durations.brief(7_200));
        assertEquals("3 d 4 h", Durations.brief(3 * 86_400 + 4 * 3_600 + 59));
    }
}
