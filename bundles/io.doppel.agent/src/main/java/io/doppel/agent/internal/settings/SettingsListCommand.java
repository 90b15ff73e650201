package io.doppel.agent.internal.settings;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.spi.CommandException;
import io.doppel.management.spi.CommandHandler;

/** {@code settings.list}: every setting group (MetaType-described PID) with its attributes and values. */
@Component(service = CommandHandler.class, property = CommandHandler.COMMAND + "=settings.list")
public final class SettingsListCommand implements CommandHandler {

    private final SettingsCatalog catalog;

    @Activate
    public SettingsListCommand(@Reference SettingsCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public String name() {
        return "settings.list";
    }

    @Override
    public String description() {
        return "Every setting group (configuration PID described by MetaType): pid, name, description, factory, and "
                + "each attribute with its type, default, options, current value and whether it is set.";
    }

    @Override
    public JsonElement handle(JsonObject args) throws CommandException {
        JsonArray groups = new JsonArray();
        for (SettingsCatalog.Group g : catalog.groups().values()) {
            groups.add(catalog.describe(g));
        }
        return groups;
    }
}
