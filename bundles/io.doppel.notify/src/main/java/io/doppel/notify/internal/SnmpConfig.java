package io.doppel.notify.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(name = "Doppel SNMP traps",
        description = "Sends the agent's events as SNMP traps (DOPPEL-MIB) to network management stations.")
public @interface SnmpConfig {

    @AttributeDefinition(name = "Targets", description = "The receivers, HOST[:PORT] (port 162 if left out), "
            + "separated by commas.")
    String[] targets();

    @AttributeDefinition(name = "SNMP version", options = { @Option(value = "v2c", label = "v2c (community)"),
            @Option(value = "v3", label = "v3 (USM user, authentication and privacy)") })
    String version() default "v2c";

    @AttributeDefinition(name = "Community (v2c)", type = AttributeType.PASSWORD, required = false)
    String community() default "public";

    @AttributeDefinition(name = "USM user (v3)", required = false)
    String user() default "";

    @AttributeDefinition(name = "Authentication protocol (v3)", options = { @Option(value = "SHA-256", label = "SHA-256"),
            @Option(value = "SHA", label = "SHA (SHA-1)") })
    String authProtocol() default "SHA-256";

    @AttributeDefinition(name = "Authentication password (v3)", type = AttributeType.PASSWORD, required = false,
            description = "At least 8 characters.")
    String authPassword() default "";

    @AttributeDefinition(name = "Privacy protocol (v3)", options = { @Option(value = "AES-128", label = "AES-128") })
    String privProtocol() default "AES-128";

    @AttributeDefinition(name = "Privacy password (v3)", type = AttributeType.PASSWORD, required = false,
            description = "At least 8 characters.")
    String privPassword() default "";

    @AttributeDefinition(name = "Engine ID (v3)", required = false, description = "This agent's SNMP engine ID "
            + "in hex (5-32 bytes), which the receivers' user entries name; empty: derived from the host name "
            + "(the agent logs it).")
    String engineId() default "";

    @AttributeDefinition(name = "Minimum severity", options = { @Option(value = "INFO", label = "info"),
            @Option(value = "WARNING", label = "warning"), @Option(value = "ERROR", label = "error"),
            @Option(value = "CRITICAL", label = "critical") })
    String minSeverity() default "WARNING";

    @AttributeDefinition(name = "Jobs", required = false, description = "Only the events of these jobs (and "
            + "those of the agent itself); empty: every job's.")
    String[] jobs() default {};
}
