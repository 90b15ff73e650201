package io.doppel.console.internal.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.ScrolledComposite;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.layout.FillLayout;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.ui.part.ViewPart;

import io.doppel.api.event.Event;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.events.EventColumn;
import io.doppel.console.internal.events.EventRow;
import io.doppel.console.internal.events.EventsView;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerModelListener;

/**
 * The health of everything on one screen: a tile per server with a line per job (state, mirror,
 * lag against its limit, throughput, queue, the last hour's lag and throughput), and the latest
 * events. Redrawn after each refresh of the agents, at most {@value #REFRESHES_PER_SECOND} times a second.
 * The job the admin clicks becomes the view's selection.
 */
public final class DashboardView extends ViewPart {

    public static final String ID = "io.doppel.console.views.dashboard";
    static final int REFRESHES_PER_SECOND = 4;
    /** Events listed under "Latest events". */
    public static final int LATEST_EVENTS = 10;

    private final DashboardColours colours = new DashboardColours();
    private final JobSelectionProvider selection = new JobSelectionProvider();
    private final List<ServerTile> tiles = new ArrayList<>();
    private ServerModel model;
    private Display display;
    private ScrolledComposite scrolled;
    private Composite content;
    private Composite tileArea;
    private Label empty;
    private Table latest;
    private JobRef selected;
    private boolean refreshPending;
    private List<Server> madeFor = List.of();

    private final ServerModelListener listener = new ServerModelListener() {
        @Override
        public void serverAdded(Server server) {
            scheduleRefresh();
        }

        @Override
        public void serverRemoved(Server server) {
            scheduleRefresh();
        }

        @Override
        public void serverChanged(Server server) {
            scheduleRefresh();
        }

        @Override
        public void eventsAdded(Server server, List<Event> events) {
            scheduleRefresh();
        }
    };

    @Override
    public void createPartControl(Composite parent) {
        display = parent.getDisplay();
        parent.setLayout(new FillLayout());
        scrolled = new ScrolledComposite(parent, SWT.V_SCROLL | SWT.H_SCROLL);
        scrolled.setExpandHorizontal(true);
        scrolled.setExpandVertical(true);
        content = new Composite(scrolled, SWT.NONE);
        GridLayoutFactory.swtDefaults().numColumns(1).spacing(0, 8).applyTo(content);
        scrolled.setContent(content);
        scrolled.addListener(SWT.Resize, e -> fitContent());

        tileArea = new Composite(content, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(1).spacing(0, 8).applyTo(tileArea);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(tileArea);
        empty = new Label(tileArea, SWT.WRAP);
        empty.setText("No servers yet. Add one with Server \u25b8 Add Server\u2026");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(empty);

        Label heading = new Label(content, SWT.NONE);
        heading.setText("Latest events");
        heading.setFont(JFaceResources.getFontRegistry().getBold(JFaceResources.DEFAULT_FONT));
        latest = new Table(content, SWT.BORDER | SWT.FULL_SELECTION | SWT.SINGLE);
        latest.setHeaderVisible(true);
        for (EventColumn column : List.of(EventColumn.TIME, EventColumn.SEVERITY, EventColumn.SERVER,
                EventColumn.CODE, EventColumn.MESSAGE)) {
            TableColumn c = new TableColumn(latest, SWT.LEFT);
            c.setText(column.title());
            c.setWidth(column.widthHint());
        }
        GridDataFactory.fillDefaults().grab(true, false).applyTo(latest);

        getSite().setSelectionProvider(selection);
        ServerRegistry registry = getSite().getService(ServerRegistry.class);
        if (registry == null) {
            throw new IllegalStateException("The console's server registry is not running: the component in bundle "
                    + "io.doppel.console was not activated");
        }
        model = registry.model();
        model.addListener(listener);
        refresh();
    }

    /** Redraws soon, once for everything that happens until then; callable from any thread. */
    private void scheduleRefresh() {
        if (display == null || display.isDisposed()) {
            return;
        }
        display.asyncExec(() -> {
            if (refreshPending || content.isDisposed()) {
                return;
            }
            refreshPending = true;
            display.timerExec(1000 / REFRESHES_PER_SECOND, () -> {
                refreshPending = false;
                if (!content.isDisposed()) {
                    refresh();
                }
            });
        });
    }

    /** Shows the model as it is now: tiles made anew when servers or jobs came or went, else updated. */
    public void refresh() {
        List<Server> servers = model.servers();
        boolean remake = !servers.equals(madeFor) || tiles.stream().anyMatch(t -> !t.fits());
        content.setRedraw(false);
        try {
            if (remake) {
                tiles.forEach(ServerTile::dispose);
                tiles.clear();
                for (Server server : servers) {
                    tiles.add(new ServerTile(tileArea, server, colours, this::select));
                }
                madeFor = servers;
                if (selected != null && !model.jobs().contains(selected)) {
                    select(null);
                } else {
                    highlight();
                }
            } else {
                tiles.forEach(ServerTile::update);
            }
            empty.setVisible(servers.isEmpty());
            ((GridData) empty.getLayoutData()).exclude = !servers.isEmpty();
            updateLatest(servers);
            content.layout(true, true);
            fitContent();
        } finally {
            content.setRedraw(true);
        }
    }

    private void updateLatest(List<Server> servers) {
        List<EventRow> rows = new ArrayList<>();
        for (Server server : servers) {
            List<Event> events = server.events().events();
            for (Event e : events.subList(Math.max(0, events.size() - LATEST_EVENTS), events.size())) {
                rows.add(new EventRow(server, e));
            }
        }
        rows.sort(EventColumn.TIME.order(true));
        List<EventRow> newest = rows.subList(0, Math.min(LATEST_EVENTS, rows.size()));
        latest.setItemCount(newest.size());
        for (int i = 0; i < newest.size(); i++) {
            EventRow row = newest.get(i);
            TableItem item = latest.getItem(i);
            item.setText(new String[] { EventColumn.TIME.text(row), EventColumn.SEVERITY.text(row),
                    EventColumn.SERVER.text(row), EventColumn.CODE.text(row), EventColumn.MESSAGE.text(row) });
            item.setImage(1, EventsView.icon(row.event().severity()));
            item.setData(row);
        }
        // room for all ten rows, whatever the font: the header's height is known once the table is shown
        int header = Math.max(latest.getHeaderHeight(), latest.getItemHeight() + 4);
        ((GridData) latest.getLayoutData()).heightHint = header + latest.getItemHeight() * LATEST_EVENTS
                + 2 * latest.getBorderWidth() + 2;
    }

    private void fitContent() {
        if (scrolled.isDisposed()) {
            return;
        }
        Rectangle area = scrolled.getClientArea();
        int preferredWidth = content.computeSize(SWT.DEFAULT, SWT.DEFAULT).x;
        int width = Math.max(area.width, Math.min(preferredWidth, 720));
        scrolled.setMinSize(content.computeSize(width, SWT.DEFAULT));
    }

    /** Makes {@code job} (or nothing) the selection of the view, for other views to follow. */
    public void select(JobRef job) {
        selected = job;
        highlight();
        selection.setSelection(job == null ? StructuredSelection.EMPTY : new StructuredSelection(job));
    }

    private void highlight() {
        for (ServerTile tile : tiles) {
            for (JobLine line : tile.lines()) {
                line.selected(Objects.equals(line.job(), selected));
            }
        }
    }

    @Override
    public void setFocus() {
        content.setFocus();
    }

    @Override
    public void dispose() {
        if (model != null) {
            model.removeListener(listener);
        }
        super.dispose();
    }

    // What tests read.

    public List<ServerTile> tiles() {
        return List.copyOf(tiles);
    }

    /** The tile of {@code server}, or {@code null}. */
    public ServerTile tile(Server server) {
        return tiles.stream().filter(t -> t.server() == server).findFirst().orElse(null);
    }

    /** The line of {@code job}, or {@code null}. */
    public JobLine line(JobRef job) {
        return tiles.stream().flatMap(t -> t.lines().stream()).filter(l -> l.job() == job).findFirst().orElse(null);
    }

    public Table latestEvents() {
        return latest;
    }

    public JobRef selectedJob() {
        return selected;
    }
}
