package io.doppel.cli.internal;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code doppel}: the command line. {@link #run} does the work and returns the exit code, so tests
 * can call it; {@link #main} is the process entry point.
 */
public final class DoppelCli {

    private static final List<CliCommand> COMMANDS = List.of(new StatusCommand(), new JobCommand(), new EventsCommand(),
            new FailoverCommand(), new PeerCommand(), new SettingsCommand(), new PluginCommand(),
            new IdentityCommand(), new CommandsCommand(), new CompletionCommand(() -> DoppelCli.COMMANDS));

    private DoppelCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    public static int run(String[] args, Map<String, String> env, PrintStream stdout, PrintStream stderr) {
        boolean json = List.of(args).contains("--json");
        Output out = new Output(stdout, stderr, json, Output.terminal(env));
        try {
            Options options = Options.parse(args, env);
            if (options.version()) {
                out.line("doppel " + version());
                return Exit.OK.code;
            }
            if (options.command() == null || options.command().equals("help")) {
                String topic = options.command() == null || options.commandArgs().isEmpty() ? null
                        : options.commandArgs().get(0);
                if (topic != null) {
                    out.line(find(topic).usage().stripTrailing());
                } else {
                    out.line(usage());
                }
                return options.command() == null && !options.help() ? Exit.USAGE.code : Exit.OK.code;
            }
            CliCommand command = find(options.command());
            if (options.help()) {
                out.line(command.usage().stripTrailing());
                return Exit.OK.code;
            }
            command.run(options, out);
            return Exit.OK.code;
        } catch (CliException e) {
            out.error(e);
            return e.exit().code;
        } catch (RuntimeException e) {
            out.error(new CliException(Exit.INTERNAL, "internal error: " + e));
            e.printStackTrace(stderr);
            return Exit.INTERNAL.code;
        }
    }

    private static CliCommand find(String name) throws CliException {
        for (CliCommand c : COMMANDS) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new CliException(Exit.USAGE, "unknown command '" + name + "'; 'doppel --help' lists the commands");
    }

    static String usage() {
        Map<String, String> list = new LinkedHashMap<>();
        COMMANDS.forEach(c -> list.put(c.name(), c.summary()));
        list.put("help [COMMAND]", "Show this help, or a command's.");
        StringBuilder b = new StringBuilder("""
                Usage: doppel [OPTIONS] COMMAND [ARGS] [--json] [--help]

                Manage Doppel agents: real-time file replication and failover.

                Options:
                  --agent HOST:PORT   the agent to talk to (env DOPPEL_AGENT)
                  --token-file FILE   the agent's management token (env DOPPEL_TOKEN_FILE)
                  --home DIR          a local agent's home: address and token are read from it (env DOPPEL_HOME)
                  --json              machine-readable output, errors included
                  --timeout SECONDS   how long to wait for the agent (default 10)
                  --version           print the CLI's version
                  --help              this help; after a command, that command's help

                Commands:
                """);
        list.forEach((k, v) -> b.append(String.format("  %-18s %s%n", k, v)));
        b.append("""

                Exit codes: 0 ok, 1 internal error, 2 usage, 3 agent unreachable, 4 authentication refused,
                5 credentials unusable, 6 not a compatible agent, 7 the agent reported an error,
                8 a verification found differences.""");
        return b.toString();
    }

    /** The Bundle-Version of the jar this class came from. */
    static String version() {
        try {
            var location = DoppelCli.class.getProtectionDomain().getCodeSource().getLocation();
            java.nio.file.Path path = java.nio.file.Path.of(location.toURI());
            if (java.nio.file.Files.isRegularFile(path)) {
                try (java.util.jar.JarFile jar = new java.util.jar.JarFile(path.toFile())) {
                    String v = jar.getManifest().getMainAttributes().getValue("Bundle-Version");
                    if (v != null) {
                        return v;
                    }
                }
            }
        } catch (java.io.IOException | java.net.URISyntaxException | RuntimeException e) {
            // fall through: not running from a jar
        }
        return "(development build)";
    }
}
