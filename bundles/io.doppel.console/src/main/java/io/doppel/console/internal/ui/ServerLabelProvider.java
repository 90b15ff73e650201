package io.doppel.console.internal.ui;

import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.swt.graphics.Image;

import io.doppel.api.failover.FailoverStatus;
import io.doppel.api.job.JobStatus;
import io.doppel.console.internal.model.FailoverRef;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerState;

/** One column of the Servers view; the State column carries an icon and a tooltip with the remedy. */
final class ServerLabelProvider extends ColumnLabelProvider {

    private final ServerColumn column;
    private final ConsoleImages images;

    ServerLabelProvider(ServerColumn column, ConsoleImages images) {
        this.column = column;
        this.images = images;
    }

    @Override
    public String getText(Object element) {
        if (element instanceof Server server) {
            return column.text(server);
        }
        if (element instanceof JobRef job) {
            return jobText(job);
        }
        if (element instanceof FailoverRef failover) {
            return failoverText(failover);
        }
        return "";
    }

    /** A job beneath its server: its name, target, state and last error. */
    private String jobText(JobRef job) {
        JobStatus status = job.status();
        return switch (column) {
            case NAME -> "Job " + job.name();
            case ADDRESS -> "→ " + Formats.target(status);
            case STATE -> Formats.state(job.state());
            case PROBLEM -> status.lastError() == null || !job.current() ? "" : status.lastError();
            default -> "";
        };
    }

    /** A failover beneath the target server that runs it: its name, source and state. */
    private String failoverText(FailoverRef failover) {
        FailoverStatus status = failover.status();
        return switch (column) {
            case NAME -> "Failover " + failover.name();
            case ADDRESS -> "← " + status.source() + "/" + status.image();
            case STATE -> failover.current() ? Formats.failoverState(status.state()) : "Unknown (server unreachable)";
            case PROBLEM -> failover.current() && status.reason() != null ? status.reason() : "";
            default -> "";
        };
    }

    @Override
    public Image getImage(Object element) {
        if (column == ServerColumn.STATE && element instanceof Server server) {
            return images.state(server.state().connection());
        }
        return null;
    }

    @Override
    public String getToolTipText(Object element) {
        if (!(element instanceof Server server)) {
            return null;
        }
        ServerState state = server.state();
        return switch (column) {
            case STATE, PROBLEM -> state.connection().isFailure()
                    ? state.problem() + "\n\nNext step: " + state.connection().nextStep()
                    : null;
            case FINGERPRINT -> state.status() == null ? null
                    : "Certificate fingerprint (SHA-256) the agent introduced itself with:\n"
                            + state.status().identity().fingerprint();
            default -> null;
        };
    }
}
