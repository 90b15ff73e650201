package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;

/**
 * Edits a replication set: an ordered list of "+ PATTERN" (include) and "- PATTERN" (exclude)
 * rules, with add, remove, up and down. The agent checks the patterns (Preview, and job.create).
 */
final class RulesEditor {

    static final String EXCLUDE = "Exclude";
    static final String INCLUDE = "Include";
    static final String EXPLANATION = "The first rule that matches a path decides; a path no rule matches is "
            + "replicated. Excluding a directory excludes everything in it. Never replicated: swap, backup and lock "
            + "files and lost+found. Patterns: * within a name, ** across directories, a trailing / for directories, "
            + "a / inside anchors at the protected directory.";

    private final Group group;
    private final org.eclipse.swt.widgets.List list;
    private final Combo kind;
    private final Text pattern;
    private final Button add;
    private final Button remove;
    private final Button up;
    private final Button down;
    private final Runnable onChange;
    private final List<String> rules = new ArrayList<>();

    RulesEditor(Composite parent, Runnable onChange) {
        this.onChange = onChange;
        group = new Group(parent, SWT.NONE);
        group.setText("Replication set");
        group.setLayout(new GridLayout(4, false));

        Label explanation = new Label(group, SWT.WRAP);
        explanation.setText(EXPLANATION);
        GridDataFactory.fillDefaults().span(4, 1).grab(true, false).hint(400, SWT.DEFAULT).applyTo(explanation);

        new Label(group, SWT.NONE).setText("&Rule:");
        kind = new Combo(group, SWT.READ_ONLY | SWT.DROP_DOWN);
        kind.setItems(EXCLUDE, INCLUDE);
        kind.select(0);
        pattern = new Text(group, SWT.BORDER | SWT.SINGLE);
        pattern.setMessage("pattern, e.g. cache/ or *.tmp");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(pattern);
        add = new Button(group, SWT.PUSH);
        add.setText("&Add Rule");
        GridDataFactory.fillDefaults().applyTo(add);

        list = new org.eclipse.swt.widgets.List(group, SWT.BORDER | SWT.SINGLE | SWT.V_SCROLL);
        GridDataFactory.fillDefaults().span(3, 1).grab(true, true).hint(SWT.DEFAULT, 90).applyTo(list);
        Composite buttons = new Composite(group, SWT.NONE);
        GridLayout column = new GridLayout(1, true);
        column.marginWidth = 0;
        column.marginHeight = 0;
        buttons.setLayout(column);
        GridDataFactory.fillDefaults().align(SWT.FILL, SWT.BEGINNING).applyTo(buttons);
        remove = button(buttons, "Remo&ve");
        up = button(buttons, "&Up");
        down = button(buttons, "Do&wn");

        pattern.addListener(SWT.Modify, e -> enable());
        // Enter in the pattern field adds the rule rather than pressing the wizard's default button.
        pattern.addListener(SWT.Traverse, e -> {
            if (e.detail == SWT.TRAVERSE_RETURN && add.isEnabled()) {
                e.doit = false;
                addRule();
            }
        });
        add.addListener(SWT.Selection, e -> addRule());
        list.addListener(SWT.Selection, e -> enable());
        remove.addListener(SWT.Selection, e -> {
            int i = list.getSelectionIndex();
            rules.remove(i);
            show(Math.min(i, rules.size() - 1));
        });
        up.addListener(SWT.Selection, e -> move(-1));
        down.addListener(SWT.Selection, e -> move(1));
        enable();
    }

    private static Button button(Composite parent, String text) {
        Button b = new Button(parent, SWT.PUSH);
        b.setText(text);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(b);
        return b;
    }

    Composite control() {
        return group;
    }

    List<String> rules() {
        return List.copyOf(rules);
    }

    /** Shows these rules, in order, for editing. */
    void rules(List<String> initial) {
        rules.clear();
        rules.addAll(initial);
        show(-1);
    }

    private void addRule() {
        String p = pattern.getText().strip();
        if (p.isEmpty()) {
            return;
        }
        rules.add((INCLUDE.equals(kind.getText()) ? "+ " : "- ") + p);
        pattern.setText("");
        show(rules.size() - 1);
    }

    private void move(int by) {
        int i = list.getSelectionIndex();
        int j = i + by;
        rules.add(j, rules.remove(i));
        show(j);
    }

    private void show(int selected) {
        list.setItems(rules.toArray(String[]::new));
        if (selected >= 0) {
            list.select(selected);
        }
        enable();
        onChange.run();
    }

    private void enable() {
        int i = list.getSelectionIndex();
        add.setEnabled(!pattern.getText().isBlank());
        remove.setEnabled(i >= 0);
        up.setEnabled(i > 0);
        down.setEnabled(i >= 0 && i < rules.size() - 1);
    }
}
