package io.doppel.failover.app.windows.sqlserver.internal;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.ApplicationFailover;
import io.doppel.api.failover.app.Availability;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.Health;
import io.doppel.api.failover.app.TakeoverContext;
import io.doppel.failover.app.windows.Deadline;

/**
 * The {@code sqlserver} application plugin: a SQL Server instance installed on the Windows target
 * with its data and log folders in the image. Takeover makes sure the instance is stopped and set
 * to manual start, starts the engine, waits until every database has recovered and is ONLINE, then
 * starts SQL Server Agent; release stops them in reverse.
 */
@Component(service = ApplicationFailover.class)
public final class SqlServerFailover implements ApplicationFailover {

    @Override
    public String id() {
        return "sqlserver";
    }

    @Override
    public String description() {
        return "Microsoft SQL Server on Windows: the instance's services, started once its databases are ONLINE";
    }

    @Override
    public Map<String, String> settings() {
        return SqlServerSettings.descriptions();
    }

    @Override
    public Availability availability() {
        return availability(System.getProperty("os.name", ""));
    }

    static Availability availability(String osName) {
        return osName.startsWith("Windows") ? Availability.yes()
                : Availability.no("SQL Server failover runs only on Windows, and this agent runs on " + osName
                        + ": install the plugin on the agent of a Windows target that has SQL Server");
    }

    /** @throws IllegalArgumentException if {@code paths} names a folder outside the image */
    @Override
    public List<String> protectedPaths(Map<String, String> settings) {
        try {
            List<String> paths = SqlServerSettings.of(settings).paths();
            return paths.isEmpty() ? List.of("") : paths;
        } catch (ApplicationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public void prepare(TakeoverContext context) throws ApplicationException {
        Call call = new Call(context);
        SqlServerSettings s = call.settings();
        for (String path : s.paths()) {
            if (!Files.isDirectory(context.dataRoot().resolve(path))) {
                throw new ApplicationException("folder " + path + " is not in the image at " + context.dataRoot()
                        + ": add it to the source's job, or correct sqlserver.paths");
            }
        }
        Services services = new Services(call);
        Services.State engine = present(services.query(s.engineService()), s);
        if (s.agent()) {
            present(services.query(s.agentService()), s);
        }
        try {
            call.run("find sqlcmd", List.of(s.sqlcmd(), "-?"));
        } catch (Deadline.OutOfTime e) {
            throw e;
        } catch (ApplicationException e) {
            throw new ApplicationException(e.getMessage() + ": install the SQL Server command line utilities "
                    + "(sqlcmd) or set sqlserver.sqlcmd to the program", e);
        }
        if (!engine.stopped() || !"Manual".equalsIgnoreCase(engine.startType())) {
            context.log(s.engineService() + " is " + engine.status() + " (start " + engine.startType()
                    + "): the takeover stops it and sets it to manual start before the data is used");
        }
    }

    @Override
    public void takeOver(TakeoverContext context) throws ApplicationException {
        Call call = new Call(context);
        SqlServerSettings s = call.settings();
        Services services = new Services(call);
        present(services.manualAndStopped(s.engineService()), s);
        if (s.agent()) {
            present(services.manualAndStopped(s.agentService()), s);
        }
        context.log(s.describe() + " is stopped and set to manual start");
        present(services.start(s.engineService()), s);
        awaitRunning(call, services, s.engineService());
        context.log(s.engineService() + " runs");
        context.log("databases " + awaitDatabases(call));
        if (s.agent()) {
            present(services.start(s.agentService()), s);
            context.log(s.agentService() + " started");
        }
    }

    @Override
    public Health health(TakeoverContext context) {
        try {
            Call call = new Call(context);
            SqlServerSettings s = call.settings();
            Services.State engine = new Services(call).query(s.engineService());
            if (!engine.running()) {
                return Health.down("service " + s.engineService() + " is " + engine.status());
            }
            CommandRunner.Result one = call.run("ask " + s.server(), Sqlcmd.command(s, Sqlcmd.SELECT_1));
            if (!one.ok() || one.output().lines().noneMatch(line -> line.strip().equals("1"))) {
                return Health.down("SELECT 1 got no answer from " + s.server() + ": " + Output.tail(one.output()));
            }
            Sqlcmd.Verdict v = databases(call);
            return v.readiness() == Sqlcmd.Readiness.ONLINE
                    ? Health.up(s.engineService() + " runs, SELECT 1 answers, databases " + v.detail())
                    : Health.down(v.detail());
        } catch (ApplicationException e) {
            return Health.down(e.getMessage());
        }
    }

    @Override
    public void release(TakeoverContext context) throws ApplicationException {
        Call call = new Call(context);
        SqlServerSettings s = call.settings();
        Services services = new Services(call);
        if (s.agent()) {
            logStopped(context, services.stop(s.agentService()));
        }
        logStopped(context, services.stop(s.engineService()));
    }

    private static void logStopped(TakeoverContext context, Services.State state) {
        if (state.stoppedNow()) {
            context.log(state.service() + " stopped");
        }
    }

    private static Services.State present(Services.State state, SqlServerSettings s) throws ApplicationException {
        if (state.exists()) {
            return state;
        }
        if (state.service().equals(s.agentService())) {
            throw new ApplicationException("service " + state.service() + " does not exist on this server: install "
                    + "SQL Server Agent for " + s.describe() + ", or set sqlserver.agent=false");
        }
        throw new ApplicationException("service " + state.service() + " does not exist on this server: install "
                + s.describe() + " on the target with the same data paths");
    }

    private static void awaitRunning(Call call, Services services, String service) throws ApplicationException {
        Services.State state = services.query(service);
        while (!state.running()) {
            if (state.stopped()) {
                throw new ApplicationException("service " + service + " stopped again right after it started: "
                        + "see the SQL Server error log (ERRORLOG) and the System event log");
            }
            ApplicationException late = new ApplicationException("service " + service + " is still "
                    + state.status() + " at the end of the step: raise the failover's step timeout (--step-timeout)");
            if (!call.pause()) {
                throw late;
            }
            try {
                state = services.query(service);
            } catch (Deadline.OutOfTime e) {
                throw late;
            }
        }
    }

    /** Polls until the databases are ONLINE; crash recovery of a large database can take minutes. */
    private static String awaitDatabases(Call call) throws ApplicationException {
        Sqlcmd.Verdict v = databases(call);
        while (v.readiness() == Sqlcmd.Readiness.WAITING) {
            ApplicationException late = new ApplicationException(v.detail() + " at the end of the step: crash "
                    + "recovery needs longer (raise the failover's --step-timeout), or see the SQL Server error log");
            if (!call.pause()) {
                throw late;
            }
            try {
                v = databases(call);
            } catch (Deadline.OutOfTime e) {
                throw late;
            }
        }
        if (v.readiness() == Sqlcmd.Readiness.BROKEN) {
            throw new ApplicationException(v.detail());
        }
        return v.detail();
    }

    /** The databases' states; an instance that does not answer yet counts as waiting. */
    private static Sqlcmd.Verdict databases(Call call) throws ApplicationException {
        SqlServerSettings s = call.settings();
        CommandRunner.Result r = call.run("list the databases of " + s.server(), Sqlcmd.command(s, Sqlcmd.DATABASES));
        if (!r.ok()) {
            return new Sqlcmd.Verdict(Sqlcmd.Readiness.WAITING, s.server() + " does not answer yet (sqlcmd: "
                    + Output.tail(r.output()) + ")");
        }
        return Sqlcmd.verdict(Sqlcmd.parse(r.output()), s.databases(), s.describe());
    }
}
