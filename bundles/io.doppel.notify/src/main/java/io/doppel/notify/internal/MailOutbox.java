package io.doppel.notify.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import io.doppel.api.event.Event;

/**
 * The events waiting to be mailed, by recipient list, under the rate limit: at most N mails per
 * period. While under the limit every event gets its own mail; events held back (by the limit or a
 * failure to send) go out together as one mail, the oldest in full and the rest as "N more events".
 * At most {@link #CAPACITY} events are kept; beyond that the newest are counted, not kept, and the
 * count is in the next mail. Nothing goes without being told.
 */
final class MailOutbox implements Outbox {

    static final int CAPACITY = 1000;

    /** Sends one mail. */
    interface Sender {
        void send(List<String> to, MailText text) throws Exception;
    }

    private static final class Waiting {
        final ArrayDeque<Event> events = new ArrayDeque<>();
        long notKept;
        /** Held back once: the rest goes out as one mail. */
        boolean held;
    }

    private final MailSettings settings;
    private final Sender sender;
    private final Backoff backoff;
    private final LongSupplier nanos;
    private final Map<List<String>, Waiting> waiting = new LinkedHashMap<>();
    private final ArrayDeque<Long> sent = new ArrayDeque<>(); // nano times of the mails in the period
    private int kept;
    private List<String> failing = List.of();

    MailOutbox(MailSettings settings, Sender sender, Backoff backoff, LongSupplier nanos) {
        this.settings = settings;
        this.sender = sender;
        this.backoff = backoff;
        this.nanos = nanos;
    }

    @Override
    public void add(Event event) {
        List<String> to = settings.recipientsOf(event);
        if (to.isEmpty()) {
            return;
        }
        Waiting w = waiting.computeIfAbsent(to, k -> new Waiting());
        if (kept >= CAPACITY && !w.events.isEmpty()) { // (a new recipient list keeps its first one)
            w.notKept++;
        } else {
            w.events.addLast(event);
            kept++;
        }
    }

    @Override
    public boolean isEmpty() {
        return waiting.isEmpty();
    }

    @Override
    public void send() throws Exception {
        if (!backoff.remaining().isZero()) {
            return;
        }
        while (!waiting.isEmpty()) {
            if (!untilAllowed().isZero()) {
                waiting.values().forEach(w -> w.held = true);
                return;
            }
            Map.Entry<List<String>, Waiting> next = oldest();
            Waiting w = next.getValue();
            List<Event> events = w.held ? new ArrayList<>(w.events) : List.of(w.events.peekFirst());
            try {
                sender.send(next.getKey(), MailText.of(settings.subjectPrefix(), events, w.held ? w.notKept : 0));
            } catch (Exception e) {
                failing = next.getKey();
                waiting.values().forEach(x -> x.held = true);
                backoff.failed();
                throw e;
            }
            backoff.succeeded();
            sent.addLast(nanos.getAsLong());
            for (int i = 0; i < events.size(); i++) {
                w.events.removeFirst();
            }
            kept -= events.size();
            if (w.held) {
                w.notKept = 0;
            }
            if (w.events.isEmpty() && w.notKept == 0) {
                waiting.remove(next.getKey());
            }
        }
    }

    @Override
    public Duration nextAttempt() {
        Duration retry = backoff.remaining();
        Duration rate = untilAllowed();
        return retry.compareTo(rate) > 0 ? retry : rate;
    }

    @Override
    public boolean failing() {
        return backoff.failing();
    }

    private Map.Entry<List<String>, Waiting> oldest() {
        return waiting.entrySet().stream()
                .min(Comparator.comparingLong(e -> e.getValue().events.isEmpty() ? Long.MAX_VALUE
                        : e.getValue().events.peekFirst().id()))
                .orElseThrow();
    }

    /** Zero when a mail may go now, else how long until one may. */
    private Duration untilAllowed() {
        long now = nanos.getAsLong();
        long period = settings.ratePeriod().toNanos();
        while (!sent.isEmpty() && now - sent.peekFirst() >= period) {
            sent.removeFirst();
        }
        if (sent.size() < settings.rateLimitMails()) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(1, sent.peekFirst() + period - now));
    }

    @Override
    public String failedMessage(Exception cause) {
        return "E-mail to " + String.join(", ", failing) + " could not be sent through " + settings.host() + ":"
                + settings.port() + " (" + settings.security().name().toLowerCase(java.util.Locale.ROOT) + "): "
                + TrapOutbox.reason(cause);
    }

    @Override
    public String recoveredMessage() {
        return "E-mail is sent again through " + settings.host() + ":" + settings.port()
                + "; the events that waited went out in one mail per recipient list";
    }
}
