package io.doppel.console.tests;

import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;

import io.doppel.console.spi.FailoverPluginPage;

/** A vendor's form for the script plugin, contributed by this fragment's fragment.xml. */
public final class ScriptPluginPage implements FailoverPluginPage {

    static final String START_LABEL = "Start &command:";
    static final String HEALTH_LABEL = "&Health command:";

    private Text start;
    private Text health;

    @Override
    public void createControls(Composite parent, Map<String, String> declared, Runnable changed) {
        parent.setLayout(new GridLayout(2, false));
        new Label(parent, SWT.NONE).setText(START_LABEL);
        start = new Text(parent, SWT.BORDER);
        start.setToolTipText(declared.get("start"));
        start.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        new Label(parent, SWT.NONE).setText(HEALTH_LABEL);
        health = new Text(parent, SWT.BORDER);
        health.setToolTipText(declared.get("health"));
        health.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        start.addModifyListener(e -> changed.run());
        health.addModifyListener(e -> changed.run());
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("start", start.getText().strip());
        if (!health.getText().isBlank()) {
            settings.put("health", health.getText().strip());
        }
        return settings;
    }

    @Override
    public String problem() {
        String command = start.getText().strip();
        if (command.isEmpty()) {
            return "give the command that starts the application";
        }
        return command.startsWith("/") ? null : "the start command must begin with an absolute path";
    }
}
