package io.doppel.console.internal.ui;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jface.viewers.ITreeContentProvider;

import io.doppel.console.internal.model.FailoverRef;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;

/** Agents are the roots; their jobs and then the failovers they run as targets hang beneath them. */
final class ServerContentProvider implements ITreeContentProvider {

    @Override
    public Object[] getElements(Object input) {
        return input instanceof ServerModel model ? model.servers().toArray() : new Object[0];
    }

    @Override
    public Object[] getChildren(Object parent) {
        if (!(parent instanceof Server server)) {
            return new Object[0];
        }
        List<Object> children = new ArrayList<>(server.jobs());
        children.addAll(server.failovers());
        return children.toArray();
    }

    @Override
    public Object getParent(Object element) {
        if (element instanceof JobRef job) {
            return job.server();
        }
        if (element instanceof FailoverRef failover) {
            return failover.server();
        }
        return null;
    }

    @Override
    public boolean hasChildren(Object element) {
        return element instanceof Server server && (!server.jobs().isEmpty() || !server.failovers().isEmpty());
    }
}
