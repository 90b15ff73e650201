package io.doppel.api.capture;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

import io.doppel.api.op.Op;

/** The engine's side of a capture: accepts ops in the order they happened. */
@ProviderType
public interface OpSink {

    /**
     * Takes an op; it is journaled (safe from a crash of the agent) when this returns.
     *
     * @throws CaptureException if the job cannot take it (stopped, journal unwritable)
     */
    long accept(Op op) throws CaptureException;

    /** Takes an op and completes once the target applied it (synchronous mode), or fails. */
    CompletionStage<Long> acceptAndWait(Op op);
}
