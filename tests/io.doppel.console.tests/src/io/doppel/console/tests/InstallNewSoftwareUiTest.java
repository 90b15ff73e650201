package io.doppel.console.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.eclipse.equinox.p2.core.IProvisioningAgent;
import org.eclipse.equinox.p2.engine.IProfile;
import org.eclipse.equinox.p2.engine.IProfileRegistry;
import org.eclipse.equinox.p2.query.QueryUtil;
import org.eclipse.equinox.p2.ui.ProvisioningUI;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Menu;
import org.eclipse.swt.widgets.MenuItem;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.doppel.testing.Await;

/**
 * Help ▸ Install New Software… as an admin uses it: the real menu item, the p2 install wizard, the
 * Add Repository dialog with Doppel's update site as the build made it (product/target/repository),
 * the categories and feature names the site offers (console plugins; plugins for agents only in
 * categories that say so, and not at all when the features are listed without categories),
 * and the install of the PostgreSQL plugin's console pages through the wizard, the license page and
 * the trust dialogs, which brings none of the agent's bundles.
 * <p>
 * The install wizard and the dialogs it opens are modal: their event loops run inside the UI
 * thread's dispatch, so the steps run on a driver thread that acts on the widgets through
 * {@link Display#syncExec}/{@link Display#asyncExec} while the UI thread keeps dispatching.
 * <p>
 * The test runtime is not a provisioned installation and has no p2 profile of its own, and the
 * wizard refuses to open without one. Before p2's profile registry exists, the test names a profile
 * as the running one ({@code eclipse.p2.profile}, what the console product's config.ini sets to
 * {@code DefaultProfile}) and creates it empty, installing into a folder of its own: the install
 * then goes through p2 for real (plan, download, bundle layout) without changing the running test
 * runtime.
 */
class InstallNewSoftwareUiTest {

    private static final String PROFILE = "DoppelConsoleTestProfile";
    private static final String POSTGRESQL_FEATURE = "io.doppel.failover.app.postgresql.console.feature.feature.group";
    private static final String POSTGRESQL_LABEL = "Doppel Failover for PostgreSQL: console pages";
    private static final String POSTGRESQL_BUNDLE = "io.doppel.failover.app.postgresql.console";
    private static final String CONSOLE_PLUGINS = "Doppel console plugins";
    /** Plugins for agents (Server ▸ Plugins… installs them there): offered as such, or not at all. */
    private static final List<String> AGENT_PLUGINS = List.of("Doppel Failover for PostgreSQL",
            "Doppel Failover for MariaDB and MySQL", "Doppel Linux FUSE Interceptor", "Doppel Notifications");
    /** Bundles of the agent, which a console plugin must not bring into the console. */
    private static final List<String> AGENT_BUNDLES = List.of("io.doppel.agent_", "io.doppel.engine_",
            "io.doppel.failover_", "io.doppel.failover.app.postgresql_");
    /** What nothing requires but p2 needs at run time, and the UI itself. */
    private static final List<String> P2_BUNDLES = List.of("org.eclipse.equinox.p2.ui.sdk", "org.eclipse.equinox.p2.ui",
            "org.eclipse.equinox.p2.operations", "org.eclipse.equinox.p2.engine", "org.eclipse.equinox.p2.director",
            "org.eclipse.equinox.p2.touchpoint.eclipse", "org.eclipse.equinox.p2.touchpoint.natives",
            "org.eclipse.equinox.simpleconfigurator.manipulator", "org.eclipse.equinox.frameworkadmin.equinox",
            "org.eclipse.equinox.p2.transport.ecf", "org.eclipse.ecf.provider.filetransfer");

    private static Path installFolder;
    private static IProfileRegistry profiles;

    private final Display display = Display.getCurrent();

    @BeforeAll
    static void aProfileForTheRunningConsole() throws Exception {
        System.setProperty("eclipse.p2.profile", PROFILE);
        IProvisioningAgent agent = ProvisioningUI.getDefaultUI().getSession().getProvisioningAgent();
        profiles = agent.getService(IProfileRegistry.class);
        installFolder = Files.createDirectories(workDir().resolve("p2-install"));
        if (profiles.getProfile(PROFILE) == null) {
            profiles.addProfile(PROFILE, Map.of(
                    IProfile.PROP_INSTALL_FOLDER, installFolder.toString(),
                    IProfile.PROP_CACHE, installFolder.toString(),
                    IProfile.PROP_INSTALL_FEATURES, "true",
                    IProfile.PROP_ENVIRONMENTS, "osgi.os=linux,osgi.ws=gtk,osgi.arch=x86_64"));
        }
        assertNotNull(profiles.getProfile(IProfileRegistry.SELF),
                "p2's profile registry existed before the test named its profile; the wizard would refuse to open");
    }

    @Test
    void installNewSoftwareOffersConsolePluginsOnlyAndInstallsOneWithoutTheAgent() throws Throwable {
        Path site = updateSite();
        assertTrue(Files.isRegularFile(site.resolve("content.jar")) || Files.isRegularFile(site.resolve("content.xml.xz")),
                () -> "the build's update site is missing: " + site);

        drive(robot -> {
            robot.selectMenuItem("Help", "Install New Software...");
            Shell wizard = robot.awaitShell("Install");

            robot.click(wizard, "&Add...");
            Shell add = robot.awaitShell("Add Repository");
            robot.enter(add, "&Name:", "Doppel (this build)");
            robot.enter(add, "&Location:", site.toUri().toString());
            robot.click(add, "A&dd");
            robot.await(add::isDisposed, "the Add Repository dialog to close");

            Tree tree = robot.await(() -> treeWithItem(wizard, CONSOLE_PLUGINS), "the site's categories in the wizard");
            List<String> categories = robot.onUi(() -> Arrays.stream(tree.getItems()).map(TreeItem::getText).toList());
            // every category opened: what is for agents says so, and the console's own plugins have theirs
            List<String> offered = new ArrayList<>();
            for (String category : categories) {
                TreeItem c = robot.onUi(() -> item(tree.getItems(), category).orElseThrow());
                robot.expand(tree, c);
                if (category.equals(CONSOLE_PLUGINS)) {
                    robot.await(() -> item(c.getItems(), POSTGRESQL_LABEL), "'" + POSTGRESQL_LABEL + "' under " + category);
                }
                List<String> members = robot.onUi(() -> Arrays.stream(c.getItems()).map(TreeItem::getText).toList());
                if (members.stream().anyMatch(AGENT_PLUGINS::contains)) {
                    assertTrue(category.endsWith("(for agents)"), () -> "plugins for agents under '" + category + "'");
                }
                offered.addAll(members);
            }
            System.out.println("Install New Software offers: " + categories + " " + offered);

            // not grouped by category, the console offers nothing that is for agents only
            robot.toggle(wizard, "&Group items by category");
            robot.await(() -> item(tree.getItems(), POSTGRESQL_LABEL), "the features without categories");
            List<String> ungrouped = robot.onUi(() -> Arrays.stream(tree.getItems()).map(TreeItem::getText).toList());
            assertTrue(ungrouped.stream().noneMatch(AGENT_PLUGINS::contains) && !ungrouped.contains("Doppel Agent"),
                    () -> "offered without categories: " + ungrouped);
            robot.toggle(wizard, "&Group items by category");
            robot.await(() -> item(tree.getItems(), CONSOLE_PLUGINS), "the categories again");
            TreeItem consoleCategory = robot.onUi(() -> item(tree.getItems(), CONSOLE_PLUGINS).orElseThrow());
            robot.expand(tree, consoleCategory);
            robot.await(() -> item(consoleCategory.getItems(), POSTGRESQL_LABEL), "'" + POSTGRESQL_LABEL + "' again");

            TreeItem consolePlugins = robot.onUi(() -> item(tree.getItems(), CONSOLE_PLUGINS).orElseThrow());
            TreeItem postgresql = robot.onUi(() -> item(consolePlugins.getItems(), POSTGRESQL_LABEL).orElseThrow());
            System.out.println("Install New Software offers: " + categories + " " + offered);

            robot.check(tree, postgresql);
            robot.click(wizard, "&Next >");
            robot.await(() -> Ui.allLabels(wizard).contains("Install Details") || Ui.allLabels(wizard).contains("Remediation"),
                    "the Install Details page");
            String details = robot.onUi(() -> Ui.allLabels(wizard));
            assertFalse(details.contains("Remediation"), () -> "p2 could not plan the install:\n" + robot.describeShells());

            robot.click(wizard, "&Next >");
            robot.await(() -> Ui.find(wizard, Button.class, b -> b.getText().startsWith("I &accept the terms")).isPresent(),
                    "the Review Licenses page");
            robot.select(robot.onUi(() -> Ui.find(wizard, Button.class, b -> b.getText().startsWith("I &accept the terms"))
                    .orElseThrow()));
            robot.click(wizard, "&Finish");

            // p2 asks whether to trust Doppel's unsigned content from a file: site, then to restart
            List<String> dialogs = robot.awaitInstallEnd(() -> !installed(POSTGRESQL_FEATURE).isEmpty());
            System.out.println("p2 asked while installing: " + dialogs);
        });

        assertEquals(List.of(POSTGRESQL_FEATURE), installed(POSTGRESQL_FEATURE));
        try (Stream<Path> plugins = Files.list(installFolder.resolve("plugins"))) {
            List<String> jars = plugins.map(p -> p.getFileName().toString()).toList();
            assertTrue(jars.stream().anyMatch(j -> j.startsWith(POSTGRESQL_BUNDLE + "_")), () -> "plugins/ holds " + jars);
            assertTrue(jars.stream().noneMatch(j -> AGENT_BUNDLES.stream().anyMatch(j::startsWith)),
                    () -> "a console plugin brought the agent's bundles: " + jars);
        }
    }

    @Test
    void windowPreferencesLeadsToTheAvailableSoftwareSites() throws Throwable {
        drive(robot -> {
            robot.selectMenuItem("Window", "Preferences...");
            Shell preferences = robot.awaitShell("Preferences");
            Tree pages = robot.await(() -> treeWithItem(preferences, "Install/Update"), "the Install/Update page");
            TreeItem update = robot.onUi(() -> item(pages.getItems(), "Install/Update").orElseThrow());
            robot.expand(pages, update);
            robot.await(() -> item(update.getItems(), "Available Software Sites"),
                    "Available Software Sites under Install/Update");
            robot.click(preferences, "Cancel");
            robot.await(preferences::isDisposed, "the Preferences dialog to close");
        });
    }

    @Test
    void theBuiltConsoleProductShipsTheP2UiAProfileAndDoppelsSite() throws IOException {
        Path product = productsDir().resolve("io.doppel.console.product/linux/gtk/x86_64");
        String bundlesInfo = Files.readString(product.resolve("configuration/org.eclipse.equinox.simpleconfigurator/bundles.info"));
        for (String bundle : P2_BUNDLES) {
            assertTrue(bundlesInfo.contains("\n" + bundle + ","), () -> bundle + " is not in the console's bundles.info");
        }
        assertFalse(bundlesInfo.contains("org.eclipse.equinox.p2.reconciler.dropins"), "no dropins reconciler");

        Properties config = new Properties();
        try (var in = Files.newInputStream(product.resolve("configuration/config.ini"))) {
            config.load(in);
        }
        assertEquals("DefaultProfile", config.getProperty("eclipse.p2.profile"));
        Path profile = product.resolve("p2/org.eclipse.equinox.p2.engine/profileRegistry/DefaultProfile.profile");
        assertTrue(Files.isDirectory(profile), () -> "no p2 profile in " + product);

        // the p2.inf of the product puts Doppel's site into the Available Software Sites
        List<String> sitePrefs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(profile.resolve(".data"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".repository.prefs")).toList()) {
                sitePrefs.add(Files.readString(f));
            }
        }
        assertEquals(2, sitePrefs.size(), () -> "metadata and artifact site lists: " + sitePrefs);
        for (String prefs : sitePrefs) {
            assertTrue(prefs.contains("file\\:/opt/doppel/update-site/") && prefs.contains("nickname=Doppel"), prefs);
        }
    }

    private static List<String> installed(String iu) {
        IProfile profile = profiles.getProfile(PROFILE);
        return profile.query(QueryUtil.createIUQuery(iu), null).toUnmodifiableSet().stream()
                .map(u -> u.getId()).toList();
    }

    private static Optional<Tree> treeWithItem(Shell shell, String text) {
        return Ui.find(shell, Tree.class, t -> item(t.getItems(), text).isPresent());
    }

    private static Optional<TreeItem> item(TreeItem[] items, String text) {
        return Arrays.stream(items).filter(i -> text.equals(i.getText())).findFirst();
    }

    /** product/target/products, from the agent product's folder the test configuration passes. */
    private static Path productsDir() {
        String agent = System.getProperty("doppel.agent.product");
        assertNotNull(agent, "system property doppel.agent.product (tests/pom.xml) is not set");
        // …/products/io.doppel.agent.product/linux/gtk/x86_64
        return Path.of(agent).getParent().getParent().getParent().getParent();
    }

    /** The p2 repository the product module builds: Doppel's update site. */
    private static Path updateSite() {
        return productsDir().getParent().resolve("repository");
    }

    private static Path workDir() {
        return Path.of(System.getProperty("doppel.test.dir", "target/work"));
    }

    /**
     * Runs {@code steps} on a driver thread while this (UI) thread dispatches events, so that steps can
     * act on modal dialogs. On failure, closes what the steps left open so the UI thread's nested
     * event loops return.
     */
    private void drive(Steps steps) throws Throwable {
        Robot robot = new Robot(display);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread driver = new Thread(() -> {
            try {
                steps.run(robot);
                done.complete(null);
            } catch (Throwable e) {
                String shells = robot.describeShells();
                robot.closeDialogs();
                done.completeExceptionally(new AssertionError(e.getMessage() + "\nopen windows:\n" + shells, e));
            } finally {
                display.wake();
            }
        }, "install-ui-test-driver");
        driver.setDaemon(true);
        driver.start();
        while (!done.isDone()) {
            if (!display.readAndDispatch()) {
                display.sleep();
            }
        }
        try {
            done.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause();
        }
    }

    @FunctionalInterface
    private interface Steps {
        void run(Robot robot) throws Exception;
    }

    /** Acts on real widgets from the driver thread; every wait polls the UI thread's state. */
    private static final class Robot {

        private final Display display;

        Robot(Display display) {
            this.display = display;
        }

        <T> T onUi(java.util.function.Supplier<T> query) {
            List<T> result = new ArrayList<>(1);
            display.syncExec(() -> result.add(query.get()));
            return result.get(0);
        }

        void await(java.util.function.BooleanSupplier onUi, String description) {
            Await.awaitCondition(Ui.TIMEOUT.multipliedBy(2), () -> onUi(onUi::getAsBoolean), description);
        }

        <T> T await(java.util.function.Supplier<Optional<T>> onUi, String description) {
            await(() -> onUi.get().isPresent(), description);
            return onUi(onUi).orElseThrow();
        }

        Shell awaitShell(String title) {
            return await(() -> shell(s -> title.equals(s.getText())), "a window titled '" + title + "'");
        }

        private Optional<Shell> shell(Predicate<Shell> which) {
            return Arrays.stream(display.getShells()).filter(s -> !s.isDisposed() && s.isVisible()).filter(which)
                    .findFirst();
        }

        /** Opens a menu of the workbench window's menu bar as a click would and selects one of its items. */
        void selectMenuItem(String menu, String item) {
            MenuItem target = await(() -> {
                Menu bar = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getShell().getMenuBar();
                Optional<MenuItem> top = Arrays.stream(bar.getItems()).filter(i -> menu.equals(plain(i.getText()))).findFirst();
                if (top.isEmpty()) {
                    return Optional.empty();
                }
                Menu items = top.get().getMenu();
                items.notifyListeners(SWT.Show, new Event()); // contributions are added when the menu shows
                Optional<MenuItem> found = Arrays.stream(items.getItems()).filter(i -> item.equals(plain(i.getText())))
                        .findFirst();
                items.notifyListeners(SWT.Hide, new Event());
                return found;
            }, "the menu item " + menu + " ▸ " + item);
            assertTrue(onUi(target::isEnabled), item + " is disabled");
            display.asyncExec(() -> target.notifyListeners(SWT.Selection, new Event()));
        }

        void click(Shell shell, String label) {
            Button button = await(() -> Ui.find(shell, Button.class, b -> label.equals(b.getText()) && b.isEnabled()),
                    "an enabled button '" + label + "' in '" + onUi(shell::getText) + "'");
            // asynchronously: the click may open a modal dialog whose event loop must not block this thread
            display.asyncExec(() -> {
                if (!button.isDisposed()) {
                    button.notifyListeners(SWT.Selection, new Event());
                }
            });
        }

        /** Turns a check box over, as a click on it does. */
        void toggle(Shell shell, String label) {
            Button box = await(() -> Ui.find(shell, Button.class, b -> label.equals(b.getText()) && b.isEnabled()),
                    "an enabled check box '" + label + "' in '" + onUi(shell::getText) + "'");
            display.asyncExec(() -> {
                if (!box.isDisposed()) {
                    box.setSelection(!box.getSelection());
                    box.notifyListeners(SWT.Selection, new Event());
                }
            });
        }

        void select(Button radioOrCheck) {
            display.syncExec(() -> {
                radioOrCheck.setSelection(true);
                radioOrCheck.notifyListeners(SWT.Selection, new Event());
            });
        }

        void enter(Shell shell, String label, String value) {
            display.syncExec(() -> {
                var field = Ui.textAfterLabel(shell, label);
                field.setFocus();
                field.setText(value);
            });
        }

        void expand(Tree tree, TreeItem item) {
            display.syncExec(() -> {
                Event e = new Event();
                e.item = item;
                tree.notifyListeners(SWT.Expand, e);
                item.setExpanded(true);
            });
        }

        void check(Tree tree, TreeItem item) {
            display.syncExec(() -> {
                item.setChecked(true);
                Event e = new Event();
                e.item = item;
                e.detail = SWT.CHECK;
                tree.notifyListeners(SWT.Selection, e);
            });
        }

        /**
         * Answers the dialogs p2 opens while it installs, as an admin who trusts the site would, until
         * {@code installed} holds and p2 has asked to restart.
         */
        List<String> awaitInstallEnd(java.util.function.BooleanSupplier installed) {
            List<String> answered = new ArrayList<>();
            boolean[] restartAsked = { false };
            Await.awaitCondition(Ui.TIMEOUT.multipliedBy(4), () -> {
                Optional<Shell> trust = onUi(() -> shell(s -> s.getText().startsWith("Trust ")));
                if (trust.isPresent()) {
                    Shell dialog = trust.get();
                    answered.add(onUi(dialog::getText));
                    if (onUi(() -> Ui.find(dialog, Button.class, b -> "&Select All".equals(b.getText())).isPresent())) {
                        display.syncExec(() -> Ui.find(dialog, Button.class, b -> "&Select All".equals(b.getText()))
                                .orElseThrow().notifyListeners(SWT.Selection, new Event()));
                    }
                    click(dialog, "&Trust Selected");
                    await(dialog::isDisposed, "the trust dialog to close");
                }
                Optional<Shell> restart = onUi(() -> shell(s -> "Software Updates".equals(s.getText())));
                if (restart.isPresent()) {
                    // "&Not Now" when p2 could also apply the change live, "&No" when only a restart can
                    boolean canApply = onUi(() -> Ui.find(restart.get(), Button.class, b -> "&Not Now".equals(b.getText()))
                            .isPresent());
                    answered.add(onUi(() -> Ui.allLabels(restart.get())).trim());
                    click(restart.get(), canApply ? "&Not Now" : "&No");
                    await(restart.get()::isDisposed, "the restart question to close");
                    restartAsked[0] = true;
                }
                return restartAsked[0] && installed.getAsBoolean();
            }, "p2 to install the selected feature and ask to restart");
            return answered;
        }

        String describeShells() {
            try {
                return onUi(() -> {
                    StringBuilder text = new StringBuilder();
                    for (Shell s : display.getShells()) {
                        if (!s.isDisposed() && s.isVisible()) {
                            text.append("== ").append(s.getText()).append('\n').append(Ui.allLabels(s));
                            Ui.descendants(s).stream().filter(Tree.class::isInstance).map(Tree.class::cast)
                                    .forEach(t -> Arrays.stream(t.getItems())
                                            .forEach(i -> text.append("  [item] ").append(i.getText()).append('\n')));
                        }
                    }
                    return text.toString();
                });
            } catch (RuntimeException e) {
                return "(could not list the windows: " + e + ")";
            }
        }

        void closeDialogs() {
            display.asyncExec(() -> {
                Shell main = PlatformUI.getWorkbench().getActiveWorkbenchWindow() == null ? null
                        : PlatformUI.getWorkbench().getActiveWorkbenchWindow().getShell();
                Shell[] shells = display.getShells();
                for (int i = shells.length - 1; i >= 0; i--) {
                    if (!shells[i].isDisposed() && shells[i] != main && shells[i].getParent() != null) {
                        shells[i].close();
                    }
                }
            });
        }

        private static String plain(String menuText) {
            int tab = menuText.indexOf('\t');
            return (tab < 0 ? menuText : menuText.substring(0, tab)).replace("&", "");
        }
    }
}
