package io.doppel.notify.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(name = "Doppel e-mail notifications",
        description = "Mails the agent's events through an SMTP server, at most N mails per M minutes.")
public @interface MailConfig {

    @AttributeDefinition(name = "SMTP host")
    String host();

    @AttributeDefinition(name = "SMTP port", description = "1-65535; usually 25 (none), 587 (starttls), 465 (tls).",
            min = "1", max = "65535")
    int port() default 587;

    @AttributeDefinition(name = "Security", options = { @Option(value = "starttls", label = "STARTTLS (required)"),
            @Option(value = "tls", label = "TLS from the start (SMTPS)"), @Option(value = "none", label = "none") })
    String security() default "starttls";

    @AttributeDefinition(name = "User", required = false, description = "Empty: no authentication.")
    String user() default "";

    @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false)
    String password() default "";

    @AttributeDefinition(name = "From", description = "The sender address, e.g. doppel@example.org.")
    String from();

    @AttributeDefinition(name = "Recipients", required = false, description = "Addresses that get every "
            + "event's mail, separated by commas.")
    String[] recipients() default {};

    @AttributeDefinition(name = "Job recipients", required = false, description = "JOB=ADDRESS[,ADDRESS…] "
            + "entries, separated by ';': these addresses also get that job's events.")
    String[] jobRecipients() default {};

    @AttributeDefinition(name = "Minimum severity", options = { @Option(value = "INFO", label = "info"),
            @Option(value = "WARNING", label = "warning"), @Option(value = "ERROR", label = "error"),
            @Option(value = "CRITICAL", label = "critical") })
    String minSeverity() default "WARNING";

    @AttributeDefinition(name = "Mails per period", description = "At most this many mails per period "
            + "(1-1000); the events beyond go into the next mail, summarised.", min = "1", max = "1000")
    int rateLimitMails() default 10;

    @AttributeDefinition(name = "Period (minutes)", description = "1-1440.", min = "1", max = "1440")
    int rateLimitMinutes() default 10;

    @AttributeDefinition(name = "Subject prefix", required = false)
    String subjectPrefix() default "[Doppel]";
}
