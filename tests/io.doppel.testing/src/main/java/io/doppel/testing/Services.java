package io.doppel.testing;

import java.time.Duration;

import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/** Waiting for an OSGi service in integration tests. */
public final class Services {

    private Services() {
    }

    /** The service of that type, once it is registered; fails after {@code timeout}. */
    public static <T> T await(BundleContext context, Class<T> type, Duration timeout) {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            T service = tracker.waitForService(timeout.toMillis());
            if (service == null) {
                throw new AssertionError("no " + type.getName() + " service within " + timeout.toSeconds() + " s");
            }
            return service;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + type.getName(), e);
        }
    }
}
