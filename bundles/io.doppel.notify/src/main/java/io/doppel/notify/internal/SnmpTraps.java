package io.doppel.notify.internal;

import java.io.IOException;
import java.time.Duration;

import org.osgi.service.component.ComponentException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.api.event.EventLog;
import io.doppel.api.event.Severity;

/**
 * Sends the agent's events as SNMP traps of DOPPEL-MIB (docs/NOTIFICATIONS.md): configured by
 * {@value #PID}, it follows the event log from the newest event at activation on its own thread.
 */
@Component(service = SnmpTraps.class, immediate = true, configurationPid = SnmpTraps.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = SnmpConfig.class)
public final class SnmpTraps {

    static final String PID = "io.doppel.notify.snmp";
    /** The codes of this component's own events: {@code notify.snmp.failed}, {@code .recovered}, {@code .config}. */
    static final String CODES = "notify.snmp";
    private static final Logger LOG = LoggerFactory.getLogger(SnmpTraps.class);

    private final TrapSender sender;
    private final EventFollower follower;

    @Activate
    public SnmpTraps(@Reference EventLog log, SnmpConfig config) {
        this(log, settings(log, config), Duration.ofSeconds(2), Duration.ofMinutes(5));
    }

    SnmpTraps(EventLog log, SnmpSettings settings, Duration firstRetry, Duration maxRetry) {
        try {
            sender = new TrapSender(settings);
        } catch (IOException e) {
            throw new ComponentException("SNMP traps: cannot open a UDP socket to send from: " + e.getMessage(), e);
        }
        follower = new EventFollower("doppel-notify-snmp", log, settings::wants,
                new TrapOutbox(settings, sender::send, firstRetry, maxRetry, System::nanoTime), CODES);
        try {
            follower.start();
        } catch (RuntimeException e) {
            closeSender();
            throw e;
        }
        LOG.info("{} from {} events", settings, settings.minSeverity());
    }

    /** The engine ID that SNMP v3 traps are sent with, in hex ({@code null} for v2c). */
    String engineIdHex() {
        return sender.engineIdHex();
    }

    @Deactivate
    void deactivate() {
        follower.stop(Duration.ofSeconds(10));
        closeSender();
    }

    private void closeSender() {
        try {
            sender.close();
        } catch (IOException e) {
            LOG.warn("SNMP traps: closing the UDP socket failed", e);
        }
    }

    private static SnmpSettings settings(EventLog log, SnmpConfig config) {
        try {
            return SnmpSettings.of(config);
        } catch (IllegalArgumentException e) {
            log.post(Severity.ERROR, null, CODES + ".config", "SNMP traps are off, their settings are wrong: "
                    + e.getMessage());
            throw new ComponentException(e.getMessage(), e);
        }
    }
}
