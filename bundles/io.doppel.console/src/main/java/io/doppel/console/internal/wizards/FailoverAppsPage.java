package io.doppel.console.internal.wizards;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.ScrolledComposite;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Spinner;
import org.eclipse.swt.widgets.Text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.console.internal.connect.AgentCalls;
import io.doppel.console.internal.model.Server;
import io.doppel.console.spi.FailoverPluginPage;

/**
 * Fourth page of New Failover: scripts around the takeover and the application plugins to start on
 * the replica. The plugins are the ones installed on the target ({@code failover.plugins}); each
 * chosen plugin gets its vendor's form (extension point {@code io.doppel.console.failoverPluginPages}),
 * or else a form built from the settings it declares, with its own descriptions.
 */
final class FailoverAppsPage extends WizardPage {

    private final FailoverDraft draft;
    private final AgentCalls calls;
    private Composite plugins;
    private ScrolledComposite scroller;
    private Text pre;
    private Text post;
    private Spinner timeout;
    private Server readFrom;
    /** The vendors' forms of the plugins listed now, by plugin id. */
    private final Map<String, FailoverPluginPage> vendors = new LinkedHashMap<>();
    /** The plain forms' fields: their labels get mnemonics while the field can be used (see giveMnemonics). */
    private final java.util.List<PlainField> plainFields = new java.util.ArrayList<>();

    /** A field of a plain form, its label and the label's text without a mnemonic. */
    private record PlainField(Label label, String text, Text field) {
    }

    FailoverAppsPage(FailoverDraft draft, AgentCalls calls) {
        super("failover-apps", "Scripts and applications", null);
        this.draft = draft;
        this.calls = calls;
        setDescription("Applications start on the replica in order once its image is promoted; scripts run before "
                + "and after. Each step is timed out and rolled back on failure.");
    }

    @Override
    public void createControl(Composite parent) {
        Composite form = Scrolling.content(parent);
        setControl(form.getParent());
        GridLayoutFactory.swtDefaults().numColumns(2).applyTo(form);
        new Label(form, SWT.NONE).setText("&Run before:");
        pre = new Text(form, SWT.BORDER | SWT.MULTI | SWT.V_SCROLL);
        pre.setToolTipText("Commands run before anything else, one per line: an absolute path and its arguments. "
                + "They get DOPPEL_JOB, DOPPEL_SOURCE, DOPPEL_TARGET and the addresses in their environment.");
        GridDataFactory.fillDefaults().grab(true, false).hint(SWT.DEFAULT, 40).applyTo(pre);
        new Label(form, SWT.NONE).setText("Run &after:");
        post = new Text(form, SWT.BORDER | SWT.MULTI | SWT.V_SCROLL);
        post.setToolTipText("Commands run once the applications are up, one per line");
        GridDataFactory.fillDefaults().grab(true, false).hint(SWT.DEFAULT, 40).applyTo(post);
        new Label(form, SWT.NONE).setText("Step &timeout (s):");
        timeout = new Spinner(form, SWT.BORDER);
        timeout.setValues(draft.stepTimeoutSeconds, 1, 3600, 0, 1, 30);

        Label apps = new Label(form, SWT.NONE);
        apps.setText("Applications to start on the replica:");
        GridDataFactory.fillDefaults().span(2, 1).applyTo(apps);
        scroller = new ScrolledComposite(form, SWT.V_SCROLL | SWT.BORDER);
        scroller.setExpandHorizontal(true);
        scroller.setExpandVertical(true);
        GridDataFactory.fillDefaults().grab(true, true).span(2, 1).hint(SWT.DEFAULT, 200).applyTo(scroller);
        plugins = new Composite(scroller, SWT.NONE);
        GridLayoutFactory.swtDefaults().applyTo(plugins);
        scroller.setContent(plugins);

        pre.addModifyListener(e -> update());
        post.addModifyListener(e -> update());
        timeout.addModifyListener(e -> update());
    }

    @Override
    public void setVisible(boolean visible) {
        super.setVisible(visible);
        if (visible && draft.target != null && draft.target != readFrom) {
            readFrom = draft.target;
            readPlugins();
        }
        update();
    }

    private void readPlugins() {
        for (var c : plugins.getChildren()) {
            c.dispose();
        }
        draft.applications.clear();
        vendors.clear();
        plainFields.clear();
        Label reading = new Label(plugins, SWT.NONE);
        reading.setText("Reading the application plugins installed on " + draft.target.displayName() + "\u2026");
        relayout();
        AgentQuery.ask(calls, draft.target.entry(), "failover.plugins", new JsonObject(), plugins, answer -> {
            reading.dispose();
            if (!answer.ok()) {
                Label failed = new Label(plugins, SWT.WRAP);
                failed.setText("Could not read them: " + answer.failure().getMessage());
            } else if (answer.result().getAsJsonArray().isEmpty()) {
                new Label(plugins, SWT.WRAP).setText("No application plugin is installed on "
                        + draft.target.displayName() + "; scripts can start applications instead.");
            } else {
                for (JsonElement p : answer.result().getAsJsonArray()) {
                    plugin(p.getAsJsonObject());
                }
                giveMnemonics();
            }
            relayout();
        });
    }

    /** One plugin: a check box with its description, and when chosen, a field per declared setting. */
    private void plugin(JsonObject p) {
        String id = p.get("id").getAsString();
        boolean available = p.get("available").getAsBoolean();
        Group group = new Group(plugins, SWT.NONE);
        group.setText(id);
        GridLayoutFactory.swtDefaults().numColumns(2).applyTo(group);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(group);
        Button use = new Button(group, SWT.CHECK);
        use.setText("Start '" + id + "': " + p.get("description").getAsString());
        GridDataFactory.fillDefaults().span(2, 1).applyTo(use);
        use.setEnabled(available);
        if (!available) {
            Label why = new Label(group, SWT.WRAP);
            why.setText("Not available on " + draft.target.displayName() + ": "
                    + (p.has("reason") && !p.get("reason").isJsonNull() ? p.get("reason").getAsString() : "unknown"));
            GridDataFactory.fillDefaults().span(2, 1).grab(true, false).applyTo(why);
        }
        Map<String, String> declared = new TreeMap<>();
        if (p.has("settings") && p.get("settings").isJsonObject()) {
            p.getAsJsonObject("settings").entrySet().forEach(e -> declared.put(e.getKey(), e.getValue().getAsString()));
        }
        FailoverPluginPage vendor = VendorPages.create(id);
        java.util.function.Supplier<Map<String, String>> settings;
        Runnable enable;
        if (vendor != null) {
            // the vendor's own form for its plugin
            Composite form = new Composite(group, SWT.NONE);
            GridDataFactory.fillDefaults().grab(true, false).span(2, 1).applyTo(form);
            vendor.createControls(form, Map.copyOf(declared), () -> {
                if (draft.applications.containsKey(id)) {
                    draft.applications.put(id, new LinkedHashMap<>(vendor.settings()));
                }
                update();
            });
            vendors.put(id, vendor);
            settings = vendor::settings;
            enable = () -> form.setEnabled(use.getSelection());
        } else {
            // a plain form: a field per declared setting, its meaning as the hint
            Map<String, Text> fields = new LinkedHashMap<>();
            declared.forEach((key, meaning) -> {
                Label label = new Label(group, SWT.NONE);
                label.setText(key.replace("&", "&&") + ":");
                Text value = new Text(group, SWT.BORDER);
                value.setMessage(meaning.length() > 80 ? meaning.substring(0, 77) + "\u2026" : meaning);
                value.setToolTipText(meaning);
                GridDataFactory.fillDefaults().grab(true, false).applyTo(value);
                fields.put(key, value);
                plainFields.add(new PlainField(label, key + ":", value));
                value.addModifyListener(e -> {
                    if (draft.applications.containsKey(id)) {
                        draft.applications.get(id).put(key, value.getText());
                    }
                    update();
                });
            });
            settings = () -> {
                Map<String, String> values = new LinkedHashMap<>();
                fields.forEach((k, t) -> values.put(k, t.getText()));
                return values;
            };
            enable = () -> fields.values().forEach(t -> t.setEnabled(use.getSelection()));
        }
        enable.run();
        use.addListener(SWT.Selection, e -> {
            if (use.getSelection()) {
                draft.applications.put(id, new LinkedHashMap<>(settings.get()));
            } else {
                draft.applications.remove(id);
            }
            enable.run();
            giveMnemonics();
            update();
        });
    }

    /**
     * Each usable field of a plain form (its plugin chosen) gets a letter of its label that is free on this
     * page, its first free one where it can: not used by the page's own fields, the vendors' forms, the other
     * settings or the wizard's buttons. The fields of plugins not chosen cannot take the focus and get none, so that the
     * letters last for the ones in use.
     */
    private void giveMnemonics() {
        plainFields.forEach(f -> f.label().setText(f.text().replace("&", "&&")));
        java.util.Set<Character> taken = Mnemonics.taken((Composite) getControl(), IDialogConstants.BACK_LABEL,
                IDialogConstants.NEXT_LABEL, IDialogConstants.FINISH_LABEL, IDialogConstants.CANCEL_LABEL);
        java.util.List<PlainField> usable = plainFields.stream().filter(f -> f.field().getEnabled()).toList();
        java.util.List<String> texts = Mnemonics.assign(usable.stream().map(PlainField::text).toList(), taken);
        for (int i = 0; i < usable.size(); i++) {
            usable.get(i).label().setText(texts.get(i));
        }
    }

    private void relayout() {
        plugins.layout(true, true);
        scroller.setMinSize(plugins.computeSize(SWT.DEFAULT, SWT.DEFAULT));
    }

    private void update() {
        if (pre == null) {
            return;
        }
        draft.preScripts = pre.getText();
        draft.postScripts = post.getText();
        draft.stepTimeoutSeconds = timeout.getSelection();
        String problem = draft.problem();
        String error = problem != null && (problem.startsWith("preScripts") || problem.startsWith("postScripts")
                || problem.startsWith("applications") || problem.startsWith("stepTimeout")) ? problem : null;
        for (Map.Entry<String, FailoverPluginPage> vendor : vendors.entrySet()) {
            String wrong = draft.applications.containsKey(vendor.getKey()) ? vendor.getValue().problem() : null;
            if (error == null && wrong != null) {
                error = vendor.getKey() + ": " + wrong;
            }
        }
        setErrorMessage(error);
        setPageComplete(error == null);
    }
}
