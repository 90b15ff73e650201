package io.doppel.failover.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.ApplicationFailover;
import io.doppel.api.failover.app.Availability;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.Health;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * The generic application plugin ({@code script}): the admin's own commands start, check and stop
 * the application. Each runs with {@code DOPPEL_DATA} (where the replicated data is) and
 * {@code DOPPEL_FAILOVER} set.
 */
@Component(service = ApplicationFailover.class)
public final class ScriptApplication implements ApplicationFailover {

    @Override
    public String id() {
        return "script";
    }

    @Override
    public String description() {
        return "Any application, started, checked and stopped by the admin's own commands";
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("start", "command that starts the application (required; absolute path, arguments split on spaces)");
        s.put("health", "command whose exit code 0 means the application serves (default: none, start's success)");
        s.put("stop", "command that stops the application (default: none)");
        s.put("paths", "paths the application needs protected, comma-separated (default: all)");
        return s;
    }

    @Override
    public Availability availability() {
        return Availability.yes();
    }

    @Override
    public List<String> protectedPaths(Map<String, String> settings) {
        String paths = settings.getOrDefault("paths", "");
        return paths.isBlank() ? List.of("") : List.of(paths.split("\\s*,\\s*"));
    }

    @Override
    public void prepare(TakeoverContext context) throws ApplicationException {
        String start = context.settings().get("start");
        if (start == null || !start.strip().startsWith("/")) {
            throw new ApplicationException("the script plugin needs a 'start' setting that begins with an absolute path");
        }
    }

    @Override
    public void takeOver(TakeoverContext context) throws ApplicationException {
        CommandRunner.Result r = run(context, context.settings().get("start"));
        if (!r.ok()) {
            throw new ApplicationException("start command ended with " + r.exitCode() + ": " + r.output());
        }
    }

    @Override
    public Health health(TakeoverContext context) {
        String health = context.settings().get("health");
        if (health == null || health.isBlank()) {
            return Health.up("started (no health command)");
        }
        try {
            CommandRunner.Result r = run(context, health);
            return r.ok() ? Health.up("health command succeeded") : Health.down("health command ended with "
                    + r.exitCode() + ": " + r.output());
        } catch (ApplicationException e) {
            return Health.down(e.getMessage());
        }
    }

    @Override
    public void release(TakeoverContext context) throws ApplicationException {
        String stop = context.settings().get("stop");
        if (stop == null || stop.isBlank()) {
            return;
        }
        CommandRunner.Result r = run(context, stop);
        if (!r.ok()) {
            throw new ApplicationException("stop command ended with " + r.exitCode() + ": " + r.output());
        }
    }

    private static CommandRunner.Result run(TakeoverContext context, String command) throws ApplicationException {
        Duration left = Duration.between(Instant.now(), context.deadline());
        if (left.isNegative() || left.isZero()) {
            throw new ApplicationException("no time left in the step for " + command);
        }
        return context.commands().run(new ArrayList<>(List.of(command.strip().split("\\s+"))), Map.of("DOPPEL_DATA",
                context.dataRoot().toString(), "DOPPEL_FAILOVER", context.failover()), left);
    }
}
