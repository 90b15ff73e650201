package io.doppel.console.internal.workbench;

import org.eclipse.ui.IFolderLayout;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IPerspectiveFactory;

import io.doppel.console.internal.ui.JobsView;
import io.doppel.console.internal.ui.ServersView;
import io.doppel.console.internal.ui.VerifyReportView;

/**
 * The "Doppel" perspective: the servers with their jobs and failovers on the left; the dashboard and
 * the jobs table on the right; the event log, the verification report and the properties of the
 * selection below them.
 */
public final class DoppelPerspective implements IPerspectiveFactory {

    public static final String ID = "io.doppel.console.perspective";
    /** The dashboard and the events view. */
    public static final String DASHBOARD_VIEW = "io.doppel.console.views.dashboard";
    public static final String EVENTS_VIEW = "io.doppel.console.views.events";

    @Override
    public void createInitialLayout(IPageLayout layout) {
        String editors = layout.getEditorArea();
        layout.setEditorAreaVisible(false);
        layout.addView(ServersView.ID, IPageLayout.LEFT, 0.34f, editors);
        layout.getViewLayout(ServersView.ID).setCloseable(false);
        IFolderLayout main = layout.createFolder("io.doppel.console.folders.main", IPageLayout.RIGHT, 0.34f,
                ServersView.ID);
        main.addView(DASHBOARD_VIEW);
        main.addView(JobsView.ID);
        IFolderLayout bottom = layout.createFolder("io.doppel.console.folders.bottom", IPageLayout.BOTTOM, 0.62f,
                "io.doppel.console.folders.main");
        bottom.addView(EVENTS_VIEW);
        bottom.addView(VerifyReportView.ID);
        bottom.addView(IPageLayout.ID_PROP_SHEET);
        layout.addShowViewShortcut(ServersView.ID);
        layout.addShowViewShortcut(JobsView.ID);
        layout.addShowViewShortcut(DASHBOARD_VIEW);
        layout.addShowViewShortcut(EVENTS_VIEW);
        layout.addShowViewShortcut(VerifyReportView.ID);
        layout.addShowViewShortcut(IPageLayout.ID_PROP_SHEET);
    }
}
