package io.doppel.console.tests;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.jface.wizard.IWizardPage;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Spinner;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.Text;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.handlers.IHandlerService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.doppel.console.internal.ui.AddServerDialog;
import io.doppel.console.internal.ui.JobsView;
import io.doppel.console.internal.ui.ServersView;
import io.doppel.console.internal.ui.VerifyReportView;
import io.doppel.console.internal.wizards.NewFailoverHandler;
import io.doppel.console.internal.wizards.NewFailoverWizard;
import io.doppel.console.internal.wizards.NewJobHandler;
import io.doppel.console.internal.wizards.NewJobWizard;
import io.doppel.console.internal.workbench.DoppelPerspective;

/**
 * The keyboard and the window size, for every dialog page and view: each field is reached by its
 * label's mnemonic, no two controls of a page share one, and the views and dialogs keep their
 * controls inside the window when it is made small or large.
 */
class KeyboardAndLayoutUiTest {

    private final IWorkbench workbench = PlatformUI.getWorkbench();
    private final Ui ui = new Ui(Display.getCurrent());
    private IWorkbenchPage page;

    @BeforeEach
    void perspective() throws Exception {
        assertNotNull(Display.getCurrent(), "tests must run on the UI thread (useUIThread)");
        page = workbench.showPerspective(DoppelPerspective.ID, workbench.getActiveWorkbenchWindow());
    }

    @AfterEach
    void closeDialogs() {
        ui.closeDialogs(workbench.getActiveWorkbenchWindow().getShell());
        workbench.getActiveWorkbenchWindow().getShell().setSize(1280, 800);
        ui.dispatchPending();
    }

    @Test
    void everyPageOfBothWizardsIsUsableByKeyboardAndSurvivesASmallWindow() throws Exception {
        for (String[] wizard : new String[][] {{NewJobHandler.COMMAND, NewJobWizard.TITLE},
                {NewFailoverHandler.COMMAND, NewFailoverWizard.TITLE}}) {
            workbench.getActiveWorkbenchWindow().getService(IHandlerService.class).executeCommand(wizard[0], null);
            Shell shell = ui.awaitShell(wizard[1]);
            WizardDialog dialog = (WizardDialog) shell.getData();
            for (IWizardPage wizardPage : dialog.getCurrentPage().getWizard().getPages()) {
                dialog.showPage(wizardPage); // every page, filled or not: the layout is what is checked
                ui.dispatchPending();
                String where = wizard[1] + " \u25b8 " + wizardPage.getTitle();
                checkMnemonics(shell, where);
                for (Point size : List.of(new Point(640, 480), new Point(1400, 950))) {
                    shell.setSize(size);
                    shell.layout(true, true);
                    ui.dispatchPending();
                    checkInside(shell, shell, where + " at " + size.x + "x" + size.y);
                }
            }
            shell.close();
            ui.await(shell::isDisposed, "the wizard to close");
        }
    }

    @Test
    void theAddServerDialogIsUsableByKeyboard() throws Exception {
        page.showView(ServersView.ID);
        workbench.getActiveWorkbenchWindow().getService(IHandlerService.class)
                .executeCommand(ServersView.ADD_SERVER_COMMAND, null);
        Shell dialog = ui.awaitShell(AddServerDialog.TITLE);
        checkMnemonics(dialog, AddServerDialog.TITLE);
        dialog.setSize(420, 300);
        dialog.layout(true, true);
        ui.dispatchPending();
        checkInside(dialog, dialog, AddServerDialog.TITLE + " at 420x300");
    }

    @Test
    void everyViewKeepsItsControlsInsideItWhenTheWindowIsSmallOrLarge() throws Exception {
        Shell window = workbench.getActiveWorkbenchWindow().getShell();
        List<String> views = List.of(ServersView.ID, JobsView.ID, DoppelPerspective.DASHBOARD_VIEW,
                DoppelPerspective.EVENTS_VIEW, VerifyReportView.ID, org.eclipse.ui.IPageLayout.ID_PROP_SHEET);
        // painting them logs no error (an icon that cannot be drawn throws at every paint of its tab)
        List<org.eclipse.core.runtime.IStatus> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.eclipse.core.runtime.ILogListener listener = (status, plugin) -> {
            if (status.getSeverity() == org.eclipse.core.runtime.IStatus.ERROR) {
                errors.add(status);
            }
        };
        org.eclipse.core.runtime.Platform.addLogListener(listener);
        try {
            showEveryView(window, views);
        } finally {
            org.eclipse.core.runtime.Platform.removeLogListener(listener);
        }
        assertTrue(errors.isEmpty(), () -> "errors while the views were shown: " + errors.stream()
                .map(e -> e.getMessage() + (e.getException() == null ? "" : ": " + e.getException())).toList());
    }

    private void showEveryView(Shell window, List<String> views) throws Exception {
        for (Point size : List.of(new Point(900, 560), new Point(1600, 1000))) {
            window.setSize(size);
            for (String id : views) {
                page.showView(id); // brought to the top of its folder: its controls are the visible ones
                window.layout(true, true);
                ui.dispatchPending();
                checkInside(window, window, id + " at " + size.x + "x" + size.y);
            }
        }
    }

    /**
     * Every field that can take the focus has a label with a mnemonic, and the mnemonics of the visible page (its labels,
     * check boxes, radio and push buttons, including the dialog's own buttons) are all different.
     */
    static void checkMnemonics(Shell shell, String where) {
        Map<Character, String> taken = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Control c : Ui.descendants(shell)) {
            if (!c.isVisible() || !visibleUpTo(c, shell)) {
                continue;
            }
            String text = c instanceof Label l ? l.getText() : c instanceof Button b ? b.getText() : null;
            if (text == null || text.isBlank()) {
                continue;
            }
            if (c instanceof Label l && labels(l) && mnemonic(text) == 0) {
                problems.add("the field after '" + text + "' has no mnemonic");
            }
            char m = mnemonic(text);
            if (m != 0) {
                String before = taken.putIfAbsent(m, text);
                if (before != null && !before.equals(text)) {
                    problems.add("'" + text + "' and '" + before + "' share the mnemonic " + m);
                }
            }
        }
        assertTrue(problems.isEmpty(), () -> where + ": " + problems);
    }

    /** Whether the label names the input field right after it, one that can take the focus (enabled). */
    private static boolean labels(Label label) {
        Control[] siblings = label.getParent().getChildren();
        for (int i = 0; i < siblings.length - 1; i++) {
            if (siblings[i] == label) {
                Control next = siblings[i + 1];
                return (next instanceof Text t && (t.getStyle() & org.eclipse.swt.SWT.READ_ONLY) == 0
                        || next instanceof Combo || next instanceof Spinner) && next.getEnabled();
            }
        }
        return false;
    }

    private static char mnemonic(String text) {
        for (int i = 0; i < text.length() - 1; i++) {
            if (text.charAt(i) == '&') {
                if (text.charAt(i + 1) == '&') {
                    i++;
                    continue;
                }
                return Character.toLowerCase(text.charAt(i + 1));
            }
        }
        return 0;
    }

    private static boolean visibleUpTo(Control c, Shell shell) {
        for (Control at = c; at != null && at != shell; at = at.getParent()) {
            if (!at.isVisible()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The fields, lists and buttons inside {@code root} are not squeezed to nothing, and lie within the
     * window's client area unless a scroller holds them.
     */
    static void checkInside(Shell window, Composite root, String where) {
        Rectangle area = window.getClientArea();
        Rectangle client = window.getDisplay().map(window, null, area);
        List<String> problems = new ArrayList<>();
        for (Control c : Ui.descendants(root)) {
            if (!(c instanceof Text || c instanceof Combo || c instanceof Table || c instanceof Tree
                    || c instanceof Button) || !visibleUpTo(c, window)) {
                continue;
            }
            boolean scrolls = inScroller(c, root); // may lie beyond the window: the scroller shows it
            Rectangle b = c.getDisplay().map(c.getParent(), null, c.getBounds());
            String name = c.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " '" + describe(c) + "'";
            if (b.width < 8 || b.height < 8) {
                problems.add(name + " squeezed to " + b.width + "x" + b.height);
            } else if (!scrolls && (b.x < client.x - 1 || b.x + b.width > client.x + client.width + 1)) {
                problems.add(name + " outside the window horizontally: " + b + " in " + client);
            }
        }
        assertTrue(problems.isEmpty(), () -> where + ": " + problems);
    }

    private static boolean inScroller(Control c, Composite root) {
        for (Control at = c.getParent(); at != null && at != root.getParent(); at = at.getParent()) {
            if (at instanceof org.eclipse.swt.custom.ScrolledComposite) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Control c) {
        if (c instanceof Button b) {
            return b.getText();
        }
        if (c instanceof Text t) {
            return t.getMessage() != null && !t.getMessage().isBlank() ? t.getMessage() : t.getText();
        }
        return c.getToolTipText() == null ? "" : c.getToolTipText();
    }
}
