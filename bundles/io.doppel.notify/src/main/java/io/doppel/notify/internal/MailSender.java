package io.doppel.notify.internal;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Properties;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.eclipse.angus.mail.smtp.SMTPTransport;

/** Sends a plain-text mail through the configured SMTP server with Jakarta Mail (Angus Mail). */
final class MailSender {

    /** Connecting, reading and writing each give up after this long, so a dead server cannot hold the thread. */
    static final int TIMEOUT_MILLIS = 30_000;

    private final MailSettings settings;
    private final Session session;

    MailSender(MailSettings settings) {
        this.settings = settings;
        String p = settings.security() == MailSettings.Security.TLS ? "mail.smtps." : "mail.smtp.";
        Properties props = new Properties();
        props.setProperty(p + "host", settings.host());
        props.setProperty(p + "port", Integer.toString(settings.port()));
        props.setProperty(p + "connectiontimeout", Integer.toString(TIMEOUT_MILLIS));
        props.setProperty(p + "timeout", Integer.toString(TIMEOUT_MILLIS));
        props.setProperty(p + "writetimeout", Integer.toString(TIMEOUT_MILLIS));
        props.setProperty(p + "auth", Boolean.toString(!settings.user().isEmpty()));
        props.setProperty(p + "from", settings.from());
        if (settings.security() == MailSettings.Security.STARTTLS) {
            props.setProperty(p + "starttls.enable", "true");
            props.setProperty(p + "starttls.required", "true");
        }
        if (settings.security() != MailSettings.Security.NONE) {
            props.setProperty(p + "ssl.checkserveridentity", "true");
        }
        this.session = withMailLoader(() -> Session.getInstance(props));
    }

    void send(List<String> to, MailText text) throws MessagingException {
        MessagingException failure = withMailLoader(() -> {
            try {
                MimeMessage m = new MimeMessage(session);
                m.setFrom(new InternetAddress(settings.from()));
                for (String a : to) {
                    m.addRecipient(Message.RecipientType.TO, new InternetAddress(a));
                }
                m.setSubject(text.subject(), StandardCharsets.UTF_8.name());
                m.setText(text.body(), StandardCharsets.UTF_8.name());
                m.setSentDate(new Date());
                String protocol = settings.security() == MailSettings.Security.TLS ? "smtps" : "smtp";
                try (Transport t = session.getTransport(protocol)) {
                    if (settings.user().isEmpty()) {
                        t.connect();
                    } else {
                        t.connect(settings.user(), settings.password());
                    }
                    t.sendMessage(m, m.getAllRecipients());
                }
                return null;
            } catch (MessagingException e) {
                return e;
            }
        });
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Runs {@code action} with Angus Mail's class loader as the context class loader: Jakarta Mail finds
     * its providers (SMTP, the stream and content handlers) through it, which in OSGi only Angus Mail's
     * own bundle sees.
     */
    private static <T> T withMailLoader(java.util.function.Supplier<T> action) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(SMTPTransport.class.getClassLoader());
        try {
            return action.get();
        } finally {
            t.setContextClassLoader(before);
        }
    }
}
