package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.gson.JsonObject;

import io.doppel.api.failover.FailoverDefinition;
import io.doppel.console.internal.model.Server;
import io.doppel.management.protocol.Json;

/**
 * What the New Failover wizard's pages collected so far. The definition is built and checked by the
 * API's own {@link FailoverDefinition#validate()}, so the wizard refuses exactly what the agent would,
 * with the same words.
 */
final class FailoverDraft {

    Server target;
    String name = "";
    String source = "";
    String image = "";
    String addresses = "";
    int agentPort = 7420;
    String hostPorts = "";
    boolean icmp = true;
    int intervalMillis = 1000;
    int misses = 3;
    FailoverDefinition.Trigger trigger = FailoverDefinition.Trigger.ALL;
    FailoverDefinition.Mode mode = FailoverDefinition.Mode.MANUAL;
    long maxBehindOps;
    boolean witness;
    /** {@code null}: the target takes none of the source's identity. */
    FailoverDefinition.IdentityMode identityMode;
    String identityAddresses = "";
    String hostAlias = "";
    boolean takeHostName;
    String exposeAt = "";
    String preScripts = "";
    String postScripts = "";
    int stepTimeoutSeconds = 60;
    /** Chosen application plugins, in order, with their settings. */
    final Map<String, Map<String, String>> applications = new LinkedHashMap<>();
    boolean startNow = true;

    /** The definition as entered. */
    FailoverDefinition definition() {
        FailoverDefinition.Identity identity = identityMode == null ? null
                : new FailoverDefinition.Identity(identityMode, words(identityAddresses), blankToNull(hostAlias),
                        takeHostName);
        List<FailoverDefinition.Application> apps = new ArrayList<>();
        applications.forEach((plugin, settings) -> {
            Map<String, String> set = new LinkedHashMap<>();
            settings.forEach((k, v) -> {
                if (v != null && !v.isBlank()) {
                    set.put(k, v.strip());
                }
            });
            apps.add(new FailoverDefinition.Application(plugin, set));
        });
        return new FailoverDefinition(name.strip(), source.strip(), image.strip(), words(addresses), agentPort,
                ports(hostPorts), icmp, intervalMillis, misses, trigger, mode, identity, lines(preScripts),
                lines(postScripts), apps, stepTimeoutSeconds, blankToNull(exposeAt), witness, maxBehindOps);
    }

    private static final String PREFIX = "failover definition: ";

    /** What is wrong with the definition, in the agent's words ("field reason"), or {@code null}. */
    String problem() {
        try {
            definition().validate();
            return null;
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            return m != null && m.startsWith(PREFIX) ? m.substring(PREFIX.length()) : m;
        }
    }

    /** The arguments of {@code failover.create}. */
    JsonObject createArgs() {
        return Json.GSON.toJsonTree(definition()).getAsJsonObject();
    }

    static List<String> words(String text) {
        return Arrays.stream(text.split("[\\s,;]+")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * @throws IllegalArgumentException if a word is not a port number
     */
    static List<Integer> ports(String text) {
        List<Integer> out = new ArrayList<>();
        for (String w : words(text)) {
            try {
                out.add(Integer.parseInt(w));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("hostPorts: '" + w + "' is not a port number");
            }
        }
        return out;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** The definition in sentences, for the summary page. */
    List<String> describe() {
        FailoverDefinition d = definition();
        String on = "On " + (target == null ? "?" : target.displayName()) + ": ";
        List<String> out = new ArrayList<>();
        out.add(on + "create failover '" + d.name() + "' for the image '" + d.image() + "' of " + d.source() + ".");
        out.add("Probe " + String.join(", ", d.addresses()) + " every " + d.intervalMillis() + " ms"
                + (d.agentPort() > 0 ? " (agent port " + d.agentPort() + ")" : "")
                + (d.hostPorts().isEmpty() ? "" : ", host ports " + d.hostPorts()) + (d.icmp() ? ", ICMP" : "")
                + "; the source is lost after " + d.misses() + " missed rounds of "
                + (d.trigger() == FailoverDefinition.Trigger.ALL ? "all its addresses" : "any of its addresses") + ".");
        out.add(d.mode() == FailoverDefinition.Mode.AUTOMATIC ? "When it is lost: take over automatically."
                : "When it is lost: raise an alert and wait for the admin's word.");
        out.add(d.maxBehindOps() == FailoverDefinition.ANY_BEHIND ? "Take over however far behind the replica is."
                : d.maxBehindOps() == 0 ? "Never promote a replica known to lack any change (the admin may accept the loss)."
                        : "Never promote a replica known to lack more than " + d.maxBehindOps() + " changes.");
        if (d.witness()) {
            out.add("Ask the witness first: take over only if the source has lost it too.");
        }
        if (d.identity() != null) {
            out.add((d.identity().mode() == FailoverDefinition.IdentityMode.REPLACE ? "Replace" : "Add")
                    + " addresses at takeover: " + (d.identity().addresses().isEmpty() ? "none"
                            : String.join(", ", d.identity().addresses()))
                    + (d.identity().hostAlias() == null ? "" : (d.identity().takeHostName()
                            ? "; take the host name " : "; answer for the host name ") + d.identity().hostAlias()) + ".");
        } else {
            out.add("Take none of the source's addresses or names.");
        }
        if (d.exposeAt() != null) {
            out.add("Show the image at " + d.exposeAt() + " while serving.");
        }
        d.preScripts().forEach(s -> out.add("Before anything: run " + s + "."));
        d.applications().forEach(a -> out.add("Start the application '" + a.plugin() + "'"
                + (a.settings().isEmpty() ? "" : " with " + a.settings()) + "."));
        d.postScripts().forEach(s -> out.add("Once the applications are up: run " + s + "."));
        out.add("Each step may take " + d.stepTimeoutSeconds() + " s.");
        if (startNow) {
            out.add(on + "start monitoring '" + d.name() + "'.");
        }
        return out;
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
