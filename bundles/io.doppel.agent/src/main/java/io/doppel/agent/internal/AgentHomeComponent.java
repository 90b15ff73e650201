package io.doppel.agent.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.ComponentException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.doppel.agent.AgentHome;
import io.doppel.api.agent.AgentIdentity;
import io.doppel.management.Credentials;

/**
 * Takes possession of the agent's home: refuses a second agent on the same home, creates the layout,
 * the identity and the management token at first start.
 */
@Component(service = AgentHome.class, immediate = true)
public final class AgentHomeComponent implements AgentHome {

    private static final Logger LOG = LoggerFactory.getLogger(AgentHomeComponent.class);
    /** Framework property: the agent's name at first start (default: the host name). */
    public static final String NAME_PROPERTY = "doppel.name";

    private final Path root;
    private final Instant startedAt = Instant.now();
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final IdentityStore identity;
    private final Path tokenFile;

    @Activate
    public AgentHomeComponent(BundleContext context) {
        String home = context.getProperty(HOME_PROPERTY);
        if (home == null || home.isBlank()) {
            throw fatal(context, "no agent home given: start the agent with --home DIR (property " + HOME_PROPERTY
                    + ")", null);
        }
        root = Path.of(home).toAbsolutePath().normalize();
        FileChannel channel = null;
        try {
            SecureFiles.directory(root);
            SecureFiles.directory(root.resolve("run"));
            channel = FileChannel.open(root.resolve("agent.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock acquired;
            try {
                acquired = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                acquired = null;
            }
            if (acquired == null) {
                channel.close();
                throw fatal(context, "another Doppel agent is already running with home " + root + " (pid "
                        + readPid() + "); stop it first or choose another --home", null);
            }
            lockChannel = channel;
            lock = acquired;
            Files.writeString(root.resolve("run/agent.pid"), ProcessHandle.current().pid() + "\n");
            identity = IdentityStore.loadOrCreate(root.resolve("identity"), wantedName(context));
            tokenFile = root.resolve(Credentials.TOKEN_FILE);
            ensureToken(tokenFile);
        } catch (IOException e) {
            closeQuietly(channel);
            throw fatal(context, "cannot use agent home " + root + ": " + e.getMessage(), e);
        }
        LOG.info("Agent '{}' (fingerprint {}) started with home {}", identity.identity().name(),
                identity.identity().fingerprint(), root);
    }

    @Deactivate
    void deactivate() {
        try {
            Files.deleteIfExists(root.resolve("run/agent.pid"));
            lock.release();
        } catch (IOException e) {
            LOG.warn("Could not release the lock of agent home {}: {}", root, e.getMessage());
        } finally {
            closeQuietly(lockChannel);
        }
    }

    private String readPid() {
        try {
            return Files.readString(root.resolve("run/agent.pid")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String wantedName(BundleContext context) {
        String name = context.getProperty(NAME_PROPERTY);
        if (name != null && !name.isBlank()) {
            return name.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "doppel-agent";
        }
    }

    private static void ensureToken(Path file) throws IOException {
        if (Files.exists(file)) {
            Credentials.fromFile(file); // refuses a damaged token file with a readable reason
            return;
        }
        byte[] token = new byte[32];
        new SecureRandom().nextBytes(token);
        SecureFiles.writeAtomically(file, (HexFormat.of().formatHex(token) + "\n").getBytes(StandardCharsets.US_ASCII),
                true);
        LOG.info("Created management token {} (readable by this user only)", file);
    }

    /**
     * Logs a fatal start-up error. In the agent process (not in a test framework) it also ends the
     * process with exit code {@value ProcessGuard#EXIT_HOME_UNUSABLE}, so a service manager sees it.
     */
    private static ComponentException fatal(BundleContext context, String message, Throwable cause) {
        LOG.error(message);
        if (ProcessGuard.isAgentProcess(context)) {
            ProcessGuard.exitSoon(ProcessGuard.EXIT_HOME_UNUSABLE, message);
        }
        return new ComponentException(message, cause);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing lock channel", e);
            }
        }
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public Path area(String name) {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("bad state area name '" + name + "'");
        }
        try {
            return SecureFiles.directory(root.resolve("state").resolve(name));
        } catch (IOException e) {
            throw new IllegalStateException("cannot create state area " + name + " under " + root + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Path runDir() {
        return root.resolve("run");
    }

    @Override
    public AgentIdentity identity() {
        return identity.identity();
    }

    @Override
    public KeyStore keyStore() {
        return identity.keyStore();
    }

    @Override
    public char[] keyPassword() {
        return identity.password();
    }

    @Override
    public Path managementTokenFile() {
        return tokenFile;
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }
}
