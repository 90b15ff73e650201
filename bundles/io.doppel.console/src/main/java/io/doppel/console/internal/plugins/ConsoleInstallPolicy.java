package io.doppel.console.internal.plugins;

import org.eclipse.equinox.p2.engine.query.UserVisibleRootQuery;
import org.eclipse.equinox.p2.metadata.IInstallableUnit;
import org.eclipse.equinox.p2.query.IQuery;
import org.eclipse.equinox.p2.query.QueryUtil;
import org.eclipse.equinox.p2.ui.Policy;
import org.osgi.service.component.annotations.Component;

/**
 * The p2 UI's policy in the console: Help ▸ Install New Software… offers what can run in the
 * console, not what belongs in agents. Doppel's features say where they run by the property
 * {@value #ROLE} ({@code agent} or {@code console}, from each feature's p2.inf); the features marked
 * {@code agent} (the agent and every plugin that builds on it) are not offered, because installing
 * one here would bring the agent's bundles into the console. Agents get them through Server ▸
 * Plugins… instead. Otherwise it is the SDK's policy: feature groups are offered, the installed
 * roots are listed, and the sites are managed on the SDK's Available Software Sites page.
 * <p>
 * It replaces the SDK's policy by its ranking. It is made only when p2's UI asks for it, and making
 * it touches nothing else, so p2 starts no earlier than before.
 */
@Component(service = Policy.class, property = "service.ranking:Integer=100")
public final class ConsoleInstallPolicy extends Policy {

    /** The feature property that says where a feature runs. */
    public static final String ROLE = "io.doppel.role";

    /** Installable units that are not for agents only. */
    public static final IQuery<IInstallableUnit> NOT_FOR_AGENTS = QueryUtil.createMatchQuery("properties[$0] != $1",
            ROLE, "agent");

    public ConsoleInstallPolicy() {
        setVisibleAvailableIUQuery(QueryUtil.createCompoundQuery(QueryUtil.createIUGroupQuery(), NOT_FOR_AGENTS, true));
        setVisibleInstalledIUQuery(new UserVisibleRootQuery());
        setRepositoryPreferencePageId("org.eclipse.equinox.internal.p2.ui.sdk.SitesPreferencePage");
        setRepositoryPreferencePageName("Available Software Sites");
    }
}
