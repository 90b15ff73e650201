package io.doppel.console.internal.ui;

import org.eclipse.jface.viewers.ITreeContentProvider;

import io.doppel.console.internal.model.ServerModel;

/** Agents are the roots; jobs will hang beneath them. */
final class ServerContentProvider implements ITreeContentProvider {

    @Override
    public Object[] getElements(Object input) {
        return input instanceof ServerModel model ? model.servers().toArray() : new Object[0];
    }

    @Override
    public Object[] getChildren(Object parent) {
        return new Object[0];
    }

    @Override
    public Object getParent(Object element) {
        return null;
    }

    @Override
    public boolean hasChildren(Object element) {
        return false;
    }
}
