package io.doppel.console.internal.wizards;

import java.util.regex.Pattern;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.doppel.console.internal.connect.AgentCalls;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerModel;

/**
 * Page 1: where the data is. The source server, the job's name, the protected directory (checked on
 * the source agent as it is typed) and the replication set, with a preview by the agent itself.
 */
final class SourcePage extends WizardPage {

    static final String TITLE = "Source";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Waits this long after the last keystroke before asking the agent about the directory. */
    private static final int CHECK_DELAY_MILLIS = 350;

    private final JobPlan plan;
    private final ServerModel model;
    private final AgentCalls calls;
    private final Server preselected;

    private ServerCombo servers;
    private Text name;
    private Text directory;
    private RulesEditor rules;
    private Button preview;
    private Text previewText;

    /** The directory the source agent confirmed, on which server; a problem it reported. */
    private String confirmedDirectory;
    private Server confirmedOn;
    private String directoryProblem;
    private String checking;

    SourcePage(JobPlan plan, ServerModel model, AgentCalls calls, Server preselected) {
        super("source", TITLE, null);
        this.plan = plan;
        this.model = model;
        this.calls = calls;
        this.preselected = preselected;
        setDescription("Choose the server and the directory to protect, and what of it to replicate.");
        setPageComplete(false);
    }

    @Override
    public void createControl(Composite parent) {
        Composite page = Scrolling.content(parent);
        setControl(page.getParent());
        page.setLayout(new GridLayout(2, false));

        new Label(page, SWT.NONE).setText("&Source server:");
        servers = new ServerCombo(page, model);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(servers.control());
        servers.control().addListener(SWT.Selection, e -> {
            directoryProblem = null;
            scheduleDirectoryCheck();
            validate();
        });

        new Label(page, SWT.NONE).setText("Job na&me:");
        name = new Text(page, SWT.BORDER | SWT.SINGLE);
        name.setMessage("e.g. web");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(name);
        name.addListener(SWT.Modify, e -> validate());

        new Label(page, SWT.NONE).setText("Source &directory:");
        directory = new Text(page, SWT.BORDER | SWT.SINGLE);
        directory.setMessage("absolute path on the source server, e.g. /srv/www");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(directory);
        directory.addListener(SWT.Modify, e -> {
            directoryProblem = null;
            scheduleDirectoryCheck();
            validate();
        });

        rules = new RulesEditor(page, this::rulesChanged);
        GridDataFactory.fillDefaults().span(2, 1).grab(true, true).applyTo(rules.control());

        preview = new Button(page, SWT.PUSH);
        preview.setText("&Preview");
        preview.setToolTipText("Ask the source agent what these rules include and exclude in the directory");
        GridDataFactory.swtDefaults().span(2, 1).applyTo(preview);
        preview.addListener(SWT.Selection, e -> runPreview());

        previewText = new Text(page, SWT.BORDER | SWT.MULTI | SWT.READ_ONLY | SWT.V_SCROLL | SWT.WRAP);
        previewText.setText("Preview: choose Preview to see what the job would replicate.");
        GridDataFactory.fillDefaults().span(2, 1).grab(true, true).hint(SWT.DEFAULT, 110).applyTo(previewText);

        servers.fill(s -> true, preselected);
        validate();
        name.setFocus();
    }

    /** Re-reads the connected servers (the model changed); called on the UI thread. */
    void serversChanged() {
        if (servers != null && !servers.control().isDisposed()) {
            Server before = servers.selected();
            servers.fill(s -> true, preselected);
            if (servers.selected() != before) {
                scheduleDirectoryCheck();
            }
            validate();
        }
    }

    private void rulesChanged() {
        previewText.setText("Preview: the rules changed; choose Preview to see what they replicate.");
        validate();
    }

    private String typedDirectory() {
        return directory.getText().strip();
    }

    /** Asks the source agent whether the directory exists, shortly after the admin stops typing. */
    private void scheduleDirectoryCheck() {
        String wanted = typedDirectory();
        checking = null;
        if (!wanted.startsWith("/") || servers.selected() == null) {
            return;
        }
        getShell().getDisplay().timerExec(CHECK_DELAY_MILLIS, () -> {
            if (directory.isDisposed() || !wanted.equals(typedDirectory())) {
                return;
            }
            Server server = servers.selected();
            if (server == null) {
                return;
            }
            checking = wanted;
            validate();
            // Excluding everything below the top keeps the check to one directory listing.
            AgentQuery.ask(calls, server.entry(), "job.preview", previewArgs(wanted, java.util.List.of("- **")),
                    directory, answer -> {
                        if (!wanted.equals(checking) || servers.selected() != server) {
                            return; // typed on meanwhile
                        }
                        checking = null;
                        if (answer.ok()) {
                            confirmedDirectory = wanted;
                            confirmedOn = server;
                            directoryProblem = null;
                        } else {
                            confirmedDirectory = null;
                            directoryProblem = reason(answer.failure().getMessage());
                        }
                        validate();
                    });
        });
    }

    private static JsonObject previewArgs(String source, java.util.List<String> ruleLines) {
        JsonObject args = new JsonObject();
        args.addProperty("source", source);
        JsonArray list = new JsonArray();
        ruleLines.forEach(list::add);
        args.add("rules", list);
        return args;
    }

    private void runPreview() {
        Server server = servers.selected();
        String dir = typedDirectory();
        previewText.setText("Preview: asking " + server.displayName() + "…");
        preview.setEnabled(false);
        AgentQuery.ask(calls, server.entry(), "job.preview", previewArgs(dir, rules.rules()), previewText, answer -> {
            preview.setEnabled(true);
            if (answer.ok()) {
                previewText.setText(PreviewText.of(answer.result().getAsJsonObject()));
            } else {
                previewText.setText("Preview failed: " + reason(answer.failure().getMessage()) + "\nNext step: "
                        + (answer.failure().state().nextStep() != null
                                && answer.failure().state() != io.doppel.console.internal.model.ConnectionState.AGENT_ERROR
                                        ? answer.failure().state().nextStep()
                                        : "correct the directory or the rule it names, then choose Preview again."));
            }
            validate();
        });
    }

    /** The agent's reason without the protocol's error code prefix. */
    static String reason(String message) {
        return message == null ? "no reason given" : message.replaceFirst("^[A-Z_]+: ", "");
    }

    private void validate() {
        Server server = servers.selected();
        String n = name.getText().strip();
        String dir = typedDirectory();
        boolean dirUsable = server != null && dir.startsWith("/");
        preview.setEnabled(dirUsable);
        String error = null;
        String info = null;
        if (servers.isEmpty()) {
            error = "No server is connected. Add the source agent with Server ▸ Add Server… (or wait until it "
                    + "connects); the list here follows.";
        } else if (server == null) {
            info = "Choose the source server: the agent on the machine that holds the data.";
        } else if (n.isEmpty()) {
            info = "Enter a name for the job: letters, digits, '.', '_' or '-'.";
        } else if (!NAME.matcher(n).matches()) {
            error = "Job name '" + n + "': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.";
        } else if (server.job(n) != null) {
            error = server.displayName() + " already has a job '" + n + "': choose another name.";
        } else if (dir.isEmpty()) {
            info = "Enter the directory to protect: an absolute path on " + server.displayName() + ".";
        } else if (!dir.startsWith("/")) {
            error = "Source directory '" + dir + "' is relative: enter an absolute path on " + server.displayName()
                    + ", starting with '/', e.g. /srv/www.";
        } else if (directoryProblem != null && !dir.equals(confirmedDirectory)) {
            error = "Source directory: " + directoryProblem + ". Enter a directory that exists on "
                    + server.displayName() + ".";
        } else if (!dir.equals(confirmedDirectory) || confirmedOn != server) {
            info = "Checking " + dir + " on " + server.displayName() + "…";
        }
        setErrorMessage(error);
        setMessage(info != null ? info : "Rules are optional: without them, everything is replicated but the default excludes.");
        boolean ok = error == null && info == null;
        if (ok) {
            plan.source = server;
            plan.name = n;
            plan.directory = dir;
            plan.rules = rules.rules();
        }
        setPageComplete(ok);
    }
}
