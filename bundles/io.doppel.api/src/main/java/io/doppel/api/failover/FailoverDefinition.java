package io.doppel.api.failover;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How a target agent watches one source and takes over from it: which image it serves, which
 * addresses it probes and when it calls the source lost, whether it waits for the admin, and the
 * takeover plan (scripts, identity, application plugins).
 *
 * @param name               the failover's name (1-64 letters, digits, '.', '_', '-')
 * @param source             the source agent's peer name on this target (the folder of its images)
 * @param image              the image the source's job feeds (the job's image name)
 * @param addresses          the source's addresses to probe (IP addresses or host names), at least one
 * @param agentPort          the source agent's management port: a connection there shows the agent alive; a
 *                           refusal shows the host alive without its agent (0: no agent probe)
 * @param hostPorts          TCP ports that show the host alive when anything answers, even a refusal
 * @param icmp               also probe by ICMP echo
 * @param intervalMillis     time between probe rounds (200-60000)
 * @param misses             consecutive missed rounds before an address counts as lost (1-100)
 * @param trigger            the source is lost when {@link Trigger#ANY any} or only when {@link Trigger#ALL all} its
 *                           addresses are lost
 * @param mode               {@link Mode#MANUAL}: raise the alert and wait for the admin; {@link Mode#AUTOMATIC}: take over
 * @param identity           what of the source's identity the target takes; {@code null} for none
 * @param preScripts         commands run before anything else (each an executable path and its arguments, split on
 *                           spaces)
 * @param postScripts        commands run once the applications are up
 * @param applications       application plugins to start on the image, in order
 * @param stepTimeoutSeconds the time each step of the plan may take (1-3600)
 * @param exposeAt           where the image appears (bind-mounted) while the target serves it, for applications that
 *                           expect the source's paths; {@code null} to serve it where it is
 * @param witness            ask the agent's witness before a takeover (since 1.1): the source must be gone
 *                           there too, and a target that cannot reach the witness never takes over by itself
 * @param maxBehindOps       the most changes the replica may be known to lack (the source's journal as last heard
 *                           against what the image holds) for a takeover to go ahead without the admin's word
 *                           (since 1.2): 0, the default, never promotes a replica known to be behind; -1 sets no bound
 */
public record FailoverDefinition(String name, String source, String image, List<String> addresses, int agentPort,
        List<Integer> hostPorts, boolean icmp, int intervalMillis, int misses, Trigger trigger, Mode mode,
        Identity identity, List<String> preScripts, List<String> postScripts, List<Application> applications,
        int stepTimeoutSeconds, String exposeAt, boolean witness, long maxBehindOps) {

    /** No bound on how far behind the replica may be when it takes over. */
    public static final long ANY_BEHIND = -1;

    /** A definition as version 1.1 knew it: a replica known to be behind is never promoted by itself. */
    public FailoverDefinition(String name, String source, String image, List<String> addresses, int agentPort,
            List<Integer> hostPorts, boolean icmp, int intervalMillis, int misses, Trigger trigger, Mode mode,
            Identity identity, List<String> preScripts, List<String> postScripts, List<Application> applications,
            int stepTimeoutSeconds, String exposeAt, boolean witness) {
        this(name, source, image, addresses, agentPort, hostPorts, icmp, intervalMillis, misses, trigger, mode,
                identity, preScripts, postScripts, applications, stepTimeoutSeconds, exposeAt, witness, 0);
    }

    /** A definition without a witness, as version 1.0 knew it. */
    public FailoverDefinition(String name, String source, String image, List<String> addresses, int agentPort,
            List<Integer> hostPorts, boolean icmp, int intervalMillis, int misses, Trigger trigger, Mode mode,
            Identity identity, List<String> preScripts, List<String> postScripts, List<Application> applications,
            int stepTimeoutSeconds, String exposeAt) {
        this(name, source, image, addresses, agentPort, hostPorts, icmp, intervalMillis, misses, trigger, mode,
                identity, preScripts, postScripts, applications, stepTimeoutSeconds, exposeAt, false, 0);
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** When the source counts as lost. */
    public enum Trigger {
        /** When any one of its addresses is lost. */
        ANY,
        /** Only when every one of its addresses is lost. */
        ALL
    }

    /** Who decides to take over. */
    public enum Mode {
        MANUAL, AUTOMATIC
    }

    /**
     * The source's identity that the target takes.
     *
     * @param mode      {@link IdentityMode#ADD}: the target keeps its own addresses; {@link IdentityMode#REPLACE}: the
     *                  target's other addresses on the interfaces named are removed while it serves
     * @param addresses addresses to bring up, each {@code ADDRESS/PREFIX@INTERFACE} (e.g. {@code 10.0.0.10/24@eth0})
     * @param hostAlias the source's host name, answered for the first address in the hosts file while the target
     *                  serves; {@code null} for none
     * @param takeHostName the target's own host name becomes {@code hostAlias} while it serves, and is given back
     *                  at fail-back (since 1.2)
     */
    public record Identity(IdentityMode mode, List<String> addresses, String hostAlias, boolean takeHostName) {
        public Identity {
            mode = mode == null ? IdentityMode.ADD : mode;
            addresses = addresses == null ? List.of() : List.copyOf(addresses);
            hostAlias = hostAlias == null || hostAlias.isBlank() ? null : hostAlias.strip();
        }

        /** An identity as version 1.1 knew it: the target keeps its own host name. */
        public Identity(IdentityMode mode, List<String> addresses, String hostAlias) {
            this(mode, addresses, hostAlias, false);
        }
    }

    public enum IdentityMode {
        ADD, REPLACE
    }

    /**
     * An application plugin to start on the image.
     *
     * @param plugin   the plugin's id ({@code doppel failover plugins} lists them)
     * @param settings the plugin's settings (its documentation names them)
     */
    public record Application(String plugin, Map<String, String> settings) {
        public Application {
            settings = settings == null ? Map.of() : Map.copyOf(settings);
        }
    }

    public FailoverDefinition {
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
        hostPorts = hostPorts == null ? List.of() : List.copyOf(hostPorts);
        intervalMillis = intervalMillis == 0 ? 1000 : intervalMillis;
        misses = misses == 0 ? 3 : misses;
        trigger = trigger == null ? Trigger.ALL : trigger;
        mode = mode == null ? Mode.MANUAL : mode;
        preScripts = preScripts == null ? List.of() : List.copyOf(preScripts);
        postScripts = postScripts == null ? List.of() : List.copyOf(postScripts);
        applications = applications == null ? List.of() : List.copyOf(applications);
        stepTimeoutSeconds = stepTimeoutSeconds == 0 ? 60 : stepTimeoutSeconds;
        exposeAt = exposeAt == null || exposeAt.isBlank() ? null : exposeAt.strip();
    }

    /**
     * Checks the definition; the message names the field and the reason.
     *
     * @throws IllegalArgumentException if a field is wrong
     */
    public FailoverDefinition validate() {
        check(name != null && NAME.matcher(name).matches(), "name", "must be 1-64 letters, digits, '.', '_' or '-'");
        check(source != null && NAME.matcher(source).matches(), "source", "must name the source agent as paired here "
                + "(doppel peer list)");
        check(image != null && NAME.matcher(image).matches(), "image", "must name the image the source's job feeds");
        check(!addresses.isEmpty(), "addresses", "needs at least one address of the source to probe");
        for (String a : addresses) {
            check(a != null && !a.isBlank() && a.length() <= 253 && a.matches("[A-Za-z0-9.:_%\\[\\]-]+"), "addresses",
                    "'" + a + "' is not a host name or IP address");
        }
        check(agentPort >= 0 && agentPort <= 65535, "agentPort", "must be 0-65535");
        for (Integer p : hostPorts) {
            check(p != null && p > 0 && p <= 65535, "hostPorts", "must be ports 1-65535");
        }
        check(agentPort > 0 || !hostPorts.isEmpty() || icmp, "agentPort", "no probe: give agentPort, hostPorts or icmp");
        check(intervalMillis >= 200 && intervalMillis <= 60_000, "intervalMillis", "must be 200-60000");
        check(misses >= 1 && misses <= 100, "misses", "must be 1-100");
        check(stepTimeoutSeconds >= 1 && stepTimeoutSeconds <= 3600, "stepTimeoutSeconds", "must be 1-3600");
        if (identity != null) {
            for (String a : identity.addresses()) {
                check(a != null && a.matches("[0-9A-Fa-f.:]+/[0-9]{1,3}@[A-Za-z0-9._-]{1,15}"), "identity.addresses",
                        "'" + a + "' must be ADDRESS/PREFIX@INTERFACE, e.g. 10.0.0.10/24@eth0");
            }
            check(identity.hostAlias() == null || identity.hostAlias().matches("[A-Za-z0-9][A-Za-z0-9.-]{0,252}"),
                    "identity.hostAlias", "'" + identity.hostAlias() + "' is not a host name");
            check(!identity.takeHostName() || identity.hostAlias() != null && identity.hostAlias().length() <= 64,
                    "identity.takeHostName", "needs a hostAlias of at most 64 characters: the host name to take");
            check(identity.hostAlias() == null || !identity.addresses().isEmpty(), "identity.hostAlias",
                    "a host alias needs an address to answer for");
        }
        for (String s : preScripts) {
            check(s != null && s.strip().startsWith("/"), "preScripts", "'" + s + "' must start with an absolute path");
        }
        for (String s : postScripts) {
            check(s != null && s.strip().startsWith("/"), "postScripts", "'" + s + "' must start with an absolute path");
        }
        for (Application a : applications) {
            check(a != null && a.plugin() != null && NAME.matcher(a.plugin()).matches(), "applications",
                    "each needs a plugin id");
        }
        check(exposeAt == null || exposeAt.startsWith("/"), "exposeAt", "must be an absolute path");
        check(maxBehindOps >= ANY_BEHIND, "maxBehindOps", "must be 0 or more changes, or -1 for no bound");
        return this;
    }

    private static void check(boolean ok, String field, String reason) {
        if (!ok) {
            throw new IllegalArgumentException("failover definition: " + field + " " + reason);
        }
    }
}
