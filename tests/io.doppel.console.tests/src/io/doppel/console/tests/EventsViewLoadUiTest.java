package io.doppel.console.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Table;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.doppel.api.agent.AgentIdentity;
import io.doppel.api.agent.AgentStatus;
import io.doppel.api.event.Event;
import io.doppel.api.event.Severity;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.events.EventRow;
import io.doppel.console.internal.events.EventRows;
import io.doppel.console.internal.events.EventsView;
import io.doppel.console.internal.model.AgentSnapshot;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.model.ServerState;
import io.doppel.console.internal.workbench.DoppelPerspective;
import io.doppel.management.AgentAddress;

/**
 * The Events view under a flood: thousands of events in bursts, as a busy set of agents logs them.
 * The events are handed to the console's model as a refresh would; the address is one where nothing
 * listens, so no real agent is involved.
 */
class EventsViewLoadUiTest {

    private static final int BURSTS = 7;
    private static final int PER_BURST = 1_000;

    private final IWorkbench workbench = PlatformUI.getWorkbench();
    private final Ui ui = new Ui(Display.getCurrent());
    private final ServerRegistry registry = workbench.getService(ServerRegistry.class);
    private Server flood;
    private long nextId = 1;
    /** Event times: one millisecond apart, in the order of their ids. */
    private final long base = System.currentTimeMillis() - 60_000;

    @AfterEach
    void removeServer() throws Exception {
        if (flood != null) {
            registry.remove(flood);
        }
    }

    @Test
    void thousandsOfEventsInBurstsKeepTheWindowResponsiveTheSelectionAndTheScrollPosition() throws Exception {
        IWorkbenchPage page = workbench.showPerspective(DoppelPerspective.ID, workbench.getActiveWorkbenchWindow());
        for (Server server : registry.model().servers()) {
            registry.remove(server); // left by other tests: only the flood is listed
        }
        EventsView view = (EventsView) page.showView(EventsView.ID);
        String address;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            address = "127.0.0.1:" + closed.getLocalPort();
        }
        flood = registry.add(new ServerEntry(AgentAddress.parse(address), Path.of("/nonexistent/token")), null);

        long longestGap = 0;
        long started = System.nanoTime();
        for (int burst = 0; burst < BURSTS; burst++) {
            long t0 = System.nanoTime();
            registry.model().update(flood, connected(PER_BURST));
            ui.dispatchPending();
            longestGap = Math.max(longestGap, System.nanoTime() - t0);
        }
        ui.await(() -> view.shownRows().size() == EventRows.CAPACITY, "the table to hold its capacity");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(longestGap < Duration.ofSeconds(1).toNanos(),
                "a burst held the window for " + Duration.ofNanos(longestGap).toMillis() + " ms");
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, BURSTS * PER_BURST + " events took " + took);
        assertEquals(EventRows.CAPACITY + " events shown of " + EventRows.CAPACITY, view.countLine());
        assertEquals(nextId - 1, view.shownRows().get(0).event().id(), "the newest on top");

        // scrolled down with a row selected, new events neither move the view nor lose the selection
        Table table = view.viewer().getTable();
        table.setTopIndex(2_000);
        ui.dispatchPending();
        int top = table.getTopIndex();
        EventRow topRow = view.shownRows().get(top);
        EventRow chosen = view.shownRows().get(top + 3);
        table.setSelection(top + 3);
        registry.model().update(flood, connected(50));
        ui.await(() -> view.shownRows().get(0).event().id() == nextId - 1, "the new burst listed");
        ui.dispatchPending();
        // GTK scrolls by pixels and places the rows once laid out: the row may land a row or two from the
        // very top (a sliver of the row above shows), but it stays in view where the admin was reading
        int expected = view.shownRows().indexOf(topRow);
        assertEquals(top + 50, expected, "fifty rows arrived above it");
        int visible = Math.max(3, table.getClientArea().height / Math.max(1, table.getItemHeight()));
        ui.await(() -> Math.abs(table.getTopIndex() - expected) <= Math.min(2, visible / 2),
                "the row at the top (now " + expected + ") to stay at the top; the top is " + table.getTopIndex());
        assertSame(chosen, view.shownRows().get(table.getSelectionIndex()), "the selection follows its row");
    }

    /** A snapshot as a refresh brings it, with {@code count} new events. */
    private ServerState connected(int count) {
        List<Event> events = new ArrayList<>();
        Severity[] severities = Severity.values();
        for (int i = 0; i < count; i++) {
            long id = nextId++;
            events.add(new Event(id, base + id, severities[(int) (id % severities.length)], "flood",
                    "job-" + id % 7, "load.test", "event number " + id));
        }
        AgentStatus status = new AgentStatus(new AgentIdentity("flood", "AA:BB"), "0.1.0", "flood", Instant.now(), 1,
                List.of(), List.of(), List.of());
        return ServerState.connected(new AgentSnapshot(status, List.of(), List.of(), events));
    }
}
