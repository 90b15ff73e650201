package io.doppel.console.internal.ui;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.TitleAreaDialog;
import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.FileDialog;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;

import io.doppel.console.internal.model.ServerEntry;
import io.doppel.management.AgentAddress;
import io.doppel.management.Credentials;

/**
 * Asks for an agent's address and token file. OK stays disabled until both are valid; what is
 * wrong shows in the message area. On OK the entry goes to {@code onAdd}.
 */
public final class AddServerDialog extends TitleAreaDialog {

    /** Shell title, also how tests find the dialog. */
    public static final String TITLE = "Add Server";
    public static final String DEFAULT_ADDRESS = "127.0.0.1:" + AgentAddress.DEFAULT_PORT;

    private static final String HELP = "Enter the agent's management address and choose its token file.";

    /** Not an error while the field was never filled: the dialog says what to do instead. */
    private static final String NO_TOKEN_YET = "Choose the agent's token file (<agent home>/" + Credentials.TOKEN_FILE
            + ").";

    private final Predicate<AgentAddress> alreadyListed;
    private final Consumer<ServerEntry> onAdd;
    private Text address;
    private Text tokenFile;
    private Text fingerprint;

    /**
     * @param alreadyListed tells addresses already in the console's list
     * @param onAdd         receives the entry when the admin presses OK
     */
    public AddServerDialog(Shell parent, Predicate<AgentAddress> alreadyListed, Consumer<ServerEntry> onAdd) {
        super(parent);
        this.alreadyListed = Objects.requireNonNull(alreadyListed, "alreadyListed");
        this.onAdd = Objects.requireNonNull(onAdd, "onAdd");
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(TITLE);
    }

    @Override
    protected boolean isResizable() {
        return true;
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        setTitle("Add a Doppel agent");
        setMessage(HELP);
        Composite form = new Composite(area, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, true).applyTo(form);
        GridLayoutFactory.swtDefaults().numColumns(3).margins(10, 10).applyTo(form);

        new Label(form, SWT.NONE).setText("Add&ress:");
        address = new Text(form, SWT.BORDER | SWT.SINGLE);
        address.setText(DEFAULT_ADDRESS);
        address.setMessage("host:port");
        address.setToolTipText("Where the agent's management endpoint listens: HOST:PORT or [IPv6]:PORT");
        GridDataFactory.fillDefaults().grab(true, false).span(2, 1).hint(convertWidthInCharsToPixels(50), SWT.DEFAULT)
                .applyTo(address);

        new Label(form, SWT.NONE).setText("&Token file:");
        tokenFile = new Text(form, SWT.BORDER | SWT.SINGLE);
        tokenFile.setMessage("<agent home>/" + Credentials.TOKEN_FILE);
        tokenFile.setToolTipText("The agent's management token, a file readable by you");
        GridDataFactory.fillDefaults().grab(true, false).applyTo(tokenFile);
        Button browse = new Button(form, SWT.PUSH);
        browse.setText("&Browse\u2026");
        browse.addListener(SWT.Selection, e -> browseForToken());
        setButtonLayoutData(browse);

        new Label(form, SWT.NONE).setText("&Fingerprint:");
        fingerprint = new Text(form, SWT.BORDER | SWT.SINGLE);
        fingerprint.setMessage("optional: as 'doppel identity' prints it on the server");
        fingerprint.setToolTipText("The agent's certificate fingerprint (SHA-256). Given, the console connects only to "
                + "the agent that has it; left empty, the fingerprint of the agent that answers first is pinned, and the "
                + "console refuses any other agent at this address later.");
        GridDataFactory.fillDefaults().grab(true, false).span(2, 1).applyTo(fingerprint);

        address.addModifyListener(e -> validate());
        tokenFile.addModifyListener(e -> validate());
        fingerprint.addModifyListener(e -> validate());
        address.selectAll();
        return area;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.OK_ID, "&Add", true);
        createButton(parent, IDialogConstants.CANCEL_ID, IDialogConstants.CANCEL_LABEL, false);
        validate();
    }

    private void browseForToken() {
        FileDialog files = new FileDialog(getShell(), SWT.OPEN);
        files.setText("Choose the agent's management token");
        files.setFilterNames(new String[] { "Management token (" + Credentials.TOKEN_FILE + ")", "All files" });
        files.setFilterExtensions(new String[] { Credentials.TOKEN_FILE, "*" });
        String current = tokenFile.getText().strip();
        if (!current.isEmpty()) {
            files.setFileName(current);
        }
        String chosen = files.open();
        if (chosen != null) {
            tokenFile.setText(chosen);
        }
    }

    private void validate() {
        String problem = problem();
        if (NO_TOKEN_YET.equals(problem)) {
            setErrorMessage(null); // the help message says what to choose
        } else {
            setErrorMessage(problem);
        }
        Button ok = getButton(IDialogConstants.OK_ID);
        if (ok != null) {
            ok.setEnabled(problem == null);
        }
    }

    /** What keeps the input from being accepted, or {@code null}. */
    private String problem() {
        AgentAddress parsed;
        try {
            parsed = AgentAddress.parse(address.getText());
        } catch (IllegalArgumentException e) {
            return capitalised(e.getMessage());
        }
        if (alreadyListed.test(parsed)) {
            return "The agent at " + parsed + " is already in the list.";
        }
        String token = tokenFile.getText().strip();
        if (token.isEmpty()) {
            return NO_TOKEN_YET;
        }
        try {
            Path path = Path.of(token);
            if (Files.isDirectory(path)) {
                return token + " is a folder; choose the " + Credentials.TOKEN_FILE + " file inside it.";
            }
            if (!Files.isRegularFile(path)) {
                return "There is no file at " + token + ".";
            }
            if (!Files.isReadable(path)) {
                return "You may not read " + token + "; copy it somewhere you can read or run as its owner.";
            }
        } catch (InvalidPathException e) {
            return "'" + token + "' is not a file path: " + e.getReason() + ".";
        }
        if (!fingerprint.getText().isBlank()) {
            try {
                ServerEntry.normalise(fingerprint.getText());
            } catch (IllegalArgumentException e) {
                return "The fingerprint is not one: " + e.getMessage() + ".";
            }
        }
        return null;
    }

    private static String capitalised(String message) {
        return message == null || message.isEmpty() ? "Invalid address."
                : Character.toUpperCase(message.charAt(0)) + message.substring(1);
    }

    @Override
    protected void okPressed() {
        if (problem() != null) {
            validate();
            return;
        }
        ServerEntry entry = new ServerEntry(AgentAddress.parse(address.getText()),
                Path.of(tokenFile.getText().strip()).toAbsolutePath(), fingerprint.getText());
        super.okPressed();
        onAdd.accept(entry);
    }
}
