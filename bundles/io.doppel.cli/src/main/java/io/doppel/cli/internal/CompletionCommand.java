package io.doppel.cli.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code doppel completion bash}: a bash completion script for the commands, their verbs and
 * options, and the names of jobs and failovers (asked from the agent named on the line). It is made
 * from the commands' own usage texts, so it knows every command and option the CLI knows.
 */
final class CompletionCommand implements CliCommand {

    /** Verbs whose next word names a job (or, for failover, a failover). */
    private static final Set<String> NAMED = Set.of("start", "pause", "resume", "stop", "delete", "mirror", "verify",
            "verify-report", "verify-schedule", "restore", "restore-report", "export", "limit", "rules", "status", "now",
            "failback");
    private static final Pattern OPTION = Pattern.compile("^\\s+(--[a-z][a-z-]*)(\\s+[A-Z][A-Z:_]*)?\\s");
    private static final Pattern FLAG = Pattern.compile("(--[a-z][a-z-]*)( [A-Z][A-Z_:|.]*|\\s+'[^']*')?");

    private final Supplier<List<CliCommand>> commands;

    CompletionCommand(Supplier<List<CliCommand>> commands) {
        this.commands = commands;
    }

    @Override
    public String name() {
        return "completion";
    }

    @Override
    public String summary() {
        return "Print the shell completion script (bash).";
    }

    @Override
    public String usage() {
        return """
                Usage: doppel completion bash

                Prints a bash completion script: commands, their verbs and options, and the names of
                the jobs and failovers of the agent named on the line (--home or --agent). Load it now
                with   source <(doppel completion bash)
                or for every shell with   doppel completion bash > /etc/bash_completion.d/doppel
                """;
    }

    @Override
    public void run(Options options, Output out) throws CliException {
        Args a = Args.parse(options.commandArgs(), Set.of(), Set.of());
        String shell = a.positional(0, "the shell: bash");
        a.noMorePositional(1);
        if (!shell.equals("bash")) {
            throw new CliException(Exit.USAGE, "completion is written for bash only, not '" + shell + "'");
        }
        out.line(bash());
    }

    /** The script. */
    String bash() {
        StringBuilder b = new StringBuilder();
        b.append("# bash completion for doppel (doppel completion bash)\n");
        b.append("_doppel() {\n");
        b.append("  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n");
        b.append("  local i w cmd= verb= agent=() skip=\n");
        b.append("  local valued=' ").append(String.join(" ", globalOptions(true))).append(" '\n");
        b.append("  for ((i = 1; i < COMP_CWORD; i++)); do\n");
        b.append("    w=${COMP_WORDS[i]}\n");
        b.append("    if [ -n \"$skip\" ]; then skip=; continue; fi\n");
        b.append("    case \"$w\" in\n");
        b.append("      --home|--agent|--token-file) agent+=(\"$w\" \"${COMP_WORDS[i+1]}\"); skip=1 ;;\n");
        b.append("      --*) [[ -z $cmd && $valued == *\" $w \"* ]] && skip=1 ;;\n");
        b.append("      *) if [ -z \"$cmd\" ]; then cmd=$w; elif [ -z \"$verb\" ]; then verb=$w; fi ;;\n");
        b.append("    esac\n");
        b.append("  done\n");
        b.append("  if [ -z \"$cmd\" ]; then\n");
        b.append("    if [[ $cur == -* ]]; then\n");
        b.append("      COMPREPLY=($(compgen -W '").append(String.join(" ", globalOptions(false))).append("' -- \"$cur\"))\n");
        b.append("    else\n");
        List<String> names = new ArrayList<>();
        commands.get().forEach(c -> names.add(c.name()));
        names.add("help");
        b.append("      COMPREPLY=($(compgen -W '").append(String.join(" ", names)).append("' -- \"$cur\"))\n");
        b.append("    fi\n");
        b.append("    return\n");
        b.append("  fi\n");
        b.append("  case \"$cmd\" in\n");
        for (CliCommand c : commands.get()) {
            Set<String> verbs = verbs(c);
            Set<String> flags = flags(c);
            b.append("    ").append(c.name()).append(")\n");
            b.append("      if [[ $cur == -* ]]; then\n");
            b.append("        COMPREPLY=($(compgen -W '").append(String.join(" ", flags)).append("' -- \"$cur\"))\n");
            if (!verbs.isEmpty()) {
                b.append("      elif [ -z \"$verb\" ]; then\n");
                b.append("        COMPREPLY=($(compgen -W '").append(String.join(" ", verbs))
                        .append("' -- \"$cur\"))\n");
                if (c.name().equals("job") || c.name().equals("failover")) {
                    b.append("      elif [[ ' ").append(String.join(" ", NAMED))
                            .append(" ' == *\" $verb \"* && $prev == \"$verb\" ]]; then\n");
                    b.append("        COMPREPLY=($(compgen -W \"$(doppel \"${agent[@]}\" ").append(c.name())
                            .append(" list 2>/dev/null | awk 'NR > 1 { print $1 }')\" -- \"$cur\"))\n");
                }
            }
            b.append("      fi ;;\n");
        }
        b.append("    help) COMPREPLY=($(compgen -W '").append(String.join(" ", names)).append("' -- \"$cur\")) ;;\n");
        b.append("  esac\n");
        b.append("}\n");
        b.append("complete -o default -F _doppel doppel\n");
        return b.toString();
    }

    /** The options before the command ({@code valued}: only those that take a value). */
    private static List<String> globalOptions(boolean valued) {
        List<String> found = new ArrayList<>();
        for (String line : DoppelCli.usage().split("\n")) {
            Matcher m = OPTION.matcher(line + " ");
            if (m.find() && (!valued || m.group(2) != null)) {
                found.add(m.group(1));
            }
        }
        return found;
    }

    /** The verbs a command's usage names ({@code doppel … job create …}, {@code start|stop}), in order. */
    static Set<String> verbs(CliCommand c) {
        Set<String> verbs = new LinkedHashSet<>();
        Pattern usage = Pattern.compile("doppel .*?\\] " + Pattern.quote(c.name()) + " \\[?([a-z][a-z|-]*)\\]?(\\s|$)");
        for (String line : c.usage().split("\n")) {
            Matcher m = usage.matcher(line);
            if (m.find()) {
                for (String v : m.group(1).split("\\|")) {
                    verbs.add(v);
                }
            }
        }
        return verbs;
    }

    /** Every option a command's usage names, with {@code --json} and {@code --help}. */
    static Set<String> flags(CliCommand c) {
        Set<String> flags = new java.util.TreeSet<>();
        Matcher m = FLAG.matcher(c.usage());
        while (m.find()) {
            flags.add(m.group(1));
        }
        flags.add("--json");
        flags.add("--help");
        return flags;
    }
}
