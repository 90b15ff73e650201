package io.doppel.console.internal.preferences;

import java.io.IOException;

import org.eclipse.core.runtime.preferences.InstanceScope;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.preference.FieldEditorPreferencePage;
import org.eclipse.jface.preference.IPreferenceStore;
import org.eclipse.jface.preference.IntegerFieldEditor;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPreferencePage;
import org.eclipse.ui.preferences.ScopedPreferenceStore;

import io.doppel.console.internal.connect.ConsolePreferences;

/**
 * Window ▸ Preferences ▸ Doppel: how often connected agents are re-read, how long the console waits
 * for an agent, and the lag that shows in red for jobs without their own recovery point objective.
 * Saved in the instance scope of node {@value ConsolePreferences#NODE}; the console reads them afresh,
 * so a change applies from the next refresh.
 */
public final class DoppelPreferencePage extends FieldEditorPreferencePage implements IWorkbenchPreferencePage {

    public static final String ID = "io.doppel.console.preferences";
    /** Bounds of the lag alarm, as {@link ConsolePreferences#lagAlarm()} applies them. */

    public DoppelPreferencePage() {
        super(GRID);
        setDescription("How the console talks to Doppel agents and when it shows a job's lag in red.");
    }

    @Override
    public void init(IWorkbench workbench) {
        setPreferenceStore(store());
    }

    /** The console's preferences with their defaults. */
    public static ScopedPreferenceStore store() {
        ScopedPreferenceStore store = new ScopedPreferenceStore(InstanceScope.INSTANCE, ConsolePreferences.NODE);
        store.setDefault(ConsolePreferences.REFRESH_SECONDS, ConsolePreferences.DEFAULT_REFRESH_SECONDS);
        store.setDefault(ConsolePreferences.TIMEOUT_SECONDS, ConsolePreferences.DEFAULT_TIMEOUT_SECONDS);
        store.setDefault(ConsolePreferences.LAG_ALARM_SECONDS, ConsolePreferences.DEFAULT_LAG_ALARM_SECONDS);
        return store;
    }

    @Override
    protected void createFieldEditors() {
        addField(integer(ConsolePreferences.REFRESH_SECONDS, "&Refresh connected agents every (seconds):",
                ConsolePreferences.MIN_REFRESH_SECONDS, ConsolePreferences.MAX_REFRESH_SECONDS,
                "How often the console re-reads the status, jobs, failovers and new events of each connected agent. "
                        + "Agents that failed are tried again five times less often."));
        addField(integer(ConsolePreferences.TIMEOUT_SECONDS, "Connection &timeout (seconds):",
                ConsolePreferences.MIN_TIMEOUT_SECONDS, ConsolePreferences.MAX_TIMEOUT_SECONDS,
                "How long the console waits for an agent at each step of a connection before it says 'Timed out'."));
        addField(integer(ConsolePreferences.LAG_ALARM_SECONDS, "&Lag alarm for jobs without an RPO (seconds):",
                ConsolePreferences.MIN_LAG_ALARM_SECONDS, ConsolePreferences.MAX_LAG_ALARM_SECONDS,
                "A job's lag shows green below half this, amber below it, red from it on. Jobs with a recovery "
                        + "point objective (--rpo) use their own instead."));
    }

    private IntegerFieldEditor integer(String key, String label, int min, int max, String tooltip) {
        IntegerFieldEditor editor = new IntegerFieldEditor(key, label, getFieldEditorParent(), 5);
        editor.setValidRange(min, max);
        editor.setErrorMessage(label.replace("&", "").replace(":", "") + " must be a whole number from " + min
                + " to " + max + ".");
        editor.getLabelControl(getFieldEditorParent()).setToolTipText(tooltip);
        editor.getTextControl(getFieldEditorParent()).setToolTipText(tooltip);
        return editor;
    }

    @Override
    public boolean performOk() {
        if (!super.performOk()) {
            return false;
        }
        IPreferenceStore store = getPreferenceStore();
        if (store instanceof ScopedPreferenceStore scoped && scoped.needsSaving()) {
            try {
                scoped.save();
            } catch (IOException e) {
                MessageDialog.openError(getShell(), "Cannot save the preferences",
                        "The console could not save its preferences: " + e.getMessage()
                                + "\n\nNext step: check that the console's data folder (its workspace, "
                                + "-data) is writable and has free space, then press Apply again.");
                return false;
            }
        }
        return true;
    }
}
