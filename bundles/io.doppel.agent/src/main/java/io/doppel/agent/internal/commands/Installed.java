package io.doppel.agent.internal.commands;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import io.doppel.api.agent.ComponentInfo;

/**
 * What is installed in this agent: the features of its installation (folders {@code id_version}
 * under {@code features/}) and its plugin bundles (Doppel's own and any bundle that declares the
 * {@value #PLUGIN_HEADER} header).
 */
final class Installed {

    /** Manifest header by which third-party bundles declare themselves Doppel plugins. */
    static final String PLUGIN_HEADER = "Doppel-Plugin";

    private final BundleContext context;

    Installed(BundleContext context) {
        this.context = context;
    }

    List<ComponentInfo> features() {
        Path dir = installArea();
        if (dir == null || !Files.isDirectory(dir.resolve("features"))) {
            return List.of();
        }
        List<ComponentInfo> result = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir.resolve("features"))) {
            entries.map(p -> p.getFileName().toString()).sorted().forEach(name -> {
                int sep = name.indexOf('_');
                if (sep > 0) {
                    result.add(new ComponentInfo(name.substring(0, sep), name.substring(sep + 1), "INSTALLED"));
                }
            });
        } catch (IOException e) {
            return List.of();
        }
        return result;
    }

    List<ComponentInfo> plugins() {
        List<ComponentInfo> result = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            String bsn = b.getSymbolicName();
            if (bsn != null && (bsn.startsWith("io.doppel.") || b.getHeaders("").get(PLUGIN_HEADER) != null)) {
                result.add(new ComponentInfo(bsn, b.getVersion().toString(), state(b.getState())));
            }
        }
        result.sort(Comparator.comparing(ComponentInfo::id));
        return result;
    }

    private Path installArea() {
        String area = context.getProperty("osgi.install.area");
        if (area == null) {
            return null;
        }
        try {
            return Path.of(new URI(area.replace(" ", "%20")));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    static String state(int state) {
        return switch (state) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.STARTING -> "STARTING";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.STOPPING -> "STOPPING";
            default -> "UNINSTALLED";
        };
    }
}
