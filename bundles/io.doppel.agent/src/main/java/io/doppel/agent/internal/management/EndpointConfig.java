package io.doppel.agent.internal.management;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the management endpoint (PID {@value ManagementEndpoint#PID}). */
@ObjectClassDefinition(name = "Doppel management endpoint",
        description = "Where the agent listens for consoles and the CLI.")
public @interface EndpointConfig {

    @AttributeDefinition(name = "Listen address",
            description = "Address to listen on: 127.0.0.1 (this machine only), an interface address, or 0.0.0.0 for all.")
    String host() default "127.0.0.1";

    @AttributeDefinition(name = "Port", description = "TCP port, 1-65535, or 0 for any free port.", min = "0",
            max = "65535")
    int port() default 7420;

    @AttributeDefinition(name = "Maximum connections",
            description = "Beyond this, a new connection takes the place of the oldest one that has not "
                    + "authenticated yet, or is refused if all have.", min = "1", max = "10000")
    int maxConnections() default 64;

    @AttributeDefinition(name = "Worker threads", description = "Threads that run management commands (a call "
            + "that follows events or a report waits on one for up to a minute).", min = "1", max = "64")
    int workerThreads() default 16;

    @AttributeDefinition(name = "Authentication timeout (s)",
            description = "A connection that has not authenticated this long after it opened is closed, "
                    + "whatever it sends.", min = "1", max = "600")
    int authTimeoutSeconds() default 10;
}
