package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;

import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;

/** A read-only combo of the connected servers (those the console can act on now), by name and address. */
final class ServerCombo {

    private final Combo combo;
    private final ServerModel model;
    private List<Server> shown = List.of();

    ServerCombo(Composite parent, ServerModel model) {
        this.combo = new Combo(parent, SWT.READ_ONLY | SWT.DROP_DOWN);
        this.model = model;
    }

    Combo control() {
        return combo;
    }

    static boolean connected(Server server) {
        return server.state().connection() == ConnectionState.CONNECTED && server.state().status() != null;
    }

    /** Lists the connected servers {@code which} accepts, keeping the selection if it is still listed. */
    void fill(Predicate<Server> which, Server preferred) {
        Server keep = selected() != null ? selected() : preferred;
        List<Server> next = new ArrayList<>();
        for (Server s : model.servers()) {
            if (connected(s) && which.test(s)) {
                next.add(s);
            }
        }
        String[] labels = next.stream().map(s -> s.displayName() + " (" + s.entry().address() + ")")
                .toArray(String[]::new);
        if (next.equals(shown) && java.util.Arrays.equals(labels, combo.getItems()) && selected() == keep) {
            return;
        }
        shown = List.copyOf(next);
        combo.setItems(labels);
        int at = keep == null ? -1 : shown.indexOf(keep);
        if (at >= 0) {
            combo.select(at);
        } else if (shown.size() == 1 && preferred == null) {
            combo.select(0);
        }
    }

    boolean isEmpty() {
        return shown.isEmpty();
    }

    Server selected() {
        int i = combo.getSelectionIndex();
        return i >= 0 && i < shown.size() ? shown.get(i) : null;
    }
}
