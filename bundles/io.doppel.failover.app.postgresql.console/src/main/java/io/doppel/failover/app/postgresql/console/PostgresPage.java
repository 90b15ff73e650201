package io.doppel.failover.app.postgresql.console;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Spinner;
import org.eclipse.swt.widgets.Text;

import io.doppel.console.spi.FailoverPluginPage;

/**
 * The PostgreSQL plugin's settings in the New Failover wizard: each field says its default, and
 * the page refuses what the plugin would refuse on the target (an absolute or escaping data
 * directory, relative program or socket paths, server settings that are not {@code name=value}).
 * Only what differs from the plugin's defaults is sent.
 */
public final class PostgresPage implements FailoverPluginPage {

    static final int DEFAULT_PORT = 5432;
    private static final Pattern SETTING = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*=\\S+");
    private static final Pattern ADDRESSES = Pattern.compile("[^\\s'\"]+");

    private Text datadir;
    private Spinner port;
    private Text listen;
    private Text bin;
    private Text socketdir;
    private Text log;
    private Text options;

    @Override
    public void createControls(Composite parent, Map<String, String> declared, Runnable changed) {
        parent.setLayout(new GridLayout(2, false));
        datadir = text(parent, "&Data directory:", "the replicated data itself", declared.get("datadir"), changed);
        new Label(parent, SWT.NONE).setText("&Port:");
        port = new Spinner(parent, SWT.BORDER);
        port.setValues(DEFAULT_PORT, 1, 65535, 0, 1, 100);
        port.setToolTipText(declared.getOrDefault("port", "port the server listens on"));
        port.setLayoutData(new GridData(SWT.BEGINNING, SWT.CENTER, false, false));
        port.addModifyListener(e -> changed.run());
        listen = text(parent, "&Listen addresses:", "* (every address, the service address too)", declared.get("listen"),
                changed);
        bin = text(parent, "Ser&ver programs:", "found from PG_VERSION", declared.get("bin"), changed);
        socketdir = text(parent, "&Socket directory:", "/tmp", declared.get("socketdir"), changed);
        log = text(parent, "Lo&g file:", "log/doppel-failover.log", declared.get("log"), changed);
        options = text(parent, "&More settings:", "none; name=value separated by spaces", declared.get("options"),
                changed);
    }

    private static Text text(Composite parent, String label, String byDefault, String meaning, Runnable changed) {
        new Label(parent, SWT.NONE).setText(label);
        Text t = new Text(parent, SWT.BORDER);
        t.setMessage("default: " + byDefault);
        if (meaning != null) {
            t.setToolTipText(meaning);
        }
        t.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        t.addModifyListener(e -> changed.run());
        return t;
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        put(s, "datadir", datadir);
        if (port.getSelection() != DEFAULT_PORT) {
            s.put("port", Integer.toString(port.getSelection()));
        }
        put(s, "listen", listen);
        put(s, "bin", bin);
        put(s, "socketdir", socketdir);
        put(s, "log", log);
        put(s, "options", options);
        return s;
    }

    private static void put(Map<String, String> settings, String key, Text field) {
        String value = field.getText().strip();
        if (!value.isEmpty()) {
            settings.put(key, value);
        }
    }

    @Override
    public String problem() {
        return problem(settings());
    }

    /** What is wrong with these settings, in words, or {@code null}: the page's rules without its widgets. */
    static String problem(Map<String, String> s) {
        String dir = s.get("datadir");
        if (dir != null) {
            if (dir.startsWith("/")) {
                return "the data directory is relative to the replicated data (e.g. main), not an absolute path";
            }
            for (String part : dir.split("/")) {
                if (part.equals("..")) {
                    return "the data directory must lie within the replicated data: no '..'";
                }
            }
        }
        String listen = s.get("listen");
        if (listen != null && !ADDRESSES.matcher(listen).matches()) {
            return "listen addresses are separated by commas, without spaces or quotes (e.g. * or 10.0.0.5,localhost)";
        }
        for (String key : new String[] {"bin", "socketdir"}) {
            String path = s.get(key);
            if (path != null && !path.startsWith("/")) {
                return (key.equals("bin") ? "the server programs' directory" : "the socket directory")
                        + " must be an absolute path (e.g. " + (key.equals("bin") ? "/usr/lib/postgresql/15/bin"
                                : "/var/run/postgresql") + ")";
            }
        }
        String options = s.get("options");
        if (options != null) {
            for (String setting : options.strip().split("\\s+")) {
                if (!SETTING.matcher(setting).matches()) {
                    return "'" + setting + "' is not a server setting: write name=value, e.g. shared_buffers=256MB";
                }
            }
        }
        return null;
    }
}
