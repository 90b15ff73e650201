package io.doppel.agent.internal.settings;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.doppel.management.protocol.Messages;
import io.doppel.management.spi.CommandException;

/**
 * The agent's settings: every configuration PID that an installed bundle describes with a MetaType
 * OCD, with its attributes and current values from ConfigAdmin. Changes are validated against the
 * OCD as a whole before anything is stored, and stored in one {@link Configuration#update}.
 */
@Component(service = SettingsCatalog.class)
public final class SettingsCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(SettingsCatalog.class);
    /** Any bundle may receive the configuration: the PID's component lives in another bundle than this one. */
    private static final String ANY_LOCATION = "?";
    private static final Set<String> FRAMEWORK_KEYS = Set.of(Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID,
            ConfigurationAdmin.SERVICE_BUNDLELOCATION);

    private final BundleContext context;
    private final MetaTypeService metaType;
    private final ConfigurationAdmin configAdmin;

    /** One described PID: its OCD, whether it is a factory PID, and the bundle that describes it. */
    record Group(String pid, boolean factory, ObjectClassDefinition ocd, Bundle bundle) {

        List<AttributeDefinition> attributes() {
            AttributeDefinition[] all = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
            return all == null ? List.of() : List.of(all);
        }

        boolean required(AttributeDefinition ad) {
            AttributeDefinition[] req = ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED);
            if (req == null) {
                return false;
            }
            for (AttributeDefinition r : req) {
                if (r.getID().equals(ad.getID())) {
                    return true;
                }
            }
            return false;
        }
    }

    @Activate
    public SettingsCatalog(BundleContext context, @Reference MetaTypeService metaType,
            @Reference ConfigurationAdmin configAdmin) {
        this.context = context;
        this.metaType = metaType;
        this.configAdmin = configAdmin;
    }

    /** Every described PID, sorted by PID. */
    Map<String, Group> groups() {
        Map<String, Group> groups = new TreeMap<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            MetaTypeInformation info = metaType.getMetaTypeInformation(bundle);
            if (info == null) {
                continue;
            }
            for (String pid : info.getPids()) {
                add(groups, info, pid, false, bundle);
            }
            for (String pid : info.getFactoryPids()) {
                add(groups, info, pid, true, bundle);
            }
        }
        return groups;
    }

    private static void add(Map<String, Group> groups, MetaTypeInformation info, String pid, boolean factory,
            Bundle bundle) {
        try {
            ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
            if (ocd != null) {
                groups.putIfAbsent(pid, new Group(pid, factory, ocd, bundle));
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("Bundle {} lists PID {} but its MetaType cannot be read: {}", bundle.getSymbolicName(), pid,
                    e.getMessage());
        }
    }

    /** The group of {@code pid}, or a NOT_FOUND error listing the known ones. */
    Group group(String pid) throws CommandException {
        Map<String, Group> groups = groups();
        Group g = groups.get(pid);
        if (g == null) {
            throw new CommandException(Messages.E_NOT_FOUND, "no such setting group '" + pid + "'; known: "
                    + String.join(", ", groups.keySet()));
        }
        return g;
    }

    /** The group described as JSON, with each attribute's current value. */
    JsonObject describe(Group g) throws CommandException {
        Map<String, Object> current = g.factory() ? Map.of() : stored(g.pid());
        JsonObject o = new JsonObject();
        o.addProperty("pid", g.pid());
        o.addProperty("factory", g.factory());
        o.addProperty("name", g.ocd().getName());
        o.addProperty("description", g.ocd().getDescription());
        o.addProperty("bundle", g.bundle().getSymbolicName());
        if (g.factory()) {
            o.add("instances", instances(g.pid()));
        }
        JsonArray attributes = new JsonArray();
        for (AttributeDefinition ad : g.attributes()) {
            JsonObject a = new JsonObject();
            a.addProperty("id", ad.getID());
            a.addProperty("name", ad.getName());
            a.addProperty("description", ad.getDescription());
            a.addProperty("type", SettingValues.typeName(ad.getType()));
            a.addProperty("cardinality", ad.getCardinality());
            a.add("default", SettingValues.defaultJson(ad));
            a.addProperty("required", g.required(ad));
            String[] values = ad.getOptionValues();
            if (values != null && values.length > 0) {
                String[] labels = ad.getOptionLabels();
                JsonArray options = new JsonArray();
                for (int i = 0; i < values.length; i++) {
                    JsonObject option = new JsonObject();
                    option.addProperty("value", values[i]);
                    option.addProperty("label", labels != null && i < labels.length ? labels[i] : values[i]);
                    options.add(option);
                }
                a.add("options", options);
            }
            boolean set = current.containsKey(ad.getID());
            a.addProperty("set", set);
            a.add("value", set ? SettingValues.toJson(ad, current.get(ad.getID())) : SettingValues.defaultJson(ad));
            attributes.add(a);
        }
        o.add("attributes", attributes);
        return o;
    }

    /**
     * Validates every value of {@code values} against the group's OCD, then stores them all, merged
     * with what is stored, in one update. Nothing is stored if any value is wrong.
     */
    void set(Group g, JsonObject values) throws CommandException {
        refuseFactory(g);
        if (values.isEmpty()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, "no values given; 'values' must name at least one of: "
                    + ids(g));
        }
        Map<String, AttributeDefinition> byId = new LinkedHashMap<>();
        g.attributes().forEach(ad -> byId.put(ad.getID(), ad));
        List<String> problems = new ArrayList<>();
        Map<String, Object> converted = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : values.entrySet()) {
            AttributeDefinition ad = byId.get(e.getKey());
            if (ad == null) {
                problems.add(e.getKey() + ": no such setting in " + g.pid() + "; known: " + ids(g));
                continue;
            }
            try {
                converted.put(ad.getID(), SettingValues.convert(ad, e.getValue()));
            } catch (IllegalArgumentException ex) {
                problems.add(ex.getMessage());
            }
        }
        Map<String, Object> merged = new LinkedHashMap<>(stored(g.pid()));
        merged.putAll(converted);
        for (AttributeDefinition ad : g.attributes()) {
            String[] d = ad.getDefaultValue();
            if (g.required(ad) && !merged.containsKey(ad.getID()) && (d == null || d.length == 0)) {
                problems.add(ad.getID() + ": is required and has no default; give it a value");
            }
        }
        if (!problems.isEmpty()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, String.join("; ", problems) + " (nothing was changed)");
        }
        Configuration c = configuration(g.pid());
        Dictionary<String, Object> properties = existing(c);
        converted.forEach(properties::put);
        update(c, properties);
        LOG.info("Settings of {} changed: {}", g.pid(), String.join(", ", converted.keySet()));
    }

    /** Removes {@code keys} (all of them when empty) so their defaults apply again. */
    void reset(Group g, List<String> keys) throws CommandException {
        refuseFactory(g);
        Set<String> known = new java.util.HashSet<>();
        g.attributes().forEach(ad -> known.add(ad.getID()));
        List<String> unknown = keys.stream().filter(k -> !known.contains(k)).toList();
        if (!unknown.isEmpty()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, String.join(", ", unknown) + ": no such setting in "
                    + g.pid() + "; known: " + ids(g) + " (nothing was changed)");
        }
        Configuration c = find(g.pid());
        if (c == null) {
            return; // nothing stored: the defaults already apply
        }
        Dictionary<String, Object> properties = existing(c);
        keys.forEach(properties::remove);
        boolean anyLeft = Collections.list(properties.keys()).stream().anyMatch(k -> !FRAMEWORK_KEYS.contains(k));
        try {
            if (keys.isEmpty() || !anyLeft) {
                c.delete();
            } else {
                c.update(properties);
            }
        } catch (IOException e) {
            throw new CommandException(Messages.E_INTERNAL, "cannot store the settings of " + g.pid() + ": "
                    + e.getMessage());
        }
        LOG.info("Settings of {} reset: {}", g.pid(), keys.isEmpty() ? "all" : String.join(", ", keys));
    }

    private static void refuseFactory(Group g) throws CommandException {
        if (g.factory()) {
            throw new CommandException(Messages.E_BAD_ARGUMENT, g.pid() + " is a factory PID (one configuration per "
                    + "instance); its instances are managed by the command that creates them, not by settings");
        }
    }

    private static String ids(Group g) {
        return String.join(", ", g.attributes().stream().map(AttributeDefinition::getID).toList());
    }

    /** The stored properties of {@code pid} without the framework's own keys; empty if none is stored. */
    private Map<String, Object> stored(String pid) throws CommandException {
        Configuration c = find(pid);
        Map<String, Object> values = new LinkedHashMap<>();
        if (c == null || c.getProperties() == null) {
            return values;
        }
        Dictionary<String, Object> p = c.getProperties();
        for (Enumeration<String> keys = p.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            if (!FRAMEWORK_KEYS.contains(k)) {
                values.put(k, p.get(k));
            }
        }
        return values;
    }

    private JsonArray instances(String factoryPid) throws CommandException {
        JsonArray a = new JsonArray();
        for (Configuration c : list("(" + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + factoryPid + ")")) {
            a.add(c.getPid());
        }
        return a;
    }

    /** The stored configuration of {@code pid}, without creating one. */
    private Configuration find(String pid) throws CommandException {
        List<Configuration> found = list("(" + Constants.SERVICE_PID + "=" + pid + ")");
        return found.isEmpty() ? null : found.get(0);
    }

    private List<Configuration> list(String filter) throws CommandException {
        try {
            Configuration[] found = configAdmin.listConfigurations(filter);
            return found == null ? List.of() : List.of(found);
        } catch (IOException | InvalidSyntaxException e) {
            throw new CommandException(Messages.E_INTERNAL, "cannot read the stored settings: " + e.getMessage());
        }
    }

    private Configuration configuration(String pid) throws CommandException {
        Configuration c = find(pid);
        if (c != null) {
            return c;
        }
        try {
            return configAdmin.getConfiguration(pid, ANY_LOCATION);
        } catch (IOException e) {
            throw new CommandException(Messages.E_INTERNAL, "cannot create the settings of " + pid + ": " + e.getMessage());
        }
    }

    private static Dictionary<String, Object> existing(Configuration c) {
        Dictionary<String, Object> p = c.getProperties();
        Hashtable<String, Object> copy = new Hashtable<>();
        if (p != null) {
            for (Enumeration<String> keys = p.keys(); keys.hasMoreElements();) {
                String k = keys.nextElement();
                if (!FRAMEWORK_KEYS.contains(k)) {
                    copy.put(k, p.get(k));
                }
            }
        }
        return copy;
    }

    private static void update(Configuration c, Dictionary<String, Object> properties) throws CommandException {
        try {
            c.update(properties);
        } catch (IOException e) {
            throw new CommandException(Messages.E_INTERNAL, "cannot store the settings of " + c.getPid() + ": "
                    + e.getMessage());
        }
    }
}
