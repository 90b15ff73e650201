package io.doppel.notify.internal;

import java.time.Instant;
import java.util.List;

import io.doppel.api.event.Event;

/** The subject and body of a mail about one event, or about one event and the N more that waited. */
record MailText(String subject, String body) {

    private static final int SUBJECT_MESSAGE_MAX = 100;

    /**
     * @param events   the events, oldest first (at least one)
     * @param notKept  events that were not kept while waiting (the outbox was full), told as a number
     */
    static MailText of(String prefix, List<Event> events, long notKept) {
        Event first = events.getFirst();
        long more = events.size() - 1 + notKept;
        StringBuilder subject = new StringBuilder();
        if (!prefix.isEmpty()) {
            subject.append(prefix).append(' ');
        }
        subject.append(first.severity()).append(' ').append(first.agent());
        if (first.job() != null) {
            subject.append(" job ").append(first.job());
        }
        subject.append(": ").append(first.code()).append(" - ").append(shorten(firstLine(first.message())));
        if (more > 0) {
            subject.append(" (+").append(more).append(" more event").append(more == 1 ? "" : "s").append(')');
        }
        StringBuilder body = new StringBuilder();
        body.append(first.message()).append("\n\n");
        body.append("Severity: ").append(first.severity()).append('\n');
        body.append("Agent:    ").append(first.agent()).append('\n');
        body.append("Job:      ").append(first.job() == null ? "- (the agent itself)" : first.job()).append('\n');
        body.append("Code:     ").append(first.code()).append('\n');
        body.append("Time:     ").append(Instant.ofEpochMilli(first.timeMillis())).append('\n');
        body.append("Event:    #").append(first.id()).append('\n');
        if (more > 0) {
            body.append("\n").append(more).append(" more event").append(more == 1 ? "" : "s")
                    .append(" (held back by the mail rate limit or a failure to send):\n");
            for (Event e : events.subList(1, events.size())) {
                body.append(Instant.ofEpochMilli(e.timeMillis())).append("  #").append(e.id()).append("  ")
                        .append(e.severity()).append("  ").append(e.job() == null ? "-" : e.job()).append("  ")
                        .append(e.code()).append("  ").append(firstLine(e.message())).append('\n');
            }
            if (notKept > 0) {
                body.append(notKept).append(" more event").append(notKept == 1 ? " was" : "s were")
                        .append(" not kept while waiting; `doppel events --since ")
                        .append(Instant.ofEpochMilli(first.timeMillis())).append("` lists them all.\n");
            }
        }
        body.append("\n-- \nDoppel agent ").append(first.agent()).append('\n');
        return new MailText(subject.toString(), body.toString());
    }

    private static String firstLine(String text) {
        String t = text == null ? "" : text.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }

    private static String shorten(String text) {
        return text.length() <= SUBJECT_MESSAGE_MAX ? text : text.substring(0, SUBJECT_MESSAGE_MAX - 1) + "…";
    }
}
