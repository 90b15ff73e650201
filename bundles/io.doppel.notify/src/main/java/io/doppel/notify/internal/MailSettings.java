package io.doppel.notify.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import io.doppel.api.event.Event;
import io.doppel.api.event.Severity;

/** The checked settings of {@link MailNotifier}. */
record MailSettings(String host, int port, Security security, String user, String password, String from,
        List<String> recipients, Map<String, List<String>> jobRecipients, Severity minSeverity, int rateLimitMails,
        Duration ratePeriod, String subjectPrefix) {

    enum Security { NONE, STARTTLS, TLS }

    /** Every setting of {@code c} checked; the exception names the one that is wrong. */
    static MailSettings of(MailConfig c) {
        Check check = new Check(MailNotifier.PID);
        String host = check.required("host", c.host(), "the SMTP server's host name or address");
        int port = check.range("port", c.port(), 1, 65535);
        Security security = switch (Check.text(c.security()).toLowerCase(Locale.ROOT)) {
            case "none" -> Security.NONE;
            case "starttls" -> Security.STARTTLS;
            case "tls", "ssl", "smtps" -> Security.TLS;
            default -> throw check.bad("security", "must be none, starttls or tls, not '" + c.security() + "'");
        };
        String user = Check.text(c.user());
        String password = c.password() == null ? "" : c.password();
        if (!user.isEmpty() && password.isEmpty()) {
            throw check.bad("password", "must be set when user is (" + user + ")");
        }
        String from = address(check, "from", check.required("from", c.from(), "the sender address"));
        List<String> recipients = Check.list(c.recipients()).stream().map(a -> address(check, "recipients", a)).toList();
        Map<String, List<String>> perJob = jobRecipients(check, c.jobRecipients());
        if (recipients.isEmpty() && perJob.isEmpty()) {
            throw check.bad("recipients", "set recipients or jobRecipients: nobody would get a mail");
        }
        Severity min = check.severity("minSeverity", c.minSeverity());
        int mails = check.range("rateLimitMails", c.rateLimitMails(), 1, 1000);
        int minutes = check.range("rateLimitMinutes", c.rateLimitMinutes(), 1, 1440);
        return new MailSettings(host, port, security, user, password, from, recipients, Map.copyOf(perJob), min,
                mails, Duration.ofMinutes(minutes), c.subjectPrefix() == null ? "" : c.subjectPrefix().strip());
    }

    /**
     * {@code JOB=ADDRESS[,ADDRESS…]} entries separated by {@code ;}. An address without {@code JOB=}
     * belongs to the job before it, so the entries may also come as list elements split at every comma.
     */
    private static Map<String, List<String>> jobRecipients(Check check, String[] values) {
        Map<String, List<String>> perJob = new LinkedHashMap<>();
        String job = null;
        for (String token : Check.split(values, "[;,\\s]+")) {
            int eq = token.indexOf('=');
            if (eq >= 0) {
                job = token.substring(0, eq).strip();
                token = token.substring(eq + 1).strip();
                if (job.isEmpty()) {
                    throw check.bad("jobRecipients", "'=" + token + "' names no job: entries are JOB=ADDRESS[,ADDRESS…]");
                }
                perJob.putIfAbsent(job, new ArrayList<>());
                if (token.isEmpty()) {
                    continue;
                }
            } else if (job == null) {
                throw check.bad("jobRecipients", "'" + token + "' comes before any JOB=: entries are "
                        + "JOB=ADDRESS[,ADDRESS…], separated by ';'");
            }
            perJob.get(job).add(address(check, "jobRecipients", token));
        }
        perJob.forEach((j, addresses) -> {
            if (addresses.isEmpty()) {
                throw check.bad("jobRecipients", "job " + j + " has no address: JOB=ADDRESS[,ADDRESS…]");
            }
        });
        Map<String, List<String>> out = new LinkedHashMap<>();
        perJob.forEach((j, a) -> out.put(j, List.copyOf(a)));
        return out;
    }

    private static String address(Check check, String field, String value) {
        try {
            InternetAddress a = new InternetAddress(value, true);
            return a.getAddress();
        } catch (AddressException e) {
            throw check.bad(field, "'" + value + "' is not an e-mail address (" + e.getMessage() + ")");
        }
    }

    /** Who gets {@code e}: the recipients and its job's, sorted, without repeats; empty when not wanted. */
    List<String> recipientsOf(Event e) {
        if (e.severity().compareTo(minSeverity) < 0) {
            return List.of();
        }
        TreeSet<String> to = new TreeSet<>(recipients);
        if (e.job() != null) {
            to.addAll(jobRecipients.getOrDefault(e.job(), List.of()));
        }
        return List.copyOf(to);
    }

    /** With another rate limit (for tests of the limit that cannot wait minutes). */
    MailSettings withRateLimit(int mails, Duration period) {
        return new MailSettings(host, port, security, user, password, from, recipients, jobRecipients, minSeverity,
                mails, period, subjectPrefix);
    }

    @Override
    public String toString() {
        return "e-mail through " + host + ":" + port + " (" + security.name().toLowerCase(Locale.ROOT) + ")";
    }
}
