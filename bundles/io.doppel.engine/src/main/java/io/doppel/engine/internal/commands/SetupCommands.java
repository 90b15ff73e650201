package io.doppel.engine.internal.commands;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.doppel.api.capture.Interceptor;
import io.doppel.engine.internal.replica.ReplicationReceiver;
import io.doppel.engine.internal.source.InterceptorChoices;
import io.doppel.management.spi.CommandRegistrations;

/**
 * What a tool needs to know to define a job on this agent, or towards it: the replication address
 * this agent listens on (to name it as a job's target) and the interceptors it could capture with.
 */
@Component(immediate = true)
public final class SetupCommands {

    /** The answer of {@code replication.endpoint}: the address as bound ("0.0.0.0" for any) and its port. */
    public record Endpoint(String address, int port) {
    }

    private final List<Interceptor> interceptors = new CopyOnWriteArrayList<>();
    private final CommandRegistrations commands;

    @Activate
    public SetupCommands(BundleContext context, @Reference ReplicationReceiver receiver) {
        commands = new CommandRegistrations(context);
        commands.register("replication.endpoint", "Where this agent receives replication, as bound: address "
                + "(HOST:PORT; 0.0.0.0 means every address of the machine) and port. A job on another agent names "
                + "HOST:PORT reachable from there as its target.", args -> endpoint(receiver.localAddress()));
        commands.register("capture.interceptors", "The interceptors installed here: id, available (and the reason "
                + "if not), guarantees (byteLevel, totalOrder, synchronous, limitations) and best (the one a job "
                + "that names none uses).", args -> InterceptorChoices.of(List.copyOf(interceptors)));
    }

    @Deactivate
    void deactivate() {
        commands.close();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addInterceptor(Interceptor interceptor) {
        interceptors.add(interceptor);
    }

    void removeInterceptor(Interceptor interceptor) {
        interceptors.remove(interceptor);
    }

    static Endpoint endpoint(InetSocketAddress bound) {
        String host = bound.getAddress().getHostAddress();
        String shown = host.contains(":") ? "[" + host + "]" : host;
        return new Endpoint(shown + ":" + bound.getPort(), bound.getPort());
    }
}
