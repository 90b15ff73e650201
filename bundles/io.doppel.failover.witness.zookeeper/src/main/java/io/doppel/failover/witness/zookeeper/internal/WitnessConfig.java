package io.doppel.failover.witness.zookeeper.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Doppel failover witness (ZooKeeper)",
        description = "The ZooKeeper ensemble that source and target agents both reach, so that a target cut off "
                + "from the network never takes over a living source.")
public @interface WitnessConfig {

    @AttributeDefinition(name = "Ensemble", description = "HOST:PORT[,HOST:PORT…] of the ZooKeeper servers; empty for "
            + "no witness. doppel-agent --witness overrides it.")
    String connect() default "";

    @AttributeDefinition(name = "Session timeout (ms)", description = "How long an agent's presence outlives the "
            + "agent: a takeover that asks the witness waits up to this long for a dead source's presence to go "
            + "(1000-60000).", min = "1000", max = "60000")
    int sessionTimeoutMillis() default 4000;

    @AttributeDefinition(name = "Connection timeout (ms)", description = "How long one attempt to reach the ensemble "
            + "may take (200-30000).", min = "200", max = "30000")
    int connectionTimeoutMillis() default 2000;

    @AttributeDefinition(name = "Namespace", description = "The ZooKeeper path under which Doppel keeps its nodes.")
    String namespace() default "doppel";

    @AttributeDefinition(name = "Fence command", required = false, description = "Run when this agent has lost "
            + "the witness for about a session timeout, when a target may take over from it: an absolute path and "
            + "its arguments (separated by spaces) that stop what this server serves (its service address, its "
            + "applications). It gets DOPPEL_AGENT, DOPPEL_WITNESS and DOPPEL_FENCE_REASON. Empty: only a "
            + "critical event.")
    String fenceCommand() default "";
}
