package io.doppel.failover.app.windows.exchange.internal;

import java.nio.file.Files;
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
import io.doppel.failover.app.windows.Deadline;
import io.doppel.failover.app.windows.PowerShell;

/**
 * The {@code exchange} application plugin: Exchange Server installed on the Windows target, with
 * its mailbox databases' files in the image. Takeover starts the configured services in order and
 * mounts each configured database through the Exchange Management Shell; release dismounts them
 * and stops the services in reverse order.
 */
@Component(service = ApplicationFailover.class)
public final class ExchangeFailover implements ApplicationFailover {

    @Override
    public String id() {
        return "exchange";
    }

    @Override
    public String description() {
        return "Microsoft Exchange Server on Windows: its services and mailbox databases";
    }

    @Override
    public Map<String, String> settings() {
        return ExchangeSettings.descriptions();
    }

    @Override
    public Availability availability() {
        return availability(System.getProperty("os.name", ""));
    }

    static Availability availability(String osName) {
        return osName.startsWith("Windows") ? Availability.yes()
                : Availability.no("Exchange failover runs only on Windows, and this agent runs on " + osName
                        + ": install the plugin on the agent of a Windows target that has Exchange Server");
    }

    /** @throws IllegalArgumentException if the settings are refused (the message says why) */
    @Override
    public List<String> protectedPaths(Map<String, String> settings) {
        try {
            List<String> paths = ExchangeSettings.of(settings).paths();
            return paths.isEmpty() ? List.of("") : paths;
        } catch (ApplicationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public void prepare(TakeoverContext context) throws ApplicationException {
        ExchangeSettings s = ExchangeSettings.of(context.settings());
        for (String path : s.paths()) {
            if (!Files.isDirectory(context.dataRoot().resolve(path))) {
                throw new ApplicationException("folder " + path + " is not in the image at " + context.dataRoot()
                        + ": add it to the source's job, or correct exchange.paths");
            }
        }
        CommandRunner.Result r = ok(run(context, s, "check Exchange", ExchangeScripts.check(s)), "check Exchange");
        missingServices(PowerShell.tagged(r, "MISSING"));
        if (!PowerShell.tagged(r, "NO-SHELL").isEmpty()) {
            throw new ApplicationException("the Exchange Management Shell (snap-in " + s.snapin() + ") is not "
                    + "installed on this server: install Exchange Server's management tools, or correct exchange.snapin");
        }
        List<String> unknown = PowerShell.tagged(r, "UNKNOWN");
        if (!unknown.isEmpty()) {
            throw new ApplicationException("Exchange does not know mailbox database " + String.join(", ", unknown)
                    + ": correct exchange.databases (Get-MailboxDatabase lists them)");
        }
    }

    @Override
    public void takeOver(TakeoverContext context) throws ApplicationException {
        ExchangeSettings s = ExchangeSettings.of(context.settings());
        CommandRunner.Result r = ok(run(context, s, "start the Exchange services",
                ExchangeScripts.startServices(s.services())), "start the Exchange services");
        missingServices(PowerShell.tagged(r, "MISSING"));
        context.log("services running: " + String.join(", ", PowerShell.tagged(r, "RUNNING")));
        mount(context, s);
    }

    @Override
    public Health health(TakeoverContext context) {
        try {
            ExchangeSettings s = ExchangeSettings.of(context.settings());
            CommandRunner.Result r = run(context, s, "check Exchange's health", ExchangeScripts.health(s));
            List<String> problems = new ArrayList<>();
            for (String line : PowerShell.tagged(r, "SERVICE")) {
                String status = line.substring(line.lastIndexOf('|') + 1);
                if (!status.equals("Running")) {
                    problems.add("service " + line.substring(0, line.lastIndexOf('|')) + " is " + status);
                }
            }
            if (!r.ok()) {
                problems.add("the Exchange Management Shell did not answer: " + PowerShell.error(r));
            }
            List<String> mounted = new ArrayList<>();
            for (String line : PowerShell.tagged(r, "DATABASE")) {
                String database = line.substring(0, line.lastIndexOf('|'));
                if (line.endsWith("|True")) {
                    mounted.add(database);
                } else {
                    problems.add("mailbox database " + database + " is not mounted");
                }
            }
            return problems.isEmpty() ? Health.up("services running; mounted: " + String.join(", ", mounted))
                    : Health.down(String.join("; ", problems));
        } catch (ApplicationException e) {
            return Health.down(e.getMessage());
        }
    }

    @Override
    public void release(TakeoverContext context) throws ApplicationException {
        ExchangeSettings s = ExchangeSettings.of(context.settings());
        CommandRunner.Result r = ok(run(context, s, "dismount the mailbox databases", ExchangeScripts.dismount(s)),
                "dismount the mailbox databases");
        for (String database : PowerShell.tagged(r, "DISMOUNTED")) {
            context.log("mailbox database " + database + " dismounted");
        }
        r = ok(run(context, s, "stop the Exchange services", ExchangeScripts.stopServices(s)),
                "stop the Exchange services");
        for (String service : PowerShell.tagged(r, "STOPPED")) {
            context.log("service " + service + " stopped");
        }
    }

    /**
     * Mounts the databases; the store may refuse for a while after it started, so those it did not
     * mount are tried again after the poll interval, until the step's deadline.
     */
    private static void mount(TakeoverContext context, ExchangeSettings s) throws ApplicationException {
        Map<String, String> waiting = new LinkedHashMap<>();
        s.databases().forEach(d -> waiting.put(d, "not tried"));
        do {
            CommandRunner.Result r;
            try {
                r = ok(run(context, s, "mount the mailbox databases",
                        ExchangeScripts.mount(s.snapin(), List.copyOf(waiting.keySet()))), "mount the mailbox databases");
            } catch (Deadline.OutOfTime e) {
                break;
            }
            for (String database : PowerShell.tagged(r, "MOUNTED")) {
                waiting.remove(database);
                context.log("mailbox database " + database + " mounted");
            }
            for (String line : PowerShell.tagged(r, "NOT-MOUNTED")) {
                // a name may hold '|' itself: match the names asked for, not the first bar
                waiting.replaceAll((database, error) -> line.startsWith(database + "|")
                        ? line.substring(database.length() + 1) : error);
            }
            if (waiting.isEmpty()) {
                return;
            }
        } while (Deadline.pause(context, s.pollInterval(), "mounting the mailbox databases"));
        throw notMounted(waiting);
    }

    private static ApplicationException notMounted(Map<String, String> waiting) {
        List<String> each = new ArrayList<>();
        waiting.forEach((database, error) -> each.add(database + " (" + error + ")"));
        return new ApplicationException("mailbox database not mounted by the end of the step: " + String.join("; ", each)
                + ": check that its files are in the image at the paths Exchange has for it (eseutil /mh shows "
                + "their state), and the Application event log");
    }

    private static void missingServices(List<String> missing) throws ApplicationException {
        if (!missing.isEmpty()) {
            throw new ApplicationException("service " + String.join(", ", missing) + " does not exist on this server: "
                    + "install Exchange Server on the target (the source's version, with the Mailbox role), or "
                    + "correct exchange.services");
        }
    }

    private static CommandRunner.Result run(TakeoverContext context, ExchangeSettings s, String what, String script)
            throws ApplicationException {
        return PowerShell.run(context, s.commandTimeout(), what, script,
                "configure fewer services or databases per failover");
    }

    private static CommandRunner.Result ok(CommandRunner.Result r, String what) throws ApplicationException {
        if (!r.ok()) {
            throw new ApplicationException("cannot " + what + ": " + PowerShell.error(r)
                    + ": see the Application and System event logs on this server");
        }
        return r;
    }
}
