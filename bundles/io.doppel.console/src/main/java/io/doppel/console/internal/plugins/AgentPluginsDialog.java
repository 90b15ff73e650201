package io.doppel.console.internal.plugins;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.ProgressBar;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.swt.widgets.Text;
import org.osgi.service.prefs.BackingStoreException;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.console.internal.connect.AgentCalls;
import io.doppel.console.internal.connect.ConnectFailure;
import io.doppel.console.internal.connect.ConsolePreferences;
import io.doppel.console.internal.connect.ManagementStatusSource;
import io.doppel.console.internal.connect.ServerRegistry;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.ui.AgentActions;
import io.doppel.console.internal.ui.Confirmation;

/**
 * Server ▸ Plugins…: the feature plugins of one agent's installation ({@code plugins.list}), those an
 * update site offers ({@code plugins.available}, read by the agent on its own machine), and installing
 * or removing them ({@code plugins.install}, {@code plugins.remove}). Every call runs in an Eclipse job
 * while the dialog shows that it is busy; a refusal is explained (the agent's reason and the next step)
 * in a dialog and in the result area, and this dialog stays open.
 */
public final class AgentPluginsDialog extends Dialog {

    /** The window's title, followed by the server's name. */
    public static final String TITLE_PREFIX = "Plugins on ";
    /** Where docs/PLUGINS.md tells admins to unpack the update site; the console's own p2 site too. */
    public static final String DEFAULT_SITE = "/opt/doppel/update-site";
    /** The key, in the console's preferences ({@link ConsolePreferences#node()}), of the update site last used. */
    public static final String SITE_PREFERENCE = "pluginUpdateSite";
    /** How long an install or removal may take on the agent (downloading, resolving, starting bundles). */
    public static final Duration CHANGE_TIMEOUT = Duration.ofMinutes(5);

    public static final String FOLDER_LABEL = "Installation &folder:";
    public static final String INSTALLED_LABEL = "I&nstalled features:";
    public static final String SITE_LABEL = "&Update site:";
    public static final String AVAILABLE_LABEL = "A&vailable on the update site:";
    public static final String RESULT_LABEL = "Resul&t:";
    public static final String REFRESH = "R&efresh";
    public static final String REMOVE = "&Remove\u2026";
    public static final String LIST = "&List";
    public static final String INSTALL = "&Install";
    public static final String CLOSE = "&Close";
    /** Title prefix of the removal's confirmation, followed by the feature's name. */
    public static final String REMOVE_TITLE_PREFIX = "Remove plugin ";
    /** The Installed column's text for a feature the installation does not have. */
    public static final String NOT_INSTALLED = "\u2014";

    private final ServerRegistry registry;
    private final Server server;
    private final AgentCalls changes;

    private Text folder;
    private Label notWritable;
    private Table installed;
    private Text site;
    private Table available;
    private ProgressBar busyBar;
    private Label busyText;
    private Text result;
    private Button refresh;
    private Button remove;
    private Button list;
    private Button install;

    /** What the dialog waits for, or null when idle. */
    private String busy;
    /** Whether the installation was read and the agent can change it. */
    private boolean writable;
    private String installFolder;
    /** The update site the Available table shows, as the admin typed it; null before a listing. */
    private String listedSite;

    public AgentPluginsDialog(Shell parent, ServerRegistry registry, Server server) {
        this(parent, registry, server, new ManagementStatusSource(() -> max(ConsolePreferences.timeout(),
                CHANGE_TIMEOUT)));
    }

    /** @param changes runs the calls that may take long (reading a site, installing, removing) */
    AgentPluginsDialog(Shell parent, ServerRegistry registry, Server server, AgentCalls changes) {
        super(parent);
        this.registry = Objects.requireNonNull(registry, "registry");
        this.server = Objects.requireNonNull(server, "server");
        this.changes = Objects.requireNonNull(changes, "changes");
        setBlockOnOpen(false);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(TITLE_PREFIX + server.displayName());
    }

    @Override
    protected boolean isResizable() {
        return true;
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        GridLayoutFactory.swtDefaults().numColumns(3).margins(10, 10).applyTo(area);

        new Label(area, SWT.NONE).setText(FOLDER_LABEL);
        folder = new Text(area, SWT.READ_ONLY | SWT.SINGLE);
        folder.setText("Asking " + server.displayName() + "\u2026");
        GridDataFactory.fillDefaults().grab(true, false).span(2, 1).applyTo(folder);
        notWritable = new Label(area, SWT.WRAP);
        notWritable.setForeground(area.getDisplay().getSystemColor(SWT.COLOR_DARK_RED));
        GridDataFactory.fillDefaults().grab(true, false).span(3, 1).hint(convertWidthInCharsToPixels(80), SWT.DEFAULT)
                .exclude(true).applyTo(notWritable);
        notWritable.setVisible(false);

        // the two lists share the height the admin gives the window; the sash moves it between them
        SashForm lists = new SashForm(area, SWT.VERTICAL | SWT.SMOOTH);
        GridDataFactory.fillDefaults().grab(true, true).span(3, 1).applyTo(lists);
        Composite top = new Composite(lists, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(3).extendedMargins(0, 0, 0, 6).applyTo(top);
        Composite bottom = new Composite(lists, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(3).extendedMargins(0, 0, 6, 0).applyTo(bottom);
        lists.setWeights(2, 3);

        Label installedLabel = new Label(top, SWT.NONE);
        installedLabel.setText(INSTALLED_LABEL);
        GridDataFactory.fillDefaults().span(3, 1).applyTo(installedLabel);
        installed = table(top, SWT.SINGLE, 6, "Name", "Version", "Id");
        Composite installedButtons = buttonColumn(top);
        refresh = button(installedButtons, REFRESH, "Read the agent's installation again");
        refresh.addListener(SWT.Selection, e -> readInstallation());
        remove = button(installedButtons, REMOVE, "Remove the selected feature from the agent's installation");
        remove.addListener(SWT.Selection, e -> confirmRemove());
        installed.addListener(SWT.Selection, e -> update());

        new Label(bottom, SWT.NONE).setText(SITE_LABEL);
        site = new Text(bottom, SWT.BORDER | SWT.SINGLE);
        site.setText(ConsolePreferences.node().get(SITE_PREFERENCE, DEFAULT_SITE));
        site.setToolTipText("An absolute path or a file:, http: or https: URL of a Doppel update site, read by the "
                + "agent on its own machine");
        GridDataFactory.fillDefaults().grab(true, false).hint(convertWidthInCharsToPixels(50), SWT.DEFAULT)
                .applyTo(site);
        site.addListener(SWT.Modify, e -> update());
        site.addListener(SWT.DefaultSelection, e -> {
            if (list.isEnabled()) {
                listSite();
            }
        });
        list = new Button(bottom, SWT.PUSH);
        list.setText(LIST);
        list.setToolTipText("Ask the agent which feature plugins the update site offers");
        GridDataFactory.fillDefaults().hint(buttonWidth(list), SWT.DEFAULT).applyTo(list);
        list.addListener(SWT.Selection, e -> listSite());

        Label availableLabel = new Label(bottom, SWT.NONE);
        availableLabel.setText(AVAILABLE_LABEL);
        GridDataFactory.fillDefaults().span(3, 1).applyTo(availableLabel);
        available = table(bottom, SWT.CHECK | SWT.SINGLE, 8, "Name", "Version", "Installed", "Id");
        available.addListener(SWT.Selection, e -> {
            if (e.detail == SWT.CHECK && e.item instanceof TableItem item
                    && item.getData() instanceof PluginFeature f && f.installedAtThisVersion()) {
                item.setChecked(false); // shown, but there is nothing to install
            }
            update();
        });
        Composite availableButtons = buttonColumn(bottom);
        install = button(availableButtons, INSTALL, "Install the checked features into the agent's installation "
                + "and start them in the running agent");
        install.addListener(SWT.Selection, e -> installChecked());

        Composite progress = new Composite(area, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(2).applyTo(progress);
        GridDataFactory.fillDefaults().grab(true, false).span(3, 1).applyTo(progress);
        busyBar = new ProgressBar(progress, SWT.HORIZONTAL | SWT.INDETERMINATE);
        GridDataFactory.fillDefaults().hint(convertWidthInCharsToPixels(12), SWT.DEFAULT).applyTo(busyBar);
        busyText = new Label(progress, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(busyText);

        Label resultLabel = new Label(area, SWT.NONE);
        resultLabel.setText(RESULT_LABEL);
        GridDataFactory.fillDefaults().span(3, 1).applyTo(resultLabel);
        result = new Text(area, SWT.READ_ONLY | SWT.MULTI | SWT.WRAP | SWT.V_SCROLL | SWT.BORDER);
        GridDataFactory.fillDefaults().grab(true, false).span(3, 1)
                .hint(convertWidthInCharsToPixels(100), convertHeightInCharsToPixels(6)).applyTo(result);

        readInstallation();
        site.setFocus();
        return area;
    }

    @Override
    protected Point getInitialSize() {
        Point wanted = super.getInitialSize();
        org.eclipse.swt.graphics.Rectangle screen = getShell().getDisplay().getClientArea();
        return new Point(Math.min(wanted.x, screen.width * 9 / 10), Math.min(wanted.y, screen.height * 9 / 10));
    }

    /** Widens the columns to what they show (at least their headers); the table scrolls beyond. */
    private static void fitColumns(Table table) {
        for (TableColumn column : table.getColumns()) {
            int before = column.getWidth();
            column.pack();
            if (column.getWidth() < before && table.getItemCount() == 0) {
                column.setWidth(before);
            }
        }
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.CANCEL_ID, CLOSE, false);
        getShell().setDefaultButton(list); // Enter lists the site; the admin's first step
        update();
    }

    private Table table(Composite parent, int style, int rows, String... columns) {
        Table table = new Table(parent, style | SWT.BORDER | SWT.FULL_SELECTION | SWT.V_SCROLL | SWT.H_SCROLL);
        table.setHeaderVisible(true);
        table.setLinesVisible(true);
        int[] chars = columns.length == 3 ? new int[] { 34, 22, 46 } : new int[] { 30, 20, 20, 42 };
        for (int i = 0; i < columns.length; i++) {
            TableColumn column = new TableColumn(table, SWT.LEFT);
            column.setText(columns[i]);
            column.setWidth(convertWidthInCharsToPixels(chars[i]));
        }
        GridDataFactory.fillDefaults().grab(true, true).span(2, 1)
                .hint(convertWidthInCharsToPixels(100), table.getItemHeight() * rows).applyTo(table);
        return table;
    }

    private static Composite buttonColumn(Composite parent) {
        Composite column = new Composite(parent, SWT.NONE);
        GridLayoutFactory.fillDefaults().applyTo(column);
        GridDataFactory.fillDefaults().align(SWT.FILL, SWT.BEGINNING).applyTo(column);
        return column;
    }

    private Button button(Composite parent, String label, String tip) {
        Button b = new Button(parent, SWT.PUSH);
        b.setText(label);
        b.setToolTipText(tip);
        GridDataFactory.fillDefaults().hint(buttonWidth(b), SWT.DEFAULT).applyTo(b);
        return b;
    }

    private int buttonWidth(Button b) {
        Point size = b.computeSize(SWT.DEFAULT, SWT.DEFAULT, true);
        return Math.max(convertHorizontalDLUsToPixels(IDialogConstants.BUTTON_WIDTH), size.x);
    }

    /** Whether a call to the agent is under way (the dialog shows it and keeps the buttons that change things off). */
    public boolean isBusy() {
        return busy != null;
    }

    // ---- the calls

    private void readInstallation() {
        background("Read the plugins of " + server.displayName(), "Reading the installation of "
                + server.displayName() + "\u2026", "read the plugins of the agent's installation", () -> {
                    JsonObject listing = object(registry.calls().call(server.entry(), "plugins.list", new JsonObject()));
                    return () -> showInstallation(listing);
                });
    }

    private void listSite() {
        String repository = site.getText().strip();
        if (busy != null || repository.isEmpty()) {
            return;
        }
        clearAvailable(); // the table shows one site's features: none while another is read
        background("List the plugins of update site " + repository, "Asking " + server.displayName()
                + " what " + repository + " offers\u2026", "list the plugins of update site " + repository, () -> {
                    JsonObject offered = object(changes.call(server.entry(), "plugins.available",
                            args(repository)));
                    return () -> {
                        remember(repository);
                        listedSite = repository;
                        showAvailable(offered);
                        result.setText("The update site " + PluginFeature.text(offered, "repository") + " offers "
                                + PluginFeature.of(offered).size() + " feature plugins; check those to install.");
                    };
                });
    }

    private void installChecked() {
        List<PluginFeature> chosen = new ArrayList<>();
        for (TableItem item : available.getItems()) {
            if (item.getChecked() && item.getData() instanceof PluginFeature f) {
                chosen.add(f);
            }
        }
        if (chosen.isEmpty() || listedSite == null) {
            return;
        }
        String repository = listedSite;
        JsonObject args = args(repository);
        JsonArray ids = new JsonArray();
        chosen.forEach(f -> ids.add(f.id()));
        args.add("features", ids);
        String names = String.join(", ", chosen.stream().map(PluginFeature::name).toList());
        background("Install plugins on " + server.displayName(), "Installing " + names + " on " + server.displayName()
                + " (this can take a minute)\u2026", "install " + names, () -> {
                    JsonObject outcome = object(changes.call(server.entry(), "plugins.install", args));
                    registry.refresh(server, null);
                    Runnable reread = reread(repository);
                    return () -> {
                        remember(repository);
                        result.setText(PluginFeature.outcome(outcome, server.displayName()));
                        reread.run();
                    };
                });
    }

    private void confirmRemove() {
        PluginFeature f = selectedInstalled();
        if (f == null) {
            return;
        }
        String text = "Remove " + f.name() + " (" + f.id() + " " + f.version() + ") from the installation of "
                + server.displayName() + (installFolder == null ? "" : " in " + installFolder) + "?\n\n"
                + "The agent stops its bundles at once and deletes them from the installation: no agent started "
                + "from this installation has it any more.\n"
                + "Features the product shipped with cannot be removed; the agent refuses them and says why.";
        Confirmation.ask(getShell(), REMOVE_TITLE_PREFIX + f.name(), text, "&Remove", () -> removeFeature(f));
    }

    private void removeFeature(PluginFeature f) {
        if (isClosed()) {
            return;
        }
        JsonObject args = new JsonObject();
        JsonArray ids = new JsonArray();
        ids.add(f.id());
        args.add("features", ids);
        String repository = listedSite;
        background("Remove a plugin from " + server.displayName(), "Removing " + f.name() + " from "
                + server.displayName() + "\u2026", "remove " + f.name(), () -> {
                    JsonObject outcome = object(changes.call(server.entry(), "plugins.remove", args));
                    registry.refresh(server, null);
                    Runnable reread = reread(repository);
                    return () -> {
                        result.setText(PluginFeature.outcome(outcome, server.displayName()));
                        reread.run();
                    };
                });
    }

    /**
     * After a change (off the UI thread): reads the installation, and what {@code repository} offers (if
     * listed), again; returns what shows them, or adds to the result why they could not be read.
     */
    private Runnable reread(String repository) {
        try {
            JsonObject listing = object(registry.calls().call(server.entry(), "plugins.list", new JsonObject()));
            JsonObject offered = repository == null ? null
                    : object(changes.call(server.entry(), "plugins.available", args(repository)));
            return () -> {
                showInstallation(listing);
                if (offered != null) {
                    showAvailable(offered);
                }
            };
        } catch (ConnectFailure | RuntimeException e) {
            return () -> result.append("\n\nThe lists could not be read again: " + e.getMessage()
                    + "\nNext step: choose Refresh, or List, once " + server.displayName() + " answers.");
        }
    }

    private static JsonObject args(String repository) {
        JsonObject args = new JsonObject();
        args.addProperty("repository", repository);
        return args;
    }

    private static JsonObject object(JsonElement answer) {
        if (answer == null || !answer.isJsonObject()) {
            throw new IllegalStateException("the agent's answer is not an object: " + answer);
        }
        return answer.getAsJsonObject();
    }

    /** Remembers the update site in the console's preferences, for the next time. */
    private static void remember(String repository) {
        var node = ConsolePreferences.node();
        if (!repository.equals(node.get(SITE_PREFERENCE, null))) {
            node.put(SITE_PREFERENCE, repository);
            try {
                node.flush();
            } catch (BackingStoreException e) {
                // kept for this session; the next start offers the default again
            }
        }
    }

    // ---- showing

    private void showInstallation(JsonObject listing) {
        installFolder = PluginFeature.text(listing, "installFolder");
        writable = Boolean.parseBoolean(PluginFeature.text(listing, "writable"));
        folder.setText(installFolder == null ? "" : installFolder);
        notWritable.setText(writable ? "" : "Install and Remove are unavailable: the agent's user cannot write the "
                + "installation folder " + installFolder + ". Next step: run the agent on " + server.displayName()
                + " as the installation's owner (or give its user write access) to change its plugins.");
        ((org.eclipse.swt.layout.GridData) notWritable.getLayoutData()).exclude = writable;
        notWritable.setVisible(!writable);
        String selected = selectedInstalled() == null ? null : selectedInstalled().id();
        installed.removeAll();
        for (PluginFeature f : PluginFeature.of(listing)) {
            TableItem item = new TableItem(installed, SWT.NONE);
            item.setText(new String[] { f.name(), f.version(), f.id() });
            item.setData(f);
            if (f.id().equals(selected)) {
                installed.setSelection(item);
            }
        }
        fitColumns(installed);
        getShell().layout(true, true);
        update();
    }

    private void showAvailable(JsonObject offered) {
        List<String> checked = new ArrayList<>();
        for (TableItem item : available.getItems()) {
            if (item.getChecked() && item.getData() instanceof PluginFeature f) {
                checked.add(f.id());
            }
        }
        available.removeAll();
        for (PluginFeature f : PluginFeature.of(offered)) {
            TableItem item = new TableItem(available, SWT.NONE);
            item.setText(new String[] { f.name(), f.version(), f.installed() == null ? NOT_INSTALLED : f.installed(),
                    f.id() });
            item.setData(f);
            if (f.installedAtThisVersion()) {
                item.setForeground(available.getDisplay().getSystemColor(SWT.COLOR_WIDGET_DISABLED_FOREGROUND));
            } else if (checked.contains(f.id())) {
                item.setChecked(true);
            }
        }
        fitColumns(available);
        update();
    }

    private void clearAvailable() {
        available.removeAll();
        listedSite = null;
        update();
    }

    private PluginFeature selectedInstalled() {
        TableItem[] selection = installed.getSelection();
        return selection.length == 1 && selection[0].getData() instanceof PluginFeature f ? f : null;
    }

    private boolean anyChecked() {
        for (TableItem item : available.getItems()) {
            if (item.getChecked()) {
                return true;
            }
        }
        return false;
    }

    /** The buttons and the busy line as the state says. */
    private void update() {
        if (isClosed() || install == null || busyBar == null) {
            return;
        }
        boolean idle = busy == null;
        refresh.setEnabled(idle);
        remove.setEnabled(idle && writable && selectedInstalled() != null);
        list.setEnabled(idle && !site.getText().isBlank());
        install.setEnabled(idle && writable && listedSite != null && anyChecked());
        busyBar.setVisible(!idle);
        busyText.setText(idle ? "" : busy);
        remove.setToolTipText(writable ? "Remove the selected feature from the agent's installation"
                : "Unavailable: the agent cannot write its installation folder");
        install.setToolTipText(writable ? "Install the checked features into the agent's installation and start "
                + "them in the running agent" : "Unavailable: the agent cannot write its installation folder");
        busyText.getParent().layout(true);
    }

    // ---- background work

    /** What a call does off the UI thread; returns what to show on it. */
    @FunctionalInterface
    private interface Call {
        Runnable run() throws ConnectFailure;
    }

    /**
     * Runs {@code call} in an Eclipse job while the dialog says it is busy with {@code doing}; a failure is
     * shown as "Could not {@code what}: reason. Next step: …", here and in a dialog.
     */
    private void background(String jobName, String doing, String what, Call call) {
        if (busy != null) {
            return;
        }
        busy = doing;
        update();
        Display display = getShell().getDisplay();
        Job job = new Job(jobName + " on " + server.displayName()) {
            @Override
            protected IStatus run(IProgressMonitor monitor) {
                monitor.beginTask(doing, IProgressMonitor.UNKNOWN);
                try {
                    Runnable show = call.run();
                    onDisplay(display, () -> {
                        idle();
                        if (!isClosed()) {
                            show.run();
                        }
                    });
                } catch (ConnectFailure e) {
                    onDisplay(display, () -> {
                        idle();
                        if (!isClosed()) {
                            result.setText(AgentActions.message(what, e));
                        }
                        AgentActions.showFailure(display, server, what, e);
                    });
                } catch (RuntimeException e) {
                    onDisplay(display, () -> {
                        idle();
                        if (!isClosed()) {
                            result.setText("Could not " + what + ": the console did not understand the agent's answer ("
                                    + e.getMessage() + ").\n\nNext step: use an agent of the console's version, or see "
                                    + "the console's log.");
                        }
                    });
                    return Status.error("The console failed to " + what + " on " + server.displayName(), e);
                } finally {
                    monitor.done();
                }
                return Status.OK_STATUS;
            }
        };
        job.setUser(false);
        job.schedule();
    }

    private void idle() {
        busy = null;
        update();
    }

    private boolean isClosed() {
        return getShell() == null || getShell().isDisposed();
    }

    private static void onDisplay(Display display, Runnable runnable) {
        if (!display.isDisposed()) {
            display.asyncExec(runnable);
        }
    }
}
