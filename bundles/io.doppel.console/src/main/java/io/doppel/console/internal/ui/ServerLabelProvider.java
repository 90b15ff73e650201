package io.doppel.console.internal.ui;

import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.swt.graphics.Image;

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
        return element instanceof Server server ? column.text(server) : "";
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
