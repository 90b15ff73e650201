package io.doppel.console.tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.wizard.IWizardPage;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.graphics.ImageData;
import org.eclipse.swt.graphics.ImageLoader;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Listener;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;

import io.doppel.testing.Await;

/**
 * Drives real SWT widgets from the UI thread. Every wait runs the event loop, so background jobs'
 * asyncExec updates and dialogs happen while the test waits.
 */
final class Ui {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Display display;

    Ui(Display display) {
        this.display = display;
    }

    /** Runs the event loop until {@code condition} holds. */
    void await(BooleanSupplier condition, String description) {
        await(TIMEOUT, condition, description);
    }

    /** Runs the event loop until {@code condition} holds, for at most {@code timeout}. */
    void await(Duration timeout, BooleanSupplier condition, String description) {
        Await.awaitCondition(timeout, () -> {
            dispatchPending();
            return condition.getAsBoolean();
        }, description);
    }

    void dispatchPending() {
        while (display.readAndDispatch()) {
            // run all queued events and asyncExecs
        }
    }

    Optional<Shell> shell(String title) {
        return Arrays.stream(display.getShells()).filter(s -> !s.isDisposed() && s.isVisible())
                .filter(s -> title.equals(s.getText())).findFirst();
    }

    Shell awaitShell(String title) {
        await(() -> shell(title).isPresent(), "a window titled '" + title + "'");
        return shell(title).orElseThrow();
    }

    /** The text field right after the label an admin reads, e.g. "&Address:". */
    static Text textAfterLabel(Composite root, String label) {
        for (Control c : descendants(root)) {
            if (c instanceof Label l && label.equals(l.getText())) {
                Control[] siblings = l.getParent().getChildren();
                int i = Arrays.asList(siblings).indexOf(l);
                if (i + 1 < siblings.length && siblings[i + 1] instanceof Text t) {
                    return t;
                }
            }
        }
        throw new AssertionError("no text field labelled '" + label + "' in " + root);
    }

    static Button button(Composite root, String label) {
        return find(root, Button.class, b -> label.equals(b.getText()))
                .orElseThrow(() -> new AssertionError("no button '" + label + "' in " + root));
    }

    static <T extends Control> Optional<T> find(Composite root, Class<T> type, Predicate<T> which) {
        return descendants(root).stream().filter(type::isInstance).map(type::cast).filter(which).findFirst();
    }

    /** All label texts in a window, in layout order: what a person reads there. */
    static String allLabels(Composite root) {
        StringBuilder text = new StringBuilder();
        for (Control c : descendants(root)) {
            if (c instanceof Label l && !l.getText().isEmpty()) {
                text.append(l.getText()).append('\n');
            } else if (c instanceof Text t && (t.getStyle() & SWT.READ_ONLY) != 0) {
                text.append(t.getText()).append('\n');
            }
        }
        return text.toString();
    }

    static List<Control> descendants(Composite root) {
        List<Control> all = new ArrayList<>();
        for (Control child : root.getChildren()) {
            all.add(child);
            if (child instanceof Composite composite) {
                all.addAll(descendants(composite));
            }
        }
        return all;
    }

    /** Puts text in a field as typing would: focus, content, modify events. */
    void enter(Text field, String value) {
        field.setFocus();
        field.selectAll();
        field.setText(value);
        dispatchPending();
    }

    void click(Button button) {
        if (!button.isEnabled()) {
            throw new AssertionError("button '" + button.getText() + "' is disabled");
        }
        button.setFocus();
        button.notifyListeners(SWT.Selection, new Event());
        dispatchPending();
    }

    /** Redraws {@code control} and runs the event loop until it has painted itself. */
    void awaitRepaint(Control control) {
        AtomicBoolean painted = new AtomicBoolean();
        Listener onPaint = e -> painted.set(true);
        control.addListener(SWT.Paint, onPaint);
        try {
            control.redraw();
            await(painted::get, control + " to repaint");
            control.update();
        } finally {
            control.removeListener(SWT.Paint, onPaint);
        }
    }

    /** Saves what the screen shows of {@code shell} as PNG; call {@link #awaitRepaint} first. */
    void screenshot(Shell shell, Path file) throws IOException {
        Rectangle area = shell.getBounds().intersection(display.getBounds());
        Image image = new Image(display, area.width, area.height);
        GC gc = new GC(display);
        try {
            gc.copyArea(image, area.x, area.y);
            ImageLoader loader = new ImageLoader();
            loader.data = new ImageData[] { image.getImageData() };
            Files.createDirectories(file.getParent());
            loader.save(file.toString(), SWT.IMAGE_PNG);
        } finally {
            gc.dispose();
            image.dispose();
        }
    }

    /** The page a wizard shows now. */
    static Composite page(WizardDialog dialog) {
        IWizardPage current = dialog.getCurrentPage();
        return (Composite) current.getControl();
    }

    static Button nextButton(WizardDialog dialog) {
        return button(dialog.getShell(), IDialogConstants.NEXT_LABEL);
    }

    /** Waits until Next is enabled (saying why not if it stays disabled), clicks it and waits for the next page. */
    void next(WizardDialog dialog) {
        IWizardPage before = dialog.getCurrentPage();
        await(() -> nextButton(dialog).isEnabled(), "Next to be enabled on page '" + before.getTitle() + "': "
                + before.getErrorMessage() + " / " + allLabels(dialog.getShell()));
        click(nextButton(dialog));
        await(() -> dialog.getCurrentPage() != before, "the page after '" + before.getTitle() + "'");
    }

    /** The combo right after the label an admin reads. */
    static Combo combo(Composite root, String label) {
        for (Control c : descendants(root)) {
            if (c instanceof Label l && label.equals(l.getText())) {
                Control[] siblings = l.getParent().getChildren();
                int i = Arrays.asList(siblings).indexOf(l);
                if (i + 1 < siblings.length && siblings[i + 1] instanceof Combo combo) {
                    return combo;
                }
            }
        }
        throw new AssertionError("no combo labelled '" + label + "' in " + root);
    }

    /** Selects the first item starting with {@code startingWith}, as a click does. */
    void select(Combo combo, String startingWith) {
        String[] items = combo.getItems();
        for (int i = 0; i < items.length; i++) {
            if (items[i].startsWith(startingWith)) {
                combo.setFocus();
                combo.select(i);
                combo.notifyListeners(SWT.Selection, new Event());
                dispatchPending();
                return;
            }
        }
        throw new AssertionError("no item '" + startingWith + "…' in " + Arrays.toString(items));
    }

    /** Chooses a radio button as a click does: it is selected, its sibling no longer. */
    void choose(Button radio, Button other) {
        other.setSelection(false);
        radio.setSelection(true);
        click(radio);
    }

    /**
     * Saves the window as PNG under the screenshot directory (checking it shows something) and, when the
     * build was asked to refresh the docs ({@code -Ddoppel.docs.update=DIR}), into {@code DIR/docs}.
     */
    Path publishScreenshot(Shell window, String name) throws IOException {
        awaitRepaint(window);
        Path shot = Path.of(System.getProperty("doppel.screenshot.dir", "target/screenshots"), name);
        screenshot(window, shot);
        if (Files.size(shot) <= 10_000) {
            throw new AssertionError("screenshot too small to show anything: " + shot);
        }
        String repo = System.getProperty("doppel.repo.dir");
        if (repo != null && !repo.isBlank() && !repo.equals("null")) { // unset properties arrive as "null"
            Files.copy(shot, Files.createDirectories(Path.of(repo, "docs")).resolve(name),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return shot;
    }

    /** Closes every dialog (any shell but the workbench window) and runs what that queued. */
    void closeDialogs(Shell window) {
        for (Shell shell : display.getShells()) {
            if (shell != window && shell.getParent() != null) {
                shell.close();
            }
        }
        dispatchPending();
    }
}
