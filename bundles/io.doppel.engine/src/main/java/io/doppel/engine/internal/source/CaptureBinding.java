package io.doppel.engine.internal.source;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.Interceptor;
import io.doppel.api.job.JobDefinition;

/**
 * Picks the interceptor that captures a job's changes: the job's choice, or the best available.
 * {@link SharedCapture} starts it and feeds what it captures into the journals.
 */
final class CaptureBinding {

    /** A job that takes changes only through the engine's API. */
    static final String NONE = "none";

    private CaptureBinding() {
    }

    /**
     * The interceptor a job should use, or empty if it uses none or its choice is not (yet) installed
     * (interceptors register as their bundles start); throws if its choice is installed but cannot run.
     */
    static Optional<Interceptor> choose(JobDefinition d, List<Interceptor> installed) throws CaptureException {
        if (NONE.equals(d.interceptor())) {
            return Optional.empty();
        }
        if (d.interceptor() != null) {
            Optional<Interceptor> found = installed.stream().filter(i -> i.id().equals(d.interceptor())).findFirst();
            if (found.isEmpty()) {
                return Optional.empty();
            }
            Interceptor chosen = found.get();
            if (!chosen.availability().available()) {
                throw new CaptureException("interceptor '" + chosen.id() + "' cannot run here: "
                        + chosen.availability().reason());
            }
            return Optional.of(chosen);
        }
        // Automatic: prefer byte-level and ordered capture when it can run here.
        return installed.stream().filter(i -> i.availability().available())
                .max(Comparator.comparing((Interceptor i) -> i.guarantees().byteLevel())
                        .thenComparing(i -> i.guarantees().totalOrder()));
    }

    static String ids(List<Interceptor> installed) {
        return installed.isEmpty() ? "none" : String.join(", ", installed.stream().map(Interceptor::id).toList());
    }
}
