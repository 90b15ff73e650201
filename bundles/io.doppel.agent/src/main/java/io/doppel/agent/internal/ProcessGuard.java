package io.doppel.agent.internal;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ties the OSGi framework to the life of the agent process: SIGTERM (or SIGINT) stops the framework
 * in order, so every component deactivates (sockets closed, state flushed, home unlocked) before the
 * JVM exits. Does nothing when the agent bundles run inside another framework (tests, embedding).
 */
@Component(immediate = true)
public final class ProcessGuard {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessGuard.class);

    /** Framework property set by the start script: {@code doppel.process=agent}. */
    public static final String PROCESS_PROPERTY = "doppel.process";
    /** Exit code when the home cannot be used (locked by another agent, unreadable, …). */
    public static final int EXIT_HOME_UNUSABLE = 3;
    private static final long STOP_TIMEOUT_MS = 30_000;

    private final Thread hook;

    @Activate
    public ProcessGuard(BundleContext context) {
        if (!isAgentProcess(context)) {
            hook = null;
            return;
        }
        Framework framework = (Framework) context.getBundle(0);
        hook = new Thread(() -> stopFramework(framework), "doppel-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Deactivate
    void deactivate() {
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook is running and will finish the stop
            }
        }
    }

    private static void stopFramework(Framework framework) {
        LOG.info("Agent stopping: shutdown requested by signal");
        try {
            framework.stop();
            FrameworkEvent event = framework.waitForStop(STOP_TIMEOUT_MS);
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                LOG.error("Agent did not stop within {} ms; exiting anyway", STOP_TIMEOUT_MS);
            } else {
                LOG.info("Agent stopped");
            }
        } catch (BundleException e) {
            LOG.error("Agent could not stop cleanly: {}", e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether this framework is the agent process itself. */
    public static boolean isAgentProcess(BundleContext context) {
        return "agent".equals(context.getProperty(PROCESS_PROPERTY));
    }

    /**
     * Ends the process from another thread (never from the caller's, which may hold framework
     * locks that the shutdown needs).
     */
    public static void exitSoon(int code, String reason) {
        Thread exit = new Thread(() -> {
            System.err.println("doppel-agent: " + reason);
            System.exit(code);
        }, "doppel-exit");
        exit.setDaemon(true);
        exit.start();
    }
}
