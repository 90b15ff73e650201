package io.doppel.agent.internal.settings;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.spi.CommandException;
import io.doppel.management.spi.CommandHandler;

/** {@code settings.reset}: removes stored settings so that their defaults apply again. */
@Component(service = CommandHandler.class, property = CommandHandler.COMMAND + "=settings.reset")
public final class SettingsResetCommand implements CommandHandler {

    private final SettingsCatalog catalog;

    @Activate
    public SettingsResetCommand(@Reference SettingsCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public String name() {
        return "settings.reset";
    }

    @Override
    public String description() {
        return "Back to the defaults: pid, keys (optional list; without it the whole group). Returns the group as "
                + "settings.get.";
    }

    @Override
    public JsonElement handle(JsonObject args) throws CommandException {
        SettingsCatalog.Group g = catalog.group(Arguments.pid(args));
        catalog.reset(g, Arguments.keys(args));
        return catalog.describe(g);
    }
}
