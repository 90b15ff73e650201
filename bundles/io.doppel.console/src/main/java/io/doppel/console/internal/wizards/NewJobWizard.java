package io.doppel.console.internal.wizards;

import org.eclipse.jface.wizard.Wizard;
import org.eclipse.swt.widgets.Display;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModelListener;

/**
 * Job ▸ New Protection Job…: defines a replication job from the source's directory to an image on
 * the target, pairs the two agents if needed, and starts the job. Every page asks the agents in the
 * background; Finish hands the actions to a {@link SetupRun} and closes at once.
 */
public final class NewJobWizard extends Wizard {

    /** The dialog's title. */
    public static final String TITLE = "New Protection Job";

    private final ServerRegistry registry;
    private final JobPlan plan = new JobPlan();
    private final Server preselected;
    private SourcePage source;
    private TargetPage target;
    private CapturePage capture;
    private TransferPage transfer;
    private SummaryPage summary;
    private ServerModelListener listener;

    public NewJobWizard(ServerRegistry registry, Server preselected) {
        this.registry = registry;
        this.preselected = preselected;
        setWindowTitle(TITLE);
        setNeedsProgressMonitor(false);
        setHelpAvailable(false);
        setDefaultPageImageDescriptor(org.eclipse.jface.resource.ResourceLocator
                .imageDescriptorFromBundle("org.eclipse.ui", "icons/full/wizban/new_wiz.png").orElse(null));
    }

    @Override
    public void addPages() {
        source = new SourcePage(plan, registry.model(), registry.calls(), preselected);
        target = new TargetPage(plan, registry.model(), registry.calls());
        capture = new CapturePage(plan, registry.calls());
        transfer = new TransferPage(plan);
        summary = new SummaryPage(plan);
        addPage(source);
        addPage(target);
        addPage(capture);
        addPage(transfer);
        addPage(summary);
        Display display = Display.getCurrent();
        listener = new ServerModelListener() {
            @Override
            public void serverAdded(Server server) {
                changed();
            }

            @Override
            public void serverRemoved(Server server) {
                changed();
            }

            @Override
            public void serverChanged(Server server) {
                changed();
            }

            private void changed() {
                if (!display.isDisposed()) {
                    display.asyncExec(() -> {
                        if (getContainer() != null && getContainer().getShell() != null
                                && !getContainer().getShell().isDisposed()) {
                            source.serversChanged();
                            if (getContainer().getCurrentPage() == target) {
                                target.serversChanged();
                            }
                        }
                    });
                }
            }
        };
        registry.model().addListener(listener);
    }

    /** Finish only from the summary, once every page is complete: the admin sees what will be done first. */
    @Override
    public boolean canFinish() {
        return getContainer().getCurrentPage() == summary && super.canFinish();
    }

    @Override
    public boolean performFinish() {
        new SetupRun(registry, summary.shownActions(), plan.name, Display.getCurrent()).schedule();
        return true;
    }

    @Override
    public void dispose() {
        if (listener != null) {
            registry.model().removeListener(listener);
        }
        super.dispose();
    }
}
