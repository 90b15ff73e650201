package io.doppel.engine.internal.replica;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the replication receiver (PID {@value ReplicationReceiver#PID}). */
@ObjectClassDefinition(name = "Doppel replication receiver",
        description = "Where this agent accepts replication from trusted source agents, and where it keeps their images.")
public @interface ReceiverConfig {

    @AttributeDefinition(name = "Listen address", description = "0.0.0.0 for all interfaces; only paired peers get past TLS.")
    String host() default "0.0.0.0";

    @AttributeDefinition(name = "Port", description = "TCP port, or 0 for any free port.", min = "0", max = "65535")
    int port() default 7421;

    @AttributeDefinition(name = "Images directory",
            description = "Where the images of the sources live; empty for <home>/images.")
    String imagesDir() default "";

    @AttributeDefinition(name = "Worker threads", description = "Threads applying ops (one image is applied by one thread at a time).",
            min = "1", max = "64")
    int workerThreads() default 4;

    @AttributeDefinition(name = "Handshake timeout (s)",
            description = "Seconds a new connection has to finish its TLS handshake and say hello; then it is dropped.",
            min = "1", max = "300")
    int handshakeTimeoutSeconds() default 10;

    @AttributeDefinition(name = "Waiting connections",
            description = "Connections that may wait to authenticate at once; beyond that the oldest waiting one is dropped.",
            min = "1", max = "10000")
    int maxPendingConnections() default 128;
}
