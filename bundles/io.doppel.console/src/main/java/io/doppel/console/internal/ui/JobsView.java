package io.doppel.console.internal.ui;

import java.util.Comparator;
import java.util.List;

import org.eclipse.jface.action.MenuManager;
import org.eclipse.jface.action.Separator;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ColumnViewerToolTipSupport;
import org.eclipse.jface.viewers.OwnerDrawLabelProvider;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.jface.viewers.Viewer;
import org.eclipse.jface.viewers.ViewerCell;
import org.eclipse.jface.viewers.ViewerComparator;
import org.eclipse.jface.viewers.ViewerFilter;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.IWorkbenchActionConstants;
import org.eclipse.ui.part.ViewPart;

import io.doppel.console.internal.connect.ConsolePreferences;
import io.doppel.console.internal.dashboard.Colours;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.LagLevel;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;
import io.doppel.console.internal.model.ServerModelListener;

/**
 * Every job of every server, one row each: state, mirror progress as a bar, queue, lag coloured
 * against the job's limit, throughput, target and last error. Sortable by any column, filtered by a
 * text. Rows follow the servers' refreshes; a refresh burst repaints once.
 */
public final class JobsView extends ViewPart {

    public static final String ID = "io.doppel.console.views.jobs";

    /** A light blue that dark text stays readable on. */
    private static final RGB BAR_BACKGROUND = new RGB(0xbb, 0xd6, 0xfb);

    private ServerModel model;
    private TableViewer viewer;
    private Text filter;
    private Label summary;
    private JobColumn sortColumn = JobColumn.SERVER;
    private int sortDirection = SWT.UP;
    private boolean refreshQueued;

    private final ServerModelListener listener = new ServerModelListener() {
        @Override
        public void serverAdded(Server server) {
            refreshSoon();
        }

        @Override
        public void serverRemoved(Server server) {
            refreshSoon();
        }

        @Override
        public void serverChanged(Server server) {
            refreshSoon();
        }
    };

    @Override
    public void createPartControl(Composite parent) {
        model = Registries.of(getSite()).model();
        Composite root = new Composite(parent, SWT.NONE);
        GridLayout layout = new GridLayout(3, false);
        layout.marginWidth = 4;
        layout.marginHeight = 4;
        root.setLayout(layout);

        Label filterLabel = new Label(root, SWT.NONE);
        filterLabel.setText("&Filter:");
        filter = new Text(root, SWT.SEARCH | SWT.ICON_SEARCH | SWT.ICON_CANCEL);
        filter.setMessage("job, server, state, target or error");
        filter.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        summary = new Label(root, SWT.NONE);
        summary.setLayoutData(new GridData(SWT.END, SWT.CENTER, false, false));

        viewer = new TableViewer(root, SWT.MULTI | SWT.FULL_SELECTION | SWT.H_SCROLL | SWT.V_SCROLL | SWT.BORDER);
        Table table = viewer.getTable();
        table.setHeaderVisible(true);
        table.setLinesVisible(true);
        table.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true, 3, 1));
        for (JobColumn column : JobColumn.values()) {
            TableViewerColumn viewerColumn = new TableViewerColumn(viewer, SWT.LEFT);
            TableColumn tableColumn = viewerColumn.getColumn();
            tableColumn.setText(column.header());
            tableColumn.setWidth(column.width());
            tableColumn.setMoveable(true);
            tableColumn.setData(column);
            tableColumn.addListener(SWT.Selection, e -> sortBy(column, tableColumn));
            viewerColumn.setLabelProvider(column == JobColumn.MIRROR ? new MirrorBar() : new JobLabels(column));
        }
        ColumnViewerToolTipSupport.enableFor(viewer);
        viewer.setContentProvider(ArrayContentProvider.getInstance());
        viewer.setUseHashlookup(true);
        viewer.setComparator(new ViewerComparator() {
            @Override
            public int compare(Viewer v, Object a, Object b) {
                Comparator<JobRef> order = sortColumn.order();
                int c = order.compare((JobRef) a, (JobRef) b);
                return sortDirection == SWT.UP ? c : -c;
            }
        });
        viewer.addFilter(new ViewerFilter() {
            @Override
            public boolean select(Viewer v, Object parentElement, Object element) {
                return JobColumn.matches((JobRef) element, filter.getText());
            }
        });
        filter.addModifyListener(e -> refresh());
        table.setSortColumn(table.getColumn(JobColumn.SERVER.ordinal()));
        table.setSortDirection(sortDirection);

        getSite().setSelectionProvider(viewer);
        MenuManager menu = new MenuManager("#PopupMenu", ID);
        menu.add(new Separator(IWorkbenchActionConstants.MB_ADDITIONS));
        table.setMenu(menu.createContextMenu(table));
        getSite().registerContextMenu(menu, viewer);

        model.addListener(listener);
        refresh();
    }

    private void sortBy(JobColumn column, TableColumn tableColumn) {
        if (sortColumn == column) {
            sortDirection = sortDirection == SWT.UP ? SWT.DOWN : SWT.UP;
        } else {
            sortColumn = column;
            sortDirection = SWT.UP;
        }
        viewer.getTable().setSortColumn(tableColumn);
        viewer.getTable().setSortDirection(sortDirection);
        viewer.refresh();
    }

    /** Coalesces the refreshes of many servers into one repaint. */
    private void refreshSoon() {
        Table table = viewer == null ? null : viewer.getTable();
        if (table == null || table.isDisposed()) {
            return;
        }
        synchronized (this) {
            if (refreshQueued) {
                return;
            }
            refreshQueued = true;
        }
        table.getDisplay().asyncExec(() -> {
            synchronized (this) {
                refreshQueued = false;
            }
            if (!table.isDisposed()) {
                refresh();
            }
        });
    }

    private void refresh() {
        List<JobRef> jobs = model.jobs();
        Object[] before = ((org.eclipse.jface.viewers.IStructuredSelection) viewer.getSelection()).toArray();
        viewer.setInput(jobs);
        if (before.length > 0) {
            viewer.setSelection(new org.eclipse.jface.viewers.StructuredSelection(
                    List.of(before).stream().filter(jobs::contains).toList()));
        }
        int shown = viewer.getTable().getItemCount();
        summary.setText(jobs.isEmpty() ? "No jobs yet: create one with Job \u25b8 New Protection Job\u2026"
                : shown == jobs.size() ? jobs.size() + (jobs.size() == 1 ? " job" : " jobs")
                        : shown + " of " + jobs.size() + " jobs");
        summary.getParent().layout(new org.eclipse.swt.widgets.Control[] {summary});
    }

    /** The viewer, for UI tests and handlers. */
    public TableViewer viewer() {
        return viewer;
    }

    /** The filter text, for UI tests. */
    public Text filter() {
        return filter;
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

    /** Plain cells; the lag is coloured by {@link LagLevel}, errors and states get tooltips. */
    private static final class JobLabels extends ColumnLabelProvider {

        private final JobColumn column;

        JobLabels(JobColumn column) {
            this.column = column;
        }

        @Override
        public String getText(Object element) {
            return column.text((JobRef) element);
        }

        @Override
        public Color getForeground(Object element) {
            JobRef job = (JobRef) element;
            if (!job.current()) {
                return org.eclipse.swt.widgets.Display.getCurrent().getSystemColor(SWT.COLOR_WIDGET_DISABLED_FOREGROUND);
            }
            if (column == JobColumn.LAG) {
                return color(LagLevel.of(job.status(), ConsolePreferences.lagAlarm()));
            }
            if (column == JobColumn.STATE && job.state() == io.doppel.api.job.JobState.ERROR
                    || column == JobColumn.LAST_ERROR) {
                return color(LagLevel.ALARM);
            }
            return null;
        }

        @Override
        public String getToolTipText(Object element) {
            JobRef job = (JobRef) element;
            return switch (column) {
                case LAG -> job.status().lagMillis() < 0 ? "No change applied on the target yet"
                        : "Capture-to-apply time of the newest change the target applied; limit "
                                + Formats.lag(LagLevel.limitMillis(job.status(), ConsolePreferences.lagAlarm()))
                                + (job.status().definition().rpoSeconds() > 0 ? " (the job's recovery point objective)"
                                        : " (the console's lag alarm preference)");
                case STATE -> job.current() ? job.status().capture() : "The server cannot be reached; "
                        + "the figures shown are the last ones read";
                case LAST_ERROR -> job.status().lastError();
                default -> null;
            };
        }

        static Color color(LagLevel level) {
            RGB rgb = Colours.of(level).rgb();
            return rgb == null ? null : new Color(rgb);
        }
    }

    /**
     * The Mirror column: the words as the cell's text (readable by screen readers and copyable), over a bar
     * of the part done painted as the cell's background.
     */
    private static final class MirrorBar extends OwnerDrawLabelProvider {

        @Override
        public void update(ViewerCell cell) {
            super.update(cell);
            cell.setText(JobColumn.MIRROR.text((JobRef) cell.getElement()));
        }

        @Override
        protected void measure(Event event, Object element) {
            Point size = event.gc.textExtent(JobColumn.MIRROR.text((JobRef) element));
            event.setBounds(new Rectangle(event.x, event.y, size.x + 8, Math.max(event.height, size.y + 4)));
        }

        @Override
        protected void erase(Event event, Object element) {
            if ((event.detail & SWT.SELECTED) != 0) {
                return; // the selection's own background, text drawn by the table
            }
            double fraction = Formats.mirrorFraction(((JobRef) element).status().mirror());
            if (fraction < 0) {
                return;
            }
            Rectangle cell = ((org.eclipse.swt.widgets.TableItem) event.item).getBounds(event.index);
            GC gc = event.gc;
            Color old = gc.getBackground();
            gc.setBackground(event.item.getDisplay().getSystemColor(SWT.COLOR_LIST_BACKGROUND));
            gc.fillRectangle(cell);
            gc.setBackground(new Color(BAR_BACKGROUND));
            gc.fillRectangle(cell.x + 1, cell.y + 2, (int) Math.round((cell.width - 2) * fraction), cell.height - 4);
            gc.setBackground(old);
            event.detail &= ~SWT.BACKGROUND; // the table draws the text over the bar
        }

        @Override
        protected void paint(Event event, Object element) {
            // the table drew the text already
        }
    }
}
