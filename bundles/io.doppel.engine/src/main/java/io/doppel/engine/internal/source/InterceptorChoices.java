package io.doppel.engine.internal.source;

import java.util.List;
import java.util.Optional;

import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.Interceptor;
import io.doppel.api.job.JobDefinition;

/** The interceptors installed on this agent as an admin chooses among them when defining a job. */
public final class InterceptorChoices {

    /**
     * One interceptor.
     *
     * @param id          what a job definition names
     * @param available   whether it can run here now
     * @param reason      if not, why (and what would fix it); else "available"
     * @param byteLevel   writes are seen with their offset and bytes
     * @param totalOrder  ops of different files come in the order they happened
     * @param synchronous it can hold a write until the target applied it
     * @param limitations in words, what it does not see or promise
     * @param best        whether a job that names no interceptor would use this one
     */
    public record Choice(String id, boolean available, String reason, boolean byteLevel, boolean totalOrder,
            boolean synchronous, String limitations, boolean best) {
    }

    private InterceptorChoices() {
    }

    public static List<Choice> of(List<Interceptor> installed) {
        String best = best(installed).map(Interceptor::id).orElse(null);
        return installed.stream().map(i -> {
            var a = i.availability();
            var g = i.guarantees();
            return new Choice(i.id(), a.available(), a.reason(), g.byteLevel(), g.totalOrder(), g.synchronous(),
                    g.limitations(), i.id().equals(best));
        }).sorted(java.util.Comparator.comparing(Choice::id)).toList();
    }

    /** The one a job that names none would get: the same choice the job makes when it starts. */
    private static Optional<Interceptor> best(List<Interceptor> installed) {
        JobDefinition automatic = new JobDefinition("preview", "/", "preview:0", null, null, false, null, null, null,
                0, List.of(), 0);
        try {
            return CaptureBinding.choose(automatic, installed);
        } catch (CaptureException e) {
            return Optional.empty(); // only a named choice throws
        }
    }
}
