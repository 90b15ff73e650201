package io.doppel.console.internal.ui;

import java.util.List;
import java.util.Locale;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IConfigurationElement;
import org.eclipse.core.runtime.IExecutableExtension;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.ISources;
import org.eclipse.ui.handlers.HandlerUtil;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import io.doppel.api.failover.FailoverDefinition;
import io.doppel.api.failover.FailoverState;
import io.doppel.api.failover.FailoverStatus;
import io.doppel.console.internal.connect.ConnectFailure;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.FailoverRef;
import io.doppel.management.protocol.Json;

/**
 * Fail over now, fail back, or start/stop monitoring the selected failover; which one is given in
 * plugin.xml ({@code class="…FailoverActionHandler:now"}). Takeover and fail-back first read the
 * failover's definition from the agent (in the background) and then show, step by step, what will
 * happen; nothing happens unless the admin confirms.
 */
public final class FailoverActionHandler extends AbstractHandler implements IExecutableExtension {

    /** The actions on a failover. */
    public enum Action {
        NOW("take over", "failover.now"),
        FAILBACK("fail back", "failover.failback"),
        START("start monitoring", "failover.start"),
        STOP("stop monitoring", "failover.stop");

        final String verb;
        final String command;

        Action(String verb, String command) {
            this.verb = verb;
            this.command = command;
        }

        boolean appliesTo(FailoverRef failover) {
            if (!failover.current()) {
                return false;
            }
            FailoverState state = failover.status().state();
            return switch (this) {
                case NOW -> FailoverPlan.canTakeOver(state);
                case FAILBACK -> state == FailoverState.FAILED_OVER;
                case START -> state == FailoverState.STOPPED;
                case STOP -> state == FailoverState.HEALTHY || state == FailoverState.DEGRADED
                        || state == FailoverState.FAILED;
            };
        }
    }

    /** Title of the takeover confirmation, followed by the failover's name. */
    public static final String TAKEOVER_TITLE = "Fail over now: ";
    public static final String FAILBACK_TITLE = "Fail back: ";

    private Action action;

    @Override
    public void setInitializationData(IConfigurationElement config, String propertyName, Object data)
            throws CoreException {
        action = Action.valueOf(String.valueOf(data).strip().toUpperCase(Locale.ROOT));
    }

    @Override
    public void setEnabled(Object evaluationContext) {
        Object selection = HandlerUtil.getVariable(evaluationContext, ISources.ACTIVE_CURRENT_SELECTION_NAME);
        List<FailoverRef> failovers = selection instanceof ISelection s ? Selections.failovers(s) : List.of();
        setBaseEnabled(failovers.size() == 1 && action.appliesTo(failovers.get(0)));
    }

    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        List<FailoverRef> failovers = Selections.failovers(HandlerUtil.getCurrentSelection(event));
        if (failovers.size() != 1) {
            return null;
        }
        FailoverRef failover = failovers.get(0);
        Shell shell = HandlerUtil.getActiveWorkbenchWindowChecked(event).getShell();
        ServerRegistry registry = Registries.of(HandlerUtil.getActiveWorkbenchWindowChecked(event));
        JsonObject args = new JsonObject();
        args.addProperty("name", failover.name());
        String what = action.verb + " for '" + failover.name() + "'";
        if (action == Action.START || action == Action.STOP) {
            AgentActions.run(registry, shell.getDisplay(), failover.server(), what, action.command, args, null);
            return null;
        }
        readDefinitionThenConfirm(registry, shell.getDisplay(), failover, what);
        return null;
    }

    private void readDefinitionThenConfirm(ServerRegistry registry, Display display, FailoverRef failover, String what) {
        Job read = new Job("Reading failover '" + failover.name() + "' from " + failover.server().displayName()) {
            @Override
            protected IStatus run(IProgressMonitor monitor) {
                JsonObject args = new JsonObject();
                args.addProperty("name", failover.name());
                try {
                    FailoverDefinition definition = Json.GSON.fromJson(
                            registry.calls().call(failover.server().entry(), "failover.definition", args),
                            FailoverDefinition.class);
                    FailoverStatus status = Json.GSON.fromJson(
                            registry.calls().call(failover.server().entry(), "failover.status", args),
                            FailoverStatus.class);
                    display.asyncExec(() -> confirmThenRun(registry, display, failover, what, definition, status));
                } catch (ConnectFailure e) {
                    display.asyncExec(() -> AgentActions.showFailure(display, failover.server(), what, e));
                } catch (JsonParseException e) {
                    return Status.error("Failover '" + failover.name() + "' is not readable", e);
                }
                return Status.OK_STATUS;
            }
        };
        read.schedule();
    }

    private void confirmThenRun(ServerRegistry registry, Display display, FailoverRef failover, String what,
            FailoverDefinition definition, FailoverStatus status) {
        if (display.isDisposed()) {
            return;
        }
        String target = failover.server().displayName();
        JsonObject args = new JsonObject();
        args.addProperty("name", failover.name());
        if (action == Action.FAILBACK) {
            String text = target + " gives back the identity of " + definition.source() + ":\n\n"
                    + FailoverPlan.numbered(FailoverPlan.failBack(definition));
            Confirmation.ask(display.getActiveShell(), FAILBACK_TITLE + failover.name(), text, "&Fail Back",
                    () -> AgentActions.run(registry, display, failover.server(), what, action.command, args, null));
            return;
        }
        boolean sourceAnswers = status.state() == FailoverState.HEALTHY || status.state() == FailoverState.DEGRADED
                || status.state() == FailoverState.STOPPED;
        String text = target + " takes over from " + definition.source() + " (failover '" + failover.name() + "', "
                + "now " + Formats.failoverState(status.state()).toLowerCase(Locale.ROOT) + "):\n\n"
                + FailoverPlan.numbered(FailoverPlan.takeover(target, definition, status))
                + (sourceAnswers ? "\n\nThe source is not known to be lost: if it still serves, both would serve "
                        + "(split brain). Take over only once the source is down or fenced." : "");
        TakeoverDialog[] dialog = new TakeoverDialog[1];
        dialog[0] = new TakeoverDialog(display.getActiveShell(), TAKEOVER_TITLE + failover.name(), text, sourceAnswers,
                () -> {
                    args.addProperty("force", dialog[0].force);
                    args.addProperty("acceptLoss", dialog[0].acceptLoss);
                    AgentActions.run(registry, display, failover.server(), what, action.command, args, null);
                });
        dialog[0].open();
    }

    /** The takeover confirmation: the plan, and the two overrides an admin must tick on purpose. */
    static final class TakeoverDialog extends Confirmation {

        private final boolean offerForce;
        boolean force;
        boolean acceptLoss;

        TakeoverDialog(Shell parent, String title, String text, boolean offerForce, Runnable onConfirm) {
            super(parent, title, MessageDialog.WARNING, text, "&Take Over", onConfirm);
            this.offerForce = offerForce;
        }

        @Override
        protected Control createCustomArea(Composite parent) {
            Composite area = new Composite(parent, SWT.NONE);
            area.setLayout(new GridLayout(1, false));
            if (offerForce) {
                Button forceBox = new Button(area, SWT.CHECK);
                forceBox.setText("The source is down or fenced: take over &although it is not known to be lost");
                forceBox.addListener(SWT.Selection, e -> force = forceBox.getSelection());
            }
            Button lossBox = new Button(area, SWT.CHECK);
            lossBox.setText("&Accept losing the changes the replica lacks, if it is further behind than allowed");
            lossBox.addListener(SWT.Selection, e -> acceptLoss = lossBox.getSelection());
            return area;
        }
    }
}
