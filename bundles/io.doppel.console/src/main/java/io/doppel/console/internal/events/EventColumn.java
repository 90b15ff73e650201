package io.doppel.console.internal.events;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;

import io.doppel.api.event.Event;

/** The columns of the Events view: what each shows and, for the sortable ones, how it sorts. */
public enum EventColumn {

    TIME("Time", 150, Comparator.comparingLong((EventRow r) -> r.event().timeMillis())),
    SEVERITY("Severity", 90, Comparator.comparing((EventRow r) -> r.event().severity(),
            Comparator.nullsFirst(Comparator.naturalOrder()))),
    SERVER("Server", 130, Comparator.comparing((EventRow r) -> r.server().displayName(), String.CASE_INSENSITIVE_ORDER)),
    JOB("Job", 100, null),
    CODE("Code", 140, Comparator.comparing((EventRow r) -> text(r.event().code()))),
    MESSAGE("Message", 420, null);

    /** Local time, to the second. */
    public static final DateTimeFormatter TIME_FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    /** Among equal keys, the newer event first (then by id: two events within one millisecond). */
    private static final Comparator<EventRow> NEWEST_FIRST = Comparator
            .comparingLong((EventRow r) -> r.event().timeMillis())
            .thenComparingLong(r -> r.event().id()).reversed();

    private final String title;
    private final int widthHint;
    private final Comparator<EventRow> order;

    EventColumn(String title, int widthHint, Comparator<EventRow> order) {
        this.title = title;
        this.widthHint = widthHint;
        this.order = order;
    }

    public String title() {
        return title;
    }

    /** Initial width; the admin may resize. */
    public int widthHint() {
        return widthHint;
    }

    public boolean sortable() {
        return order != null;
    }

    /**
     * The order of rows sorted by this column; ties go newest first whatever the direction.
     *
     * @throws IllegalStateException if the column does not sort
     */
    public Comparator<EventRow> order(boolean descending) {
        if (order == null) {
            throw new IllegalStateException(title + " does not sort");
        }
        return (descending ? order.reversed() : order).thenComparing(NEWEST_FIRST);
    }

    /** The cell's text. */
    public String text(EventRow row) {
        Event e = row.event();
        return switch (this) {
            case TIME -> TIME_FORMAT.format(Instant.ofEpochMilli(e.timeMillis()));
            case SEVERITY -> severity(e);
            case SERVER -> row.server().displayName();
            case JOB -> text(e.job());
            case CODE -> text(e.code());
            case MESSAGE -> text(e.message()).replace('\n', ' ');
        };
    }

    /** "Info", "Warning", "Error", "Critical". */
    public static String severity(Event e) {
        if (e.severity() == null) {
            return "";
        }
        String name = e.severity().name();
        return name.charAt(0) + name.substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    private static String text(String value) {
        return value == null ? "" : value;
    }
}
