package io.doppel.console.internal.events;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ILazyContentProvider;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.jface.viewers.Viewer;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Font;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.ISharedImages;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.part.ViewPart;

import io.doppel.api.event.Event;
import io.doppel.api.event.Severity;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerModelListener;

/**
 * The events of every server, newest first, live. The table is virtual and redrawn at most
 * {@value #REFRESHES_PER_SECOND} times a second however fast events arrive; a redraw keeps the rows
 * the admin selected and, once they scrolled down, the row at the top.
 */
public final class EventsView extends ViewPart {

    public static final String ID = "io.doppel.console.views.events";
    static final int REFRESHES_PER_SECOND = 4;
    /** Items of the severity filter; index 0 is everything, index i is {@code Severity.values()[i - 1]} and up. */
    public static final String[] SEVERITY_CHOICES = { "All", "Info", "Warning", "Error", "Critical" };
    public static final String ALL_SERVERS = "All servers";

    private final EventRows rows = new EventRows();
    private List<EventRow> shown = List.of();
    private EventColumn sortColumn = EventColumn.TIME;
    private boolean descending = true;
    private boolean refreshPending;

    private ServerModel model;
    private Display display;
    private TableViewer viewer;
    private Combo severity;
    private Combo serverChoice;
    private List<Server> serverChoices = List.of();
    private Text filterText;
    private Label count;

    private final ServerModelListener listener = new ServerModelListener() {
        @Override
        public void serverAdded(Server server) {
            onDisplay(() -> {
                updateServerChoices();
                rows.add(server, server.events().events());
                scheduleRefresh();
            });
        }

        @Override
        public void serverRemoved(Server server) {
            onDisplay(() -> {
                rows.remove(server);
                updateServerChoices();
                scheduleRefresh();
            });
        }

        @Override
        public void serverChanged(Server server) {
            onDisplay(() -> {
                if (server.events().lastId() < rows.lastId(server)) {
                    rows.remove(server); // another agent answers at this address: its log starts over
                    rows.add(server, server.events().events());
                    scheduleRefresh();
                }
                updateServerChoices();
            });
        }

        @Override
        public void eventsAdded(Server server, List<Event> events) {
            onDisplay(() -> {
                if (model.contains(server) && rows.add(server, events) > 0) {
                    scheduleRefresh();
                }
            });
        }
    };

    @Override
    public void createPartControl(Composite parent) {
        display = parent.getDisplay();
        GridLayoutFactory.fillDefaults().spacing(0, 2).applyTo(parent);
        createFilters(parent);
        createTable(parent);
        count = new Label(parent, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, false).indent(4, 0).applyTo(count);

        ServerRegistry registry = getSite().getService(ServerRegistry.class);
        if (registry == null) {
            throw new IllegalStateException("The console's server registry is not running: the component in bundle "
                    + "io.doppel.console was not activated");
        }
        model = registry.model();
        model.addListener(listener); // first, so that nothing logged meanwhile is missed (rows drop repeats)
        for (Server server : model.servers()) {
            rows.add(server, server.events().events());
        }
        updateServerChoices();
        applyRows();
        getSite().setSelectionProvider(viewer);
    }

    private void createFilters(Composite parent) {
        Composite bar = new Composite(parent, SWT.NONE);
        GridLayoutFactory.swtDefaults().numColumns(6).margins(4, 4).applyTo(bar);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(bar);

        new Label(bar, SWT.NONE).setText("Se&verity at least:");
        severity = new Combo(bar, SWT.READ_ONLY | SWT.DROP_DOWN);
        severity.setItems(SEVERITY_CHOICES);
        severity.select(0);
        severity.addListener(SWT.Selection, e -> scheduleRefresh());

        new Label(bar, SWT.NONE).setText("Serv&er:");
        serverChoice = new Combo(bar, SWT.READ_ONLY | SWT.DROP_DOWN);
        serverChoice.setItems(ALL_SERVERS);
        serverChoice.select(0);
        serverChoice.addListener(SWT.Selection, e -> scheduleRefresh());
        GridDataFactory.swtDefaults().hint(160, SWT.DEFAULT).applyTo(serverChoice);

        new Label(bar, SWT.NONE).setText("&Text contains:");
        filterText = new Text(bar, SWT.SEARCH | SWT.ICON_SEARCH | SWT.ICON_CANCEL | SWT.BORDER);
        filterText.setMessage("code, job or message");
        filterText.addListener(SWT.Modify, e -> scheduleRefresh());
        GridDataFactory.fillDefaults().grab(true, false).applyTo(filterText);
    }

    private void createTable(Composite parent) {
        viewer = new TableViewer(parent, SWT.VIRTUAL | SWT.MULTI | SWT.FULL_SELECTION | SWT.BORDER
                | SWT.H_SCROLL | SWT.V_SCROLL);
        Table table = viewer.getTable();
        table.setHeaderVisible(true);
        table.setLinesVisible(true);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(table);
        viewer.setUseHashlookup(true);
        viewer.setContentProvider(new ILazyContentProvider() {
            @Override
            public void updateElement(int index) {
                if (index < shown.size()) {
                    viewer.replace(shown.get(index), index);
                }
            }

            @Override
            public void inputChanged(Viewer v, Object oldInput, Object newInput) {
            }
        });
        Font bold = JFaceResources.getFontRegistry().getBold(JFaceResources.DEFAULT_FONT);
        for (EventColumn column : EventColumn.values()) {
            TableViewerColumn viewerColumn = new TableViewerColumn(viewer, SWT.LEFT);
            TableColumn tableColumn = viewerColumn.getColumn();
            tableColumn.setText(column.title());
            tableColumn.setWidth(column.widthHint());
            tableColumn.setMoveable(true);
            viewerColumn.setLabelProvider(new ColumnLabelProvider() {
                @Override
                public String getText(Object element) {
                    return column.text((EventRow) element);
                }

                @Override
                public Image getImage(Object element) {
                    return column == EventColumn.SEVERITY ? icon(((EventRow) element).event().severity()) : null;
                }

                @Override
                public Font getFont(Object element) {
                    return ((EventRow) element).event().severity() == Severity.CRITICAL ? bold : null;
                }
            });
            if (column.sortable()) {
                tableColumn.addListener(SWT.Selection, e -> sortBy(column));
            }
        }
        table.setSortColumn(table.getColumn(sortColumn.ordinal()));
        table.setSortDirection(SWT.DOWN);
        viewer.setInput(rows);
        viewer.addDoubleClickListener(e -> openDetails()); // double-click and Enter
    }

    /** Icon of a severity, from the workbench's shared images; critical is shown as error (in bold). */
    public static Image icon(Severity severity) {
        ISharedImages images = PlatformUI.getWorkbench().getSharedImages();
        if (severity == null) {
            return null;
        }
        return switch (severity) {
            case INFO -> images.getImage(ISharedImages.IMG_OBJS_INFO_TSK);
            case WARNING -> images.getImage(ISharedImages.IMG_OBJS_WARN_TSK);
            case ERROR, CRITICAL -> images.getImage(ISharedImages.IMG_OBJS_ERROR_TSK);
        };
    }

    private void sortBy(EventColumn column) {
        if (column == sortColumn) {
            descending = !descending;
        } else {
            sortColumn = column;
            descending = column == EventColumn.TIME || column == EventColumn.SEVERITY;
        }
        Table table = viewer.getTable();
        table.setSortColumn(table.getColumn(column.ordinal()));
        table.setSortDirection(descending ? SWT.DOWN : SWT.UP);
        applyRows();
    }

    /** Opens the details of the first selected event. */
    public void openDetails() {
        if (viewer.getStructuredSelection().getFirstElement() instanceof EventRow row) {
            new EventDetailsDialog(getSite().getShell(), row).open();
        }
    }

    /** The filter as the controls say. */
    public EventFilter filter() {
        int level = severity.getSelectionIndex();
        Severity atLeast = level <= 0 ? null : Severity.values()[level - 1];
        int s = serverChoice.getSelectionIndex();
        Server server = s <= 0 || s > serverChoices.size() ? null : serverChoices.get(s - 1);
        return new EventFilter(atLeast, server, filterText.getText());
    }

    private void updateServerChoices() {
        if (serverChoice.isDisposed()) {
            return;
        }
        List<Server> servers = model.servers();
        List<String> names = new ArrayList<>();
        names.add(ALL_SERVERS);
        servers.forEach(s -> names.add(s.displayName()));
        if (servers.equals(serverChoices) && names.equals(List.of(serverChoice.getItems()))) {
            return;
        }
        int s = serverChoice.getSelectionIndex();
        Server selected = s <= 0 || s > serverChoices.size() ? null : serverChoices.get(s - 1);
        serverChoices = servers;
        serverChoice.setItems(names.toArray(String[]::new));
        int index = selected == null ? 0 : servers.indexOf(selected) + 1; // a removed server: back to all
        serverChoice.select(index);
        if (selected != null && index == 0) {
            scheduleRefresh();
        }
    }

    /** Redraws the table soon, once for everything that happens until then. */
    private void scheduleRefresh() {
        if (refreshPending || viewer.getTable().isDisposed()) {
            return;
        }
        refreshPending = true;
        display.timerExec(1000 / REFRESHES_PER_SECOND, () -> {
            refreshPending = false;
            if (!viewer.getTable().isDisposed()) {
                applyRows();
            }
        });
    }

    /** Fills the table from the rows, keeping the selected rows selected and the top row in place. */
    private void applyRows() {
        Table table = viewer.getTable();
        List<EventRow> selected = new ArrayList<>();
        for (int i : table.getSelectionIndices()) {
            if (i < shown.size()) {
                selected.add(shown.get(i));
            }
        }
        int top = table.getTopIndex();
        EventRow topRow = top > 0 && top < shown.size() ? shown.get(top) : null;

        shown = rows.shown(filter(), sortColumn.order(descending));
        Map<EventRow, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < shown.size(); i++) {
            index.put(shown.get(i), i);
        }
        table.setRedraw(false);
        try {
            viewer.setItemCount(shown.size());
            viewer.refresh();
            table.deselectAll();
            int[] keep = selected.stream().map(index::get).filter(i -> i != null).mapToInt(Integer::intValue).toArray();
            table.select(keep);
        } finally {
            table.setRedraw(true);
        }
        // after redraw is back on: GTK places the rows only then, and may need a second go once laid out
        Integer keepTop = topRow != null ? index.get(topRow) : null;
        if (keepTop != null) {
            table.setTopIndex(keepTop);
            display.asyncExec(() -> {
                if (!table.isDisposed() && keepTop < table.getItemCount() && table.getTopIndex() != keepTop) {
                    table.setTopIndex(keepTop);
                }
            });
        } else if (top == 0 && !shown.isEmpty()) {
            table.setTopIndex(0);
        }
        count.setText(countText(shown.size(), rows.size()));
    }

    /** "N events shown of M". */
    static String countText(int shownCount, int total) {
        return shownCount + (shownCount == 1 ? " event" : " events") + " shown of " + total;
    }

    private void onDisplay(Runnable action) {
        if (display.isDisposed()) {
            return;
        }
        display.asyncExec(() -> {
            if (!viewer.getTable().isDisposed()) {
                action.run();
            }
        });
    }

    @Override
    public void setFocus() {
        viewer.getTable().setFocus();
    }

    @Override
    public void dispose() {
        if (model != null) {
            model.removeListener(listener);
        }
        super.dispose();
    }

    // What tests and other views read.

    public TableViewer viewer() {
        return viewer;
    }

    /** The rows in the table's order. */
    public List<EventRow> shownRows() {
        return List.copyOf(shown);
    }

    public Combo severityFilter() {
        return severity;
    }

    public Combo serverFilter() {
        return serverChoice;
    }

    public Text textFilter() {
        return filterText;
    }

    /** The "N events shown of M" line. */
    public String countLine() {
        return count.getText();
    }
}
