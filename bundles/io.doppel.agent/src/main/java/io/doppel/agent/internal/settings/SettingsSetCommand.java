package io.doppel.agent.internal.settings;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.spi.CommandException;
import io.doppel.management.spi.CommandHandler;

/** {@code settings.set}: validates all given values against the group's MetaType, then stores them at once. */
@Component(service = CommandHandler.class, property = CommandHandler.COMMAND + "=settings.set")
public final class SettingsSetCommand implements CommandHandler {

    private final SettingsCatalog catalog;

    @Activate
    public SettingsSetCommand(@Reference SettingsCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public String name() {
        return "settings.set";
    }

    @Override
    public String description() {
        return "Change settings: pid, values {key: value, …} (text or JSON; lists as arrays or comma-separated text). "
                + "Every value is checked first; if one is wrong nothing changes. Returns the group as settings.get.";
    }

    @Override
    public JsonElement handle(JsonObject args) throws CommandException {
        SettingsCatalog.Group g = catalog.group(Arguments.pid(args));
        catalog.set(g, Arguments.values(args));
        return catalog.describe(g);
    }
}
