package io.doppel.console.internal.workbench;

import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IPerspectiveFactory;

import io.doppel.console.internal.ui.ServersView;

/** The "Doppel" perspective: the Servers view fills the window. */
public final class DoppelPerspective implements IPerspectiveFactory {

    public static final String ID = "io.doppel.console.perspective";

    @Override
    public void createInitialLayout(IPageLayout layout) {
        layout.setEditorAreaVisible(false);
        layout.addStandaloneView(ServersView.ID, true, IPageLayout.LEFT, 1.0f, layout.getEditorArea());
        layout.getViewLayout(ServersView.ID).setCloseable(false);
    }
}
