package io.doppel.api.failover.app;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/** Runs a program to its end, for plugins that drive services and shells. */
@ProviderType
public interface CommandRunner {

    /**
     * What a program printed and how it ended.
     *
     * @param exitCode its exit code, or -1 if it was killed at the timeout
     * @param output   standard output and error, interleaved, at most 64 KiB (the end)
     */
    record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * Runs {@code command} with extra environment variables and waits for it up to {@code timeout}
     * (then kills it).
     *
     * @throws ApplicationException if it cannot be started at all
     */
    Result run(List<String> command, Map<String, String> environment, Duration timeout) throws ApplicationException;
}
