package io.doppel.notify.internal;

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
 * Mails the agent's events (docs/NOTIFICATIONS.md): configured by {@value #PID}, it follows the
 * event log from the newest event at activation on its own thread, under a rate limit that
 * summarises what it holds back.
 */
@Component(service = MailNotifier.class, immediate = true, configurationPid = MailNotifier.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = MailConfig.class)
public final class MailNotifier {

    static final String PID = "io.doppel.notify.mail";
    /** The codes of this component's own events: {@code notify.mail.failed}, {@code .recovered}, {@code .config}. */
    static final String CODES = "notify.mail";
    private static final Logger LOG = LoggerFactory.getLogger(MailNotifier.class);

    private final EventFollower follower;

    @Activate
    public MailNotifier(@Reference EventLog log, MailConfig config) {
        this(log, settings(log, config), Duration.ofSeconds(5), Duration.ofMinutes(5));
    }

    MailNotifier(EventLog log, MailSettings settings, Duration firstRetry, Duration maxRetry) {
        MailSender sender = new MailSender(settings);
        MailOutbox outbox = new MailOutbox(settings, sender::send, new Backoff(firstRetry, maxRetry, System::nanoTime),
                System::nanoTime);
        follower = new EventFollower("doppel-notify-mail", log, e -> !settings.recipientsOf(e).isEmpty(), outbox,
                CODES);
        follower.start();
        LOG.info("{} from {} events, at most {} mails per {} min", settings, settings.minSeverity(),
                settings.rateLimitMails(), settings.ratePeriod().toMinutes());
    }

    @Deactivate
    void deactivate() {
        follower.stop(Duration.ofSeconds(10));
    }

    private static MailSettings settings(EventLog log, MailConfig config) {
        try {
            return MailSettings.of(config);
        } catch (IllegalArgumentException e) {
            log.post(Severity.ERROR, null, CODES + ".config", "E-mail notifications are off, their settings are "
                    + "wrong: " + e.getMessage());
            throw new ComponentException(e.getMessage(), e);
        }
    }
}
