package io.doppel.cli.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The global options and the command with its own arguments, parsed from the command line and the
 * environment ({@code DOPPEL_AGENT}, {@code DOPPEL_HOME}, {@code DOPPEL_TOKEN_FILE}); options win.
 */
public record Options(String agent, Path home, Path tokenFile, boolean json, Duration timeout, boolean help,
        boolean version, String command, List<String> commandArgs) {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    static Options parse(String[] args, Map<String, String> env) throws CliException {
        String agent = env.get("DOPPEL_AGENT");
        Path home = pathOrNull(env.get("DOPPEL_HOME"));
        Path tokenFile = pathOrNull(env.get("DOPPEL_TOKEN_FILE"));
        boolean json = false;
        boolean help = false;
        boolean version = false;
        Duration timeout = DEFAULT_TIMEOUT;
        String command = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (command != null) {
                if (a.equals("--json")) {
                    json = true;
                } else if (a.equals("--help") || a.equals("-h")) {
                    help = true;
                } else {
                    rest.add(a);
                }
                continue;
            }
            switch (a) {
                case "--agent", "-a" -> agent = value(args, ++i, a);
                case "--home" -> home = Path.of(value(args, ++i, a));
                case "--token-file" -> tokenFile = Path.of(value(args, ++i, a));
                case "--json" -> json = true;
                case "--help", "-h" -> help = true;
                case "--version" -> version = true;
                case "--timeout" -> timeout = seconds(value(args, ++i, a));
                default -> {
                    if (a.startsWith("--agent=")) {
                        agent = a.substring("--agent=".length());
                    } else if (a.startsWith("--home=")) {
                        home = Path.of(a.substring("--home=".length()));
                    } else if (a.startsWith("--token-file=")) {
                        tokenFile = Path.of(a.substring("--token-file=".length()));
                    } else if (a.startsWith("--timeout=")) {
                        timeout = seconds(a.substring("--timeout=".length()));
                    } else if (a.startsWith("-")) {
                        throw new CliException(Exit.USAGE, "unknown option '" + a + "'; 'doppel --help' lists them");
                    } else {
                        command = a;
                    }
                }
            }
        }
        return new Options(agent, home, tokenFile, json, timeout, help, version, command, List.copyOf(rest));
    }

    private static String value(String[] args, int i, String option) throws CliException {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new CliException(Exit.USAGE, "option " + option + " needs a value");
        }
        return args[i];
    }

    private static Duration seconds(String text) throws CliException {
        try {
            double s = Double.parseDouble(text);
            if (s > 0 && s <= 3600) {
                return Duration.ofMillis((long) (s * 1000));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CliException(Exit.USAGE, "--timeout takes seconds between 0 and 3600, not '" + text + "'");
    }

    private static Path pathOrNull(String s) {
        return s == null || s.isBlank() ? null : Path.of(s);
    }
}
