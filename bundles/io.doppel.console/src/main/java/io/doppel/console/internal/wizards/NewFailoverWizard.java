package io.doppel.console.internal.wizards;

import org.eclipse.jface.wizard.Wizard;
import org.eclipse.swt.widgets.Display;

import com.google.gson.JsonObject;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.ui.AgentActions;

/**
 * Failover ▸ New Failover…: defines on a target how it watches a source and takes over from it
 * (addresses, probes, manual or automatic, the stale-replica limit, identity, scripts and application
 * plugins with their own settings), then starts monitoring. Finish creates it on the target in the
 * background; a refusal is explained in a dialog.
 */
public final class NewFailoverWizard extends Wizard {

    /** The dialog's title. */
    public static final String TITLE = "New Failover";

    private final ServerRegistry registry;
    private final Server preselected;
    private final FailoverDraft draft = new FailoverDraft();
    private FailoverSourcePage source;
    private FailoverSummaryPage summary;

    public NewFailoverWizard(ServerRegistry registry, Server preselected) {
        this.registry = registry;
        this.preselected = preselected;
        setWindowTitle(TITLE);
        setHelpAvailable(false);
    }

    @Override
    public void addPages() {
        source = new FailoverSourcePage(draft, registry.model(), registry.calls(), preselected);
        addPage(source);
        addPage(new FailoverMonitorPage(draft, registry.model()));
        addPage(new FailoverIdentityPage(draft));
        addPage(new FailoverAppsPage(draft, registry.calls()));
        summary = new FailoverSummaryPage(draft);
        addPage(summary);
    }

    @Override
    public boolean canFinish() {
        return getContainer().getCurrentPage() == summary && summary.isPageComplete();
    }

    @Override
    public boolean performFinish() {
        Server target = draft.target;
        String name = draft.name.strip();
        JsonObject create = draft.createArgs();
        Display display = getShell().getDisplay();
        boolean start = draft.startNow;
        AgentActions.run(registry, display, target, "create failover '" + name + "'", "failover.create", create,
                created -> {
                    if (start) {
                        JsonObject args = new JsonObject();
                        args.addProperty("name", name);
                        AgentActions.run(registry, display, target, "start monitoring '" + name + "'", "failover.start",
                                args, null);
                    }
                });
        return true;
    }

    /** The summary text, for UI tests. */
    public String summaryText() {
        return summary.text();
    }
}
