package io.doppel.notify.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Arrays;

import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.VariableBinding;

import io.doppel.api.event.Event;
import io.doppel.api.event.Severity;

/** The OIDs of DOPPEL-MIB (the bundle's DOPPEL-MIB.txt) and the variables of an event's trap. */
final class DoppelMib {

    /** doppelMIB: Doppel's enterprise arc. */
    static final OID DOPPEL = new OID("1.3.6.1.4.1.58713");
    /** doppelNotifications: one notification per severity, {@code .0.1} info to {@code .0.4} critical. */
    static final OID NOTIFICATIONS = append(DOPPEL, 0);
    /** doppelEvent: the event's objects, sent with the {@code .0} instance. */
    static final OID EVENT = append(DOPPEL, 1);
    static final OID EVENT_ID = append(EVENT, 1);
    static final OID EVENT_TIME = append(EVENT, 2);
    static final OID EVENT_SEVERITY = append(EVENT, 3);
    static final OID EVENT_AGENT = append(EVENT, 4);
    static final OID EVENT_JOB = append(EVENT, 5);
    static final OID EVENT_CODE = append(EVENT, 6);
    static final OID EVENT_MESSAGE = append(EVENT, 7);
    /** Longest text of a variable, in bytes (SnmpAdminString: 255; the message: 1024). */
    static final int NAME_MAX = 255;
    static final int MESSAGE_MAX = 1024;

    private DoppelMib() {
    }

    /** The notification of {@code severity}: doppelEventInfo(1) .. doppelEventCritical(4). */
    static OID notification(Severity severity) {
        return append(NOTIFICATIONS, severity.ordinal() + 1);
    }

    /** The event's variables, in the order the notifications list them. */
    static VariableBinding[] variables(Event e) {
        return new VariableBinding[] {
            bind(EVENT_ID, new Counter64(e.id())),
            bind(EVENT_TIME, dateAndTime(e.timeMillis())),
            bind(EVENT_SEVERITY, new Integer32(e.severity().ordinal() + 1)),
            bind(EVENT_AGENT, utf8(e.agent(), NAME_MAX)),
            bind(EVENT_JOB, utf8(e.job(), NAME_MAX)),
            bind(EVENT_CODE, utf8(e.code(), NAME_MAX)),
            bind(EVENT_MESSAGE, utf8(e.message(), MESSAGE_MAX)),
        };
    }

    /** SNMPv2-TC DateAndTime in UTC: year(2) month day hour minutes seconds deci-seconds '+' 0 0. */
    static OctetString dateAndTime(long millis) {
        ZonedDateTime t = Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC);
        return new OctetString(new byte[] {
            (byte) (t.getYear() >> 8), (byte) t.getYear(), (byte) t.getMonthValue(), (byte) t.getDayOfMonth(),
            (byte) t.getHour(), (byte) t.getMinute(), (byte) t.getSecond(), (byte) (t.getNano() / 100_000_000),
            (byte) '+', 0, 0 });
    }

    /** {@code text} in UTF-8, cut to {@code max} bytes at a character boundary ({@code null}: empty). */
    static OctetString utf8(String text, int max) {
        byte[] b = (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) {
            return new OctetString(b);
        }
        int end = max;
        while (end > 0 && (b[end] & 0xC0) == 0x80) {
            end--; // do not cut a character in two
        }
        return new OctetString(Arrays.copyOf(b, end));
    }

    private static VariableBinding bind(OID object, org.snmp4j.smi.Variable value) {
        return new VariableBinding(append(object, 0), value);
    }

    private static OID append(OID oid, int arc) {
        return new OID(oid).append(arc);
    }
}
