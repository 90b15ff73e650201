package io.doppel.agent.internal.settings;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.spi.CommandException;
import io.doppel.management.spi.CommandHandler;

/** {@code settings.get}: one setting group with its attributes and values. */
@Component(service = CommandHandler.class, property = CommandHandler.COMMAND + "=settings.get")
public final class SettingsGetCommand implements CommandHandler {

    private final SettingsCatalog catalog;

    @Activate
    public SettingsGetCommand(@Reference SettingsCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public String name() {
        return "settings.get";
    }

    @Override
    public String description() {
        return "One setting group: pid (required). Same fields as settings.list.";
    }

    @Override
    public JsonElement handle(JsonObject args) throws CommandException {
        return catalog.describe(catalog.group(Arguments.pid(args)));
    }
}
