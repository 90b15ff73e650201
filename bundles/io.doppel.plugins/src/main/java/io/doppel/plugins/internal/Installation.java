package io.doppel.plugins.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.MultiStatus;
import org.eclipse.core.runtime.NullProgressMonitor;
import org.eclipse.equinox.internal.provisional.configurator.Configurator;
import org.eclipse.equinox.p2.core.IProvisioningAgent;
import org.eclipse.equinox.p2.core.IProvisioningAgentProvider;
import org.eclipse.equinox.p2.core.ProvisionException;
import org.eclipse.equinox.p2.engine.IProfile;
import org.eclipse.equinox.p2.engine.IProfileRegistry;
import org.eclipse.equinox.p2.engine.ProvisioningContext;
import org.eclipse.equinox.p2.metadata.IInstallableUnit;
import org.eclipse.equinox.p2.operations.InstallOperation;
import org.eclipse.equinox.p2.operations.ProfileChangeOperation;
import org.eclipse.equinox.p2.operations.ProvisioningJob;
import org.eclipse.equinox.p2.operations.ProvisioningSession;
import org.eclipse.equinox.p2.operations.UninstallOperation;
import org.eclipse.equinox.p2.query.IQueryResult;
import org.eclipse.equinox.p2.query.QueryUtil;
import org.eclipse.equinox.p2.repository.metadata.IMetadataRepository;
import org.eclipse.equinox.p2.repository.metadata.IMetadataRepositoryManager;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This agent's installation as p2 sees it: the profile the product was built with, whose feature
 * plugins can be listed, installed from an update site and removed. A change is written to the
 * installation (plugins, features, the bundle list every agent of the installation starts from) and
 * applied to the running framework at once.
 */
final class Installation {

    private static final Logger LOG = LoggerFactory.getLogger(Installation.class);
    private static final String GROUP = ".feature.group";
    /** The agent's feature group: plugins for agents build on it. */
    private static final String AGENT = "io.doppel.agent.feature" + GROUP;

    /** A feature plugin: {@code installed} is the version this installation has, or null. */
    record Feature(String id, String name, String version, String description, boolean doppel, String installed) { }

    record Listing(String installFolder, boolean writable, String profile, List<Feature> features) { }

    record Available(String repository, List<Feature> features) { }

    /** What an install or removal did, with the bundles it started or stopped in the running agent. */
    record Outcome(String action, List<Feature> features, List<String> bundles, boolean restartNeeded,
            String message) { }

    private final BundleContext context;
    private final IProvisioningAgentProvider provider;
    private IProvisioningAgent agent;

    Installation(BundleContext context, IProvisioningAgentProvider provider) {
        this.context = context;
        this.provider = provider;
    }

    private synchronized IProvisioningAgent agent() {
        if (agent == null) {
            try {
                agent = provider.createAgent(null);
            } catch (ProvisionException e) {
                throw new IllegalStateException("the installation's provisioning data cannot be read: "
                        + e.getMessage());
            }
            if (agent == null) {
                throw new IllegalStateException("this agent runs without provisioning data (eclipse.p2.data.area); "
                        + "start it with bin/doppel-agent of a complete installation");
            }
        }
        return agent;
    }

    private IProfile profile() {
        IProfileRegistry registry = agent().getService(IProfileRegistry.class);
        IProfile profile = registry == null ? null : registry.getProfile(IProfileRegistry.SELF);
        if (profile == null) {
            throw new IllegalStateException("this agent's installation has no provisioning profile ('"
                    + context.getProperty("eclipse.p2.profile") + "' in " + context.getProperty("eclipse.p2.data.area")
                    + "); plugins can be installed only into an installation unpacked from the agent's archive");
        }
        return profile;
    }

    synchronized Listing list() {
        IProfile profile = profile();
        List<Feature> features = new ArrayList<>();
        for (IInstallableUnit iu : groups(profile.query(QueryUtil.createIUGroupQuery(), null))) {
            features.add(feature(iu, iu.getVersion().toString()));
        }
        Path folder = installFolder(profile);
        return new Listing(folder.toString(), Files.isWritable(folder), profile.getProfileId(), features);
    }

    synchronized Available available(String repository) {
        URI uri = location(repository);
        IProfile profile = profile();
        List<Feature> features = new ArrayList<>();
        withRepository(uri, repo -> {
            Set<String> forAgents = forAgents(repo);
            for (IInstallableUnit iu : groups(repo.query(QueryUtil.createLatestQuery(QueryUtil.createIUGroupQuery()),
                    null))) {
                if (forAgents.contains(iu.getId())) {
                    features.add(feature(iu, installed(profile, iu.getId())));
                }
            }
            return null;
        });
        return new Available(uri.toString(), features);
    }

    synchronized Outcome install(String repository, List<String> ids) {
        URI uri = location(repository);
        IProfile profile = profile();
        requireWritable(profile);
        return withRepository(uri, repo -> {
            List<IInstallableUnit> units = new ArrayList<>();
            for (String id : ids) {
                IQueryResult<IInstallableUnit> found = repo.query(
                        QueryUtil.createLatestQuery(QueryUtil.createIUQuery(groupId(id))), null);
                if (found.isEmpty()) {
                    List<String> offered = groups(repo.query(QueryUtil.createIUGroupQuery(), null)).stream()
                            .map(iu -> featureId(iu.getId())).distinct().toList();
                    throw new IllegalArgumentException("features: the update site " + uri + " has no feature '"
                            + featureId(id) + "'; it offers " + (offered.isEmpty() ? "none" : String.join(", ", offered)));
                }
                IInstallableUnit unit = found.iterator().next();
                if (!forAgents(repo).contains(unit.getId())) {
                    throw new IllegalArgumentException("features: '" + featureId(id) + "' is not a plugin for agents "
                            + "(it does not build on " + featureId(AGENT) + "); doppel plugin available lists those");
                }
                units.add(unit);
            }
            ProvisioningSession session = new ProvisioningSession(agent());
            InstallOperation operation = new InstallOperation(session, units);
            operation.setProfileId(profile.getProfileId());
            ProvisioningContext pc = new ProvisioningContext(agent());
            pc.setMetadataRepositories(uri);
            pc.setArtifactRepositories(uri);
            operation.setProvisioningContext(pc);
            List<Feature> features = units.stream().map(iu -> feature(iu, installed(profile, iu.getId()))).toList();
            if (features.stream().allMatch(f -> f.version().equals(f.installed()))) {
                return new Outcome("install", features, List.of(), false, "already installed; nothing changed");
            }
            LOG.info("Installing {} from {}", ids, uri);
            List<String> bundles = perform(operation, "installed");
            List<Feature> now = units.stream().map(iu -> feature(iu, installed(profile(), iu.getId()))).toList();
            return outcome("install", now, bundles);
        });
    }

    synchronized Outcome remove(List<String> ids) {
        IProfile profile = profile();
        requireWritable(profile);
        Set<String> shipped = shipped(profile);
        List<IInstallableUnit> units = new ArrayList<>();
        for (String id : ids) {
            IQueryResult<IInstallableUnit> found = profile.query(QueryUtil.createIUQuery(groupId(id)), null);
            if (found.isEmpty()) {
                throw new java.util.NoSuchElementException("this installation has no feature '" + featureId(id)
                        + "' (doppel plugin list shows what it has)");
            }
            IInstallableUnit iu = found.iterator().next();
            if (shipped.contains(iu.getId())
                    || !"true".equals(profile.getInstallableUnitProperty(iu, IProfile.PROP_PROFILE_ROOT_IU))) {
                throw new IllegalArgumentException("features: '" + featureId(id) + "' is part of the agent itself "
                        + "or of another plugin; it cannot be removed on its own (only plugins added with "
                        + "doppel plugin install can)");
            }
            units.add(iu);
        }
        UninstallOperation operation = new UninstallOperation(new ProvisioningSession(agent()), units);
        operation.setProfileId(profile.getProfileId());
        List<Feature> features = units.stream().map(iu -> feature(iu, null)).toList();
        LOG.info("Removing {}", ids);
        return outcome("remove", features, perform(operation, "removed"));
    }

    private Outcome outcome(String action, List<Feature> features, List<String> bundles) {
        boolean applied = bundles != null;
        String message = applied ? (action.equals("install") ? "installed and started in this agent; every agent of "
                + "this installation has it from its next start" : "removed from this agent and its installation")
                : action + " done in the installation; restart the agent to apply it (it could not be applied "
                        + "while running)";
        return new Outcome(action, features, applied ? bundles : List.of(), !applied, message);
    }

    /** Resolves and runs {@code operation}, then applies the new bundle list; the bundles it changed, or null if not applied. */
    private List<String> perform(ProfileChangeOperation operation, String verb) {
        NullProgressMonitor monitor = new NullProgressMonitor();
        IStatus resolved = operation.resolveModal(monitor);
        if (resolved.getSeverity() == IStatus.ERROR || resolved.getSeverity() == IStatus.CANCEL) {
            String details = operation.getResolutionDetails();
            throw new IllegalStateException("the plugins cannot be " + verb + ": "
                    + (details == null || details.isBlank() ? flatten(resolved) : details.strip()));
        }
        ProvisioningJob job = operation.getProvisioningJob(monitor);
        if (job == null) {
            throw new IllegalStateException("the plugins cannot be " + verb + ": " + flatten(resolved));
        }
        IStatus done = job.runModal(monitor);
        if (done.getSeverity() == IStatus.ERROR || done.getSeverity() == IStatus.CANCEL) {
            throw new IllegalStateException("the plugins could not be " + verb + ": " + flatten(done)
                    + "; the installation is as it was");
        }
        return apply();
    }

    /** Makes the running framework match the installation's bundle list; the bundles that changed, or null. */
    private List<String> apply() {
        ServiceReference<Configurator> ref = context.getServiceReference(Configurator.class);
        Configurator configurator = ref == null ? null : context.getService(ref);
        if (configurator == null) {
            return null;
        }
        Set<String> before = new HashSet<>();
        for (Bundle b : context.getBundles()) {
            before.add(b.getSymbolicName() + " " + b.getVersion() + " " + state(b));
        }
        try {
            configurator.applyConfiguration();
        } catch (IOException e) {
            LOG.warn("The new bundle list could not be applied while running: {}", e.toString());
            return null;
        } finally {
            context.ungetService(ref);
        }
        List<String> changed = new ArrayList<>();
        Set<String> after = new HashSet<>();
        for (Bundle b : context.getBundles()) {
            String line = b.getSymbolicName() + " " + b.getVersion() + " " + state(b);
            after.add(line);
            if (!before.contains(line)) {
                changed.add(line);
            }
        }
        for (String line : before) {
            if (!after.contains(line) && after.stream().noneMatch(a -> a.startsWith(line.substring(0,
                    line.lastIndexOf(' ')) + " "))) {
                changed.add(line.substring(0, line.lastIndexOf(' ')) + " uninstalled");
            }
        }
        changed.sort(Comparator.naturalOrder());
        return changed;
    }

    private static String state(Bundle b) {
        return switch (b.getState()) {
            case Bundle.ACTIVE -> "active";
            case Bundle.STARTING -> "starting";
            case Bundle.RESOLVED -> "resolved";
            case Bundle.INSTALLED -> "installed";
            default -> "stopping";
        };
    }

    @FunctionalInterface
    private interface WithRepository<T> {
        T run(IMetadataRepository repository);
    }

    /** Loads the update site at {@code uri} for one call, and forgets it afterwards unless it was known before. */
    private <T> T withRepository(URI uri, WithRepository<T> body) {
        IMetadataRepositoryManager manager = agent().getService(IMetadataRepositoryManager.class);
        boolean known = manager.contains(uri);
        try {
            IMetadataRepository repository;
            try {
                repository = manager.loadRepository(uri, new NullProgressMonitor());
            } catch (ProvisionException e) {
                throw new IllegalArgumentException("repository: no update site can be read at " + uri + " ("
                        + e.getMessage() + "); give the URL or absolute path of a Doppel update site");
            }
            return body.run(repository);
        } finally {
            if (!known) {
                manager.removeRepository(uri);
                var artifacts = agent().getService(
                        org.eclipse.equinox.p2.repository.artifact.IArtifactRepositoryManager.class);
                if (artifacts != null) {
                    artifacts.removeRepository(uri);
                }
            }
        }
    }

    private static URI location(String repository) {
        String r = repository.strip();
        try {
            if (r.startsWith("/")) {
                return Path.of(r).toUri();
            }
            URI uri = new URI(r);
            if (uri.getScheme() == null || !List.of("file", "http", "https", "jar").contains(
                    uri.getScheme().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("repository: '" + repository + "' is neither an absolute path "
                        + "nor a file:, http: or https: URL of an update site");
            }
            return uri;
        } catch (java.net.URISyntaxException | java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("repository: '" + repository + "' is not a URL or path ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * The feature groups of the installation as the product was built: those of the profile's first
     * state that has any (the build writes a few states, the first ones empty).
     */
    private Set<String> shipped(IProfile profile) {
        IProfileRegistry registry = agent().getService(IProfileRegistry.class);
        long[] times = registry.listProfileTimestamps(profile.getProfileId());
        java.util.Arrays.sort(times);
        for (long t : times) {
            IProfile state = registry.getProfile(profile.getProfileId(), t);
            if (state == null) {
                continue;
            }
            Set<String> ids = new HashSet<>();
            for (IInstallableUnit iu : groups(state.query(QueryUtil.createIUGroupQuery(), null))) {
                ids.add(iu.getId());
            }
            if (!ids.isEmpty()) {
                return ids;
            }
        }
        return Set.of();
    }

    /**
     * The feature groups of {@code repo} an agent can take: the agent's own and those that build on
     * it (require it). The console's features, for one, do not.
     */
    private static Set<String> forAgents(IMetadataRepository repo) {
        Set<String> ids = new HashSet<>();
        for (IInstallableUnit agentGroup : repo.query(QueryUtil.createIUQuery(AGENT), null)) {
            ids.add(agentGroup.getId());
            for (IInstallableUnit iu : repo.query(QueryUtil.createMatchQuery("requirements.exists(rc | $0 ~= rc)",
                    agentGroup), null)) {
                ids.add(iu.getId());
            }
        }
        return ids;
    }

    private static Path installFolder(IProfile profile) {
        String folder = profile.getProperty(IProfile.PROP_INSTALL_FOLDER);
        return Path.of(folder == null ? "." : folder).toAbsolutePath();
    }

    private void requireWritable(IProfile profile) {
        Path folder = installFolder(profile);
        for (Path p : List.of(folder, folder.resolve("plugins"), folder.resolve("configuration"))) {
            if (Files.isDirectory(p) && !Files.isWritable(p)) {
                throw new IllegalStateException("the installation folder " + p + " is not writable by the agent's "
                        + "user (" + System.getProperty("user.name") + "); run the agent as the installation's owner "
                        + "to install or remove plugins");
            }
        }
    }

    private static List<IInstallableUnit> groups(IQueryResult<IInstallableUnit> result) {
        List<IInstallableUnit> out = new ArrayList<>();
        for (IInstallableUnit iu : result) {
            if (iu.getId().endsWith(GROUP)) {
                out.add(iu);
            }
        }
        out.sort(Comparator.comparing(IInstallableUnit::getId));
        return out;
    }

    private static String installed(IProfile profile, String groupId) {
        IQueryResult<IInstallableUnit> found = profile.query(QueryUtil.createIUQuery(groupId), null);
        return found.isEmpty() ? null : found.iterator().next().getVersion().toString();
    }

    private static Feature feature(IInstallableUnit iu, String installed) {
        String id = featureId(iu.getId());
        String name = iu.getProperty(IInstallableUnit.PROP_NAME, null);
        String description = iu.getProperty(IInstallableUnit.PROP_DESCRIPTION, null);
        return new Feature(id, name == null ? id : name, iu.getVersion().toString(),
                description == null ? "" : description.strip().replaceAll("\\s+", " "), id.startsWith("io.doppel."),
                installed);
    }

    private static String groupId(String id) {
        return id.endsWith(GROUP) ? id : id + GROUP;
    }

    private static String featureId(String id) {
        return id.endsWith(GROUP) ? id.substring(0, id.length() - GROUP.length()) : id;
    }

    private static String flatten(IStatus status) {
        StringBuilder b = new StringBuilder(status.getMessage());
        if (status instanceof MultiStatus m) {
            for (IStatus child : m.getChildren()) {
                if (child.getSeverity() >= IStatus.WARNING) {
                    b.append("; ").append(flatten(child));
                }
            }
        }
        if (status.getException() != null && status.getException().getMessage() != null) {
            b.append(" (").append(status.getException().getMessage()).append(')');
        }
        return b.toString();
    }
}
