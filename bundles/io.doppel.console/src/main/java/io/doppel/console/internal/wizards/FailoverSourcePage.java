package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.console.internal.connect.AgentCalls;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;

/**
 * First page of New Failover: the target that will take over (it holds the replica), the source it
 * protects (a peer the target trusts) and the image, and the failover's name.
 */
final class FailoverSourcePage extends WizardPage {

    private final FailoverDraft draft;
    private final ServerModel model;
    private final AgentCalls calls;
    private final Server preselected;
    private ServerCombo target;
    private Combo source;
    private Combo image;
    private Text name;
    private Label peersNote;
    private Server peersOf;
    private boolean nameEdited;

    FailoverSourcePage(FailoverDraft draft, ServerModel model, AgentCalls calls, Server preselected) {
        super("failover-source", "Replica and source", null);
        this.draft = draft;
        this.model = model;
        this.calls = calls;
        this.preselected = preselected;
        setDescription("The target that takes over holds the source's image; choose both, and name the failover.");
        setPageComplete(false);
    }

    @Override
    public void createControl(Composite parent) {
        Composite form = Scrolling.content(parent);
        setControl(form.getParent());
        GridLayoutFactory.swtDefaults().numColumns(2).applyTo(form);

        new Label(form, SWT.NONE).setText("&Target (takes over):");
        target = new ServerCombo(form, model);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(target.control());
        target.control().addListener(SWT.Selection, e -> targetChanged());

        new Label(form, SWT.NONE).setText("&Source (protected):");
        source = new Combo(form, SWT.DROP_DOWN);
        source.setToolTipText("The source agent's name as the target trusts it (its peers)");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(source);
        new Label(form, SWT.NONE);
        peersNote = new Label(form, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(peersNote);

        new Label(form, SWT.NONE).setText("&Image:");
        image = new Combo(form, SWT.DROP_DOWN);
        image.setToolTipText("The image the source's job feeds on the target (the job's image name)");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(image);

        new Label(form, SWT.NONE).setText("Na&me:");
        name = new Text(form, SWT.BORDER);
        name.setMessage("e.g. web");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(name);

        source.addModifyListener(e -> {
            draft.source = source.getText();
            proposeImages();
            validate();
        });
        image.addModifyListener(e -> {
            draft.image = image.getText();
            if (!nameEdited) {
                name.setText(image.getText());
            }
            validate();
        });
        name.addModifyListener(e -> {
            draft.name = name.getText();
            validate();
        });
        name.addListener(SWT.KeyDown, e -> nameEdited = true);
        serversChanged();
    }

    /** The servers changed: the target list follows. */
    void serversChanged() {
        if (target == null || target.control().isDisposed()) {
            return;
        }
        target.fill(s -> true, preselected);
        targetChanged();
    }

    private void targetChanged() {
        Server chosen = target.selected();
        draft.target = chosen;
        if (chosen != null && chosen != peersOf) {
            peersOf = chosen;
            peersNote.setText("Reading the peers " + chosen.displayName() + " trusts\u2026");
            AgentQuery.ask(calls, chosen.entry(), "peer.list", new JsonObject(), source, answer -> {
                if (!answer.ok()) {
                    peersNote.setText("Could not read its peers: " + answer.failure().getMessage());
                    return;
                }
                List<String> names = new ArrayList<>();
                for (JsonElement peer : answer.result().getAsJsonArray()) {
                    names.add(peer.getAsJsonObject().get("name").getAsString());
                }
                String typed = source.getText();
                source.setItems(names.toArray(String[]::new));
                source.setText(typed.isEmpty() && names.size() == 1 ? names.get(0) : typed);
                peersNote.setText(names.isEmpty() ? chosen.displayName() + " trusts no source yet: pair them first "
                        + "(a job from the source to it does)." : "");
                peersNote.getParent().layout(true);
            });
        }
        validate();
    }

    /** The images the console knows the source to feed: its jobs' image names, if the source is listed here. */
    private void proposeImages() {
        Set<String> images = new LinkedHashSet<>();
        for (JobRef job : model.jobs()) {
            if (job.server().displayName().equals(source.getText().strip())) {
                images.add(job.status().definition().imageName());
            }
        }
        String typed = image.getText();
        image.setItems(images.toArray(String[]::new));
        image.setText(typed.isEmpty() && images.size() == 1 ? images.iterator().next() : typed);
    }

    private void validate() {
        String error = null;
        if (target.isEmpty()) {
            error = "No server is connected: add the target with Server \u25b8 Add Server\u2026 first.";
        } else if (target.selected() == null) {
            error = "Choose the target that takes over.";
        } else if (source.getText().isBlank()) {
            error = "Name the source it protects.";
        } else if (image.getText().isBlank()) {
            error = "Name the source's image on the target.";
        } else if (name.getText().isBlank()) {
            error = "Name the failover.";
        } else if (!name.getText().strip().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            error = "The name must be 1-64 letters, digits, '.', '_' or '-'.";
        } else if (target.selected().failovers().stream().anyMatch(f -> f.name().equals(name.getText().strip()))) {
            error = target.selected().displayName() + " already has a failover named '" + name.getText().strip() + "'.";
        }
        setErrorMessage(error);
        setPageComplete(error == null);
    }
}
