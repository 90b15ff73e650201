package io.doppel.console.internal.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import io.doppel.api.event.Event;
import io.doppel.api.event.Severity;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerEntry;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.UnsavedStore;
import io.doppel.management.AgentAddress;

class EventRowsTest {

    private final ServerModel model = new ServerModel(new UnsavedStore());
    private final Server a = add("10.0.0.1:7420");
    private final Server b = add("10.0.0.2:7420");

    private Server add(String address) {
        try {
            return model.add(new ServerEntry(AgentAddress.parse(address), Path.of("/t")));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Event event(long id, Severity severity, String job, String code, String message) {
        return new Event(id, 1_000_000 + id * 1000, severity, "agent", job, code, message);
    }

    private static List<Long> ids(List<EventRow> rows) {
        return rows.stream().map(r -> r.event().id()).toList();
    }

    @Test
    void rowsAreNewestFirstAndARepeatedReadAddsNothing() {
        EventRows rows = new EventRows();
        assertEquals(2, rows.add(a, List.of(event(1, Severity.INFO, "web", "job.state", "CONNECTING"),
                event(2, Severity.INFO, "web", "mirror.done", "12 entries"))));
        assertEquals(0, rows.add(a, List.of(event(2, Severity.INFO, "web", "mirror.done", "12 entries"))));
        assertEquals(List.of(2L, 1L), ids(rows.shown(EventFilter.NONE, EventColumn.TIME.order(true))));
        assertEquals(List.of(1L, 2L), ids(rows.shown(EventFilter.NONE, EventColumn.TIME.order(false))));
    }

    @Test
    void filtersBySeverityAtLeastServerAndTextInCodeJobOrMessage() {
        EventRows rows = new EventRows();
        rows.add(a, List.of(event(1, Severity.INFO, "web", "mirror.done", "12 entries"),
                event(2, Severity.WARNING, "web", "job.state", "DISCONNECTED: refused"),
                event(3, Severity.CRITICAL, null, "security.refused", "unknown peer")));
        rows.add(b, List.of(event(1, Severity.ERROR, "db", "mirror.failed", "disk full")));
        var newest = EventColumn.TIME.order(true);

        assertEquals(List.of(3L, 2L, 1L), ids(rows.shown(new EventFilter(Severity.WARNING, null, ""), newest)));
        assertEquals(List.of(3L), ids(rows.shown(new EventFilter(Severity.CRITICAL, null, null), newest)));
        assertEquals(List.of(1L), ids(rows.shown(new EventFilter(null, b, ""), newest)));
        assertEquals(List.of(1L, 1L), ids(rows.shown(new EventFilter(null, null, "MIRROR"), newest)), "by code");
        assertEquals(List.of(1L), ids(rows.shown(new EventFilter(null, null, " db "), newest)), "by job");
        assertEquals(List.of(3L), ids(rows.shown(new EventFilter(null, null, "peer"), newest)), "by message");
        assertEquals(List.of(), ids(rows.shown(new EventFilter(null, a, "disk"), newest)));
    }

    @Test
    void sortsBySeverityWithTiesNewestFirst() {
        EventRows rows = new EventRows();
        rows.add(a, List.of(event(1, Severity.ERROR, "web", "x", ""), event(2, Severity.INFO, "web", "x", ""),
                event(3, Severity.ERROR, "web", "x", "")));
        assertEquals(List.of(3L, 1L, 2L), ids(rows.shown(EventFilter.NONE, EventColumn.SEVERITY.order(true))));
        assertEquals(List.of(2L, 3L, 1L), ids(rows.shown(EventFilter.NONE, EventColumn.SEVERITY.order(false))));
    }

    @Test
    void holdsAtMostItsCapacityDroppingTheOldest() {
        EventRows rows = new EventRows(100);
        rows.add(a, LongStream.rangeClosed(1, 250).mapToObj(i -> event(i, Severity.INFO, null, "c", "m")).toList());
        assertEquals(100, rows.size());
        List<Long> shown = ids(rows.shown(EventFilter.NONE, EventColumn.TIME.order(true)));
        assertEquals(250L, shown.get(0));
        assertEquals(151L, shown.get(99));
        assertEquals(250L, rows.lastId(a));
    }

    @Test
    void aRemovedServerTakesItsEventsAlong() {
        EventRows rows = new EventRows();
        rows.add(a, List.of(event(1, Severity.INFO, null, "c", "m")));
        rows.add(b, List.of(event(1, Severity.INFO, null, "c", "m")));
        rows.remove(a);
        assertEquals(1, rows.size());
        assertEquals(0, rows.lastId(a));
    }

    @Test
    void timeIsLocalToTheSecond() {
        EventRow row = new EventRow(a, event(1, Severity.INFO, null, "c", "m"));
        assertEquals(19, EventColumn.TIME.text(row).length());
        assertEquals("Info", EventColumn.SEVERITY.text(row));
        assertEquals("10.0.0.1:7420", EventColumn.SERVER.text(row));
    }
}
