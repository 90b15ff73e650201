package io.doppel.console.internal.ui;

import org.eclipse.core.commands.common.CommandException;
import org.eclipse.jface.action.MenuManager;
import org.eclipse.jface.action.Separator;
import org.eclipse.jface.viewers.ColumnViewerToolTipSupport;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.viewers.TreeViewer;
import org.eclipse.jface.viewers.TreeViewerColumn;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.ui.IWorkbenchActionConstants;
import org.eclipse.ui.IWorkbenchCommandConstants;
import org.eclipse.ui.contexts.IContextService;
import org.eclipse.ui.handlers.IHandlerService;
import org.eclipse.ui.keys.IBindingService;
import org.eclipse.ui.part.ViewPart;

import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerModelListener;

/**
 * The agents the console manages, one row each, with what the console last learned about them.
 * Model changes arrive on job threads and are applied on the display thread.
 */
public final class ServersView extends ViewPart {

    public static final String ID = "io.doppel.console.views.servers";
    /** Active while this view is: its key bindings (Add Server) live here. */
    public static final String CONTEXT_ID = "io.doppel.console.contexts.servers";
    public static final String ADD_SERVER_COMMAND = "io.doppel.console.commands.addServer";

    private TreeViewer viewer;
    private ServerModel model;
    private final ServerModelListener listener = new ServerModelListener() {
        @Override
        public void serverAdded(Server server) {
            onDisplay(() -> {
                viewer.refresh();
                viewer.setSelection(new StructuredSelection(server), true);
            });
        }

        @Override
        public void serverRemoved(Server server) {
            onDisplay(viewer::refresh);
        }

        @Override
        public void serverChanged(Server server) {
            onDisplay(() -> viewer.refresh(server, true));
        }
    };

    @Override
    public void createPartControl(Composite parent) {
        ServerRegistry registry = Registries.of(getSite());
        model = registry.model();
        viewer = new TreeViewer(parent, SWT.MULTI | SWT.FULL_SELECTION | SWT.H_SCROLL | SWT.V_SCROLL);
        Tree tree = viewer.getTree();
        tree.setHeaderVisible(true);
        tree.setLinesVisible(true);
        ConsoleImages images = new ConsoleImages(tree);
        for (ServerColumn column : ServerColumn.values()) {
            TreeViewerColumn viewerColumn = new TreeViewerColumn(viewer, SWT.LEFT);
            viewerColumn.getColumn().setText(column.header());
            viewerColumn.getColumn().setWidth(column.width());
            viewerColumn.getColumn().setMoveable(true);
            viewerColumn.setLabelProvider(new ServerLabelProvider(column, images));
        }
        ColumnViewerToolTipSupport.enableFor(viewer);
        viewer.setContentProvider(new ServerContentProvider());
        viewer.setUseHashlookup(true);
        viewer.setAutoExpandLevel(2);
        viewer.setInput(model);
        viewer.addDoubleClickListener(e -> executeCommand(IWorkbenchCommandConstants.FILE_REFRESH));
        getSite().setSelectionProvider(viewer);
        createContextMenu();
        model.addListener(listener);
        getSite().getService(IContextService.class).activateContext(CONTEXT_ID);
        updateDescription();
        // the key binding of Add Server is known once the view's context is active
        parent.getDisplay().asyncExec(() -> {
            if (!viewer.getControl().isDisposed()) {
                updateDescription();
            }
        });
    }

    private void createContextMenu() {
        MenuManager menu = new MenuManager("#PopupMenu", ID);
        menu.add(new Separator(IWorkbenchActionConstants.MB_ADDITIONS));
        viewer.getControl().setMenu(menu.createContextMenu(viewer.getControl()));
        getSite().registerContextMenu(menu, viewer);
    }

    private void executeCommand(String commandId) {
        try {
            getSite().getService(IHandlerService.class).executeCommand(commandId, null);
        } catch (CommandException e) {
            throw new IllegalStateException("cannot run command " + commandId + " from the Servers view", e);
        }
    }

    private void onDisplay(Runnable change) {
        if (viewer.getControl().isDisposed()) {
            return;
        }
        viewer.getControl().getDisplay().asyncExec(() -> {
            if (!viewer.getControl().isDisposed()) {
                change.run();
                updateDescription();
            }
        });
    }

    /** A hint while the list is empty, else a one-line summary. */
    private void updateDescription() {
        var servers = model.servers();
        if (servers.isEmpty()) {
            String key = getSite().getService(IBindingService.class).getBestActiveBindingFormattedFor(ADD_SERVER_COMMAND);
            setContentDescription("No servers yet. Add one with Server \u25b8 Add Server\u2026"
                    + (key == null ? "" : " (" + key + ")"));
            return;
        }
        long connected = servers.stream().filter(s -> s.state().connection() == ConnectionState.CONNECTED).count();
        long failed = servers.stream().filter(s -> s.state().connection().isFailure()).count();
        setContentDescription(servers.size() + (servers.size() == 1 ? " server" : " servers") + ": " + connected
                + " connected" + (failed > 0 ? ", " + failed + " with problems" : "") + ".");
    }

    /** The viewer, for UI tests and handlers. */
    public TreeViewer viewer() {
        return viewer;
    }

    @Override
    public void setFocus() {
        viewer.getControl().setFocus();
    }

    @Override
    public void dispose() {
        if (model != null) {
            model.removeListener(listener);
        }
        super.dispose();
    }
}
