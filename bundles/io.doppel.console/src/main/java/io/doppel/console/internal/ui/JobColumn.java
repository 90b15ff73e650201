package io.doppel.console.internal.ui;

import java.util.Comparator;
import java.util.Locale;
import java.util.function.Function;

import io.doppel.console.internal.model.JobRef;

/** The columns of the Jobs view: header, initial width, a cell's text and the order it sorts in. */
public enum JobColumn {

    JOB("Job", 130, JobRef::name, Comparator.comparing(JobRef::name)),
    SERVER("Server", 140, j -> j.server().displayName(), Comparator.comparing(j -> j.server().displayName())),
    STATE("State", 120, j -> Formats.state(j.state()),
            Comparator.comparing(j -> j.state() == null ? -1 : j.state().ordinal())),
    MIRROR("Mirror", 240, j -> Formats.mirror(j.status().mirror()),
            Comparator.comparingDouble(j -> Formats.mirrorFraction(j.status().mirror()))),
    QUEUE("Queue", 120, j -> String.format(Locale.ROOT, "%,d", j.status().queuedOps()) + " ("
            + Formats.bytes(j.status().queuedBytes()) + ")", Comparator.comparingLong(j -> j.status().queuedOps())),
    LAG("Lag", 90, j -> Formats.lag(j.status().lagMillis()), Comparator.comparingLong(j -> j.status().lagMillis())),
    THROUGHPUT("Throughput", 100, j -> Formats.rate(j.status().bytesPerSecond()),
            Comparator.comparingLong(j -> j.status().bytesPerSecond())),
    TARGET("Target", 200, j -> Formats.target(j.status()), Comparator.comparing(j -> Formats.target(j.status()))),
    LAST_ERROR("Last error", 400, j -> {
        String error = j.status().lastError();
        return error == null ? "" : error;
    }, Comparator.comparing(j -> j.status().lastError() == null ? "" : j.status().lastError()));

    private final String header;
    private final int width;
    private final Function<JobRef, String> text;
    private final Comparator<JobRef> order;

    JobColumn(String header, int width, Function<JobRef, String> text, Comparator<JobRef> order) {
        this.header = header;
        this.width = width;
        this.text = text;
        this.order = order;
    }

    public String header() {
        return header;
    }

    public int width() {
        return width;
    }

    public String text(JobRef job) {
        return text.apply(job);
    }

    /** Ascending order of this column; ties by server, then job name. */
    public Comparator<JobRef> order() {
        return order.thenComparing(j -> j.server().displayName()).thenComparing(JobRef::name);
    }

    /** Whether any column's text of the job contains {@code filter}, ignoring case. */
    public static boolean matches(JobRef job, String filter) {
        if (filter == null || filter.isBlank()) {
            return true;
        }
        String needle = filter.strip().toLowerCase(Locale.ROOT);
        for (JobColumn column : values()) {
            if (column.text(job).toLowerCase(Locale.ROOT).contains(needle)) {
                return true;
            }
        }
        return false;
    }

}
