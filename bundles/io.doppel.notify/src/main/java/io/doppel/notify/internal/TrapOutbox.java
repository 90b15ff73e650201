package io.doppel.notify.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import io.doppel.api.event.Event;
import io.doppel.notify.internal.Check.HostPort;

/**
 * The traps waiting for each receiver, each receiver with its own queue and its own {@link Backoff}:
 * one that cannot be reached neither holds back nor gets repeated to the others. Each queue holds at
 * most {@link #CAPACITY}; beyond that the oldest is dropped and counted, and the count is reported
 * when sending works again.
 */
final class TrapOutbox implements Outbox {

    static final int CAPACITY = 1000;

    /** Sends one trap to one receiver. */
    interface Sender {
        void send(Event event, HostPort target) throws Exception;
    }

    private static final class Receiver {
        final ArrayDeque<Event> queue = new ArrayDeque<>();
        final Backoff backoff;
        long dropped;

        Receiver(Backoff backoff) {
            this.backoff = backoff;
        }
    }

    private final Sender sender;
    private final String what;
    private final Map<HostPort, Receiver> receivers = new LinkedHashMap<>();
    private final List<HostPort> failed = new ArrayList<>(); // the receivers that failed in the last send

    TrapOutbox(SnmpSettings settings, Sender sender, Duration firstRetry, Duration maxRetry, LongSupplier nanos) {
        this.sender = sender;
        this.what = settings.toString();
        for (HostPort t : settings.targets()) {
            receivers.put(t, new Receiver(new Backoff(firstRetry, maxRetry, nanos)));
        }
    }

    @Override
    public void add(Event event) {
        for (Receiver r : receivers.values()) {
            if (r.queue.size() >= CAPACITY) {
                r.queue.removeFirst();
                r.dropped++;
            }
            r.queue.addLast(event);
        }
    }

    @Override
    public boolean isEmpty() {
        return receivers.values().stream().allMatch(r -> r.queue.isEmpty());
    }

    @Override
    public void send() throws Exception {
        failed.clear();
        Exception first = null;
        for (Map.Entry<HostPort, Receiver> e : receivers.entrySet()) {
            Receiver r = e.getValue();
            if (r.queue.isEmpty() || !r.backoff.remaining().isZero()) {
                continue;
            }
            try {
                while (!r.queue.isEmpty()) {
                    sender.send(r.queue.peekFirst(), e.getKey());
                    r.queue.removeFirst();
                }
                r.backoff.succeeded();
            } catch (Exception ex) {
                r.backoff.failed();
                failed.add(e.getKey());
                first = first == null ? ex : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public Duration nextAttempt() {
        return receivers.values().stream().filter(r -> !r.queue.isEmpty()).map(r -> r.backoff.remaining())
                .min(Duration::compareTo).orElse(Duration.ZERO);
    }

    @Override
    public boolean failing() {
        return receivers.values().stream().anyMatch(r -> r.backoff.failing());
    }

    @Override
    public String failedMessage(Exception cause) {
        return "SNMP traps could not be sent to " + join(failed) + " (" + what + "): " + reason(cause);
    }

    @Override
    public String recoveredMessage() {
        StringBuilder b = new StringBuilder("SNMP traps reach every receiver again (" + what + ")");
        long lost = 0;
        for (Receiver r : receivers.values()) {
            lost += r.dropped;
            r.dropped = 0;
        }
        if (lost > 0) {
            b.append("; ").append(lost).append(" trap(s) that did not fit in the queues (")
                    .append(CAPACITY).append(" per receiver) were not sent: the event log still has those events");
        }
        return b.toString();
    }

    static String reason(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    private static String join(List<HostPort> targets) {
        return String.join(", ", targets.stream().map(HostPort::toString).toList());
    }
}
