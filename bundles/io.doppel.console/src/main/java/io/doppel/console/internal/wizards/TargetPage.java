package io.doppel.console.internal.wizards;

import java.util.regex.Pattern;

import org.eclipse.jface.dialogs.IMessageProvider;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.api.agent.AgentIdentity;
import io.doppel.console.internal.connect.AgentCalls;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;

/**
 * Page 2: where the copy goes. The target server, the image's name, the address the source
 * reaches the target's replication endpoint at, and the pairing of the two agents.
 */
final class TargetPage extends WizardPage {

    static final String TITLE = "Target";
    static final String TRUST_LABEL = "Trust &each other for replication (adds each agent's certificate fingerprint "
            + "to the other's trusted peers)";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern ADDRESS = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[^\\s:\\[\\]]+):(\\d{1,5})");

    private final JobPlan plan;
    private final ServerModel model;
    private final AgentCalls calls;

    private ServerCombo servers;
    private Text image;
    private Text address;
    private Label sourceIdentity;
    private Label targetIdentity;
    private Button trust;
    private Label trustState;

    /** The pair the answers below are about; answers for another pair are dropped. */
    private Server askedSource;
    private Server askedTarget;
    private boolean addressEdited;
    private String imageDefault = "";
    private String endpointProblem;
    private boolean endpointPending;
    /** null while unknown. */
    private Boolean sourceTrusts;
    private Boolean targetTrusts;

    TargetPage(JobPlan plan, ServerModel model, AgentCalls calls) {
        super("target", TITLE, null);
        this.plan = plan;
        this.model = model;
        this.calls = calls;
        setDescription("Choose the agent that keeps the copy, and pair the two agents.");
        setPageComplete(false);
    }

    @Override
    public void createControl(Composite parent) {
        Composite page = Scrolling.content(parent);
        setControl(page.getParent());
        page.setLayout(new GridLayout(2, false));

        new Label(page, SWT.NONE).setText("&Target server:");
        servers = new ServerCombo(page, model);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(servers.control());
        servers.control().addListener(SWT.Selection, e -> targetChosen());

        new Label(page, SWT.NONE).setText("&Image name:");
        image = new Text(page, SWT.BORDER | SWT.SINGLE);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(image);
        image.addListener(SWT.Modify, e -> validate());

        new Label(page, SWT.NONE).setText("&Replication address:");
        address = new Text(page, SWT.BORDER | SWT.SINGLE);
        address.setMessage("HOST:PORT of the target's replication endpoint, as the source reaches it");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(address);
        address.addListener(SWT.Modify, e -> {
            if (address.isFocusControl()) {
                addressEdited = true;
            }
            validate();
        });
        Label hint = new Label(page, SWT.WRAP);
        hint.setText("Proposed from the target's management host and the port it receives replication on; change "
                + "it if the source reaches the target by another name or through NAT.");
        GridDataFactory.fillDefaults().span(2, 1).grab(true, false).hint(400, SWT.DEFAULT).applyTo(hint);

        Group pairing = new Group(page, SWT.NONE);
        pairing.setText("Pairing");
        pairing.setLayout(new GridLayout(1, false));
        GridDataFactory.fillDefaults().span(2, 1).grab(true, false).applyTo(pairing);
        sourceIdentity = wrapped(pairing);
        targetIdentity = wrapped(pairing);
        trust = new Button(pairing, SWT.CHECK | SWT.WRAP);
        trust.setText(TRUST_LABEL);
        GridDataFactory.fillDefaults().grab(true, false).hint(400, SWT.DEFAULT).applyTo(trust);
        trust.setSelection(true);
        trust.addListener(SWT.Selection, e -> validate());
        trustState = wrapped(pairing);

    }

    private static Label wrapped(Composite parent) {
        Label l = new Label(parent, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).hint(400, SWT.DEFAULT).applyTo(l);
        return l;
    }

    @Override
    public void setVisible(boolean visible) {
        if (visible) {
            if (image.getText().isBlank() || image.getText().equals(imageDefault)) {
                image.setText(plan.name); // follows the job's name until the admin changes it
                imageDefault = plan.name;
            }
            serversChanged();
        }
        super.setVisible(visible);
        if (visible) {
            servers.control().setFocus();
        }
    }

    /** Re-reads the connected servers; on the UI thread. */
    void serversChanged() {
        if (servers == null || servers.control().isDisposed()) {
            return;
        }
        servers.fill(s -> s != plan.source, null);
        targetChosen();
    }

    private void targetChosen() {
        Server target = servers.selected();
        Server source = plan.source;
        if (target != null && (target != askedTarget || source != askedSource)) {
            askedSource = source;
            askedTarget = target;
            sourceTrusts = null;
            targetTrusts = null;
            endpointProblem = null;
            endpointPending = true;
            if (!addressEdited) {
                address.setText("");
            }
            AgentQuery.ask(calls, target.entry(), "replication.endpoint", new JsonObject(), address, answer -> {
                if (askedTarget != target) {
                    return;
                }
                endpointPending = false;
                if (answer.ok()) {
                    int port = answer.result().getAsJsonObject().get("port").getAsInt();
                    if (!addressEdited) {
                        address.setText(hostForUrl(target.entry().address().host()) + ":" + port);
                    }
                } else {
                    endpointProblem = SourcePage.reason(answer.failure().getMessage());
                }
                validate();
            });
            AgentIdentity targetId = JobPlan.identity(target);
            AgentIdentity sourceId = JobPlan.identity(source);
            AgentQuery.ask(calls, source.entry(), "peer.list", new JsonObject(), trustState, answer -> {
                if (askedTarget == target && askedSource == source) {
                    sourceTrusts = answer.ok() && trusts(answer.result(), targetId);
                    validate();
                }
            });
            AgentQuery.ask(calls, target.entry(), "peer.list", new JsonObject(), trustState, answer -> {
                if (askedTarget == target && askedSource == source) {
                    targetTrusts = answer.ok() && trusts(answer.result(), sourceId);
                    validate();
                }
            });
        }
        validate();
    }

    private static String hostForUrl(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static boolean trusts(JsonElement peers, AgentIdentity who) {
        if (who == null || peers == null || !peers.isJsonArray()) {
            return false;
        }
        for (JsonElement p : peers.getAsJsonArray()) {
            if (p.isJsonObject() && p.getAsJsonObject().has("fingerprint")
                    && normal(p.getAsJsonObject().get("fingerprint").getAsString()).equals(normal(who.fingerprint()))) {
                return true;
            }
        }
        return false;
    }

    private static String normal(String fingerprint) {
        return fingerprint.replace(":", "").toUpperCase(java.util.Locale.ROOT);
    }

    private void validate() {
        Server target = servers.selected();
        Server source = plan.source;
        AgentIdentity sourceId = JobPlan.identity(source);
        AgentIdentity targetId = JobPlan.identity(target);
        sourceIdentity.setText("Source: " + (sourceId == null ? "?" : sourceId.name() + "\n" + sourceId.fingerprint()));
        targetIdentity.setText("Target: " + (targetId == null ? "(choose the target server)"
                : targetId.name() + "\n" + targetId.fingerprint()));
        trustState.setText(trustInWords(source, target));
        if (getControl() != null) {
            ((Composite) getControl()).layout(true, true);
        }

        String img = image.getText().strip();
        String addr = address.getText().strip();
        String error = null;
        String info = null;
        if (servers.isEmpty()) {
            error = "No other server is connected: add the target agent with Server ▸ Add Server… (or wait until it "
                    + "connects); the list here follows.";
        } else if (target == null) {
            info = "Choose the target server: the agent that keeps the copy.";
        } else if (!img.isEmpty() && !NAME.matcher(img).matches()) {
            error = "Image name '" + img + "': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.";
        } else if (addr.isEmpty() && endpointPending) {
            info = "Asking " + target.displayName() + " where it receives replication…";
        } else if (addr.isEmpty()) {
            error = (endpointProblem != null ? target.displayName() + " did not say where it receives replication ("
                    + endpointProblem + "). " : "") + "Enter the target's replication address as HOST:PORT.";
        } else if (!validAddress(addr)) {
            error = "Replication address '" + addr + "': write HOST:PORT with a port from 1 to 65535, e.g. "
                    + target.entry().address().host() + ":7421.";
        } else if (sourceTrusts == null || targetTrusts == null) {
            info = "Checking whether the agents already trust each other…";
        }
        setErrorMessage(error);
        if (error == null && info == null && !trust.getSelection() && !(sourceTrusts && targetTrusts)) {
            setMessage("Without trust the job cannot connect: pair the agents yourself (peer trust on both) before "
                    + "it starts.", IMessageProvider.WARNING);
        } else {
            setMessage(info != null ? info : "The job's target: " + addr + ", image '" + (img.isEmpty() ? plan.name : img)
                    + "'.");
        }
        boolean ok = error == null && info == null;
        if (ok) {
            plan.target = target;
            plan.image = img;
            plan.targetAddress = addr;
            plan.trust = trust.getSelection();
            plan.sourceTrustsTarget = sourceTrusts;
            plan.targetTrustsSource = targetTrusts;
        }
        setPageComplete(ok);
    }

    private String trustInWords(Server source, Server target) {
        if (source == null || target == null) {
            return "";
        }
        if (sourceTrusts == null || targetTrusts == null) {
            return "Checking the trusted peers of both agents…";
        }
        String s = source.displayName();
        String t = target.displayName();
        if (sourceTrusts && targetTrusts) {
            return "Already trusted: " + s + " and " + t + " trust each other; nothing to add.";
        }
        return (sourceTrusts ? s + " already trusts " + t : s + " does not trust " + t + " yet") + "; "
                + (targetTrusts ? t + " already trusts " + s : t + " does not trust " + s + " yet") + ".";
    }

    static boolean validAddress(String addr) {
        var m = ADDRESS.matcher(addr);
        if (!m.matches()) {
            return false;
        }
        int port = Integer.parseInt(m.group(2));
        return port >= 1 && port <= 65535;
    }
}
