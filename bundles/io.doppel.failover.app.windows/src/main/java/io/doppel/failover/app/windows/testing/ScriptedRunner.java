package io.doppel.failover.app.windows.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.doppel.api.failover.app.CommandRunner;

/**
 * A fake runner: records every command (PowerShell scripts decoded) and answers with the first rule
 * whose predicate matches the command's text; a rule's answers are used in turn, its last one repeats.
 * A command no rule matches fails the test.
 */
public final class ScriptedRunner implements CommandRunner {

    /** One command as the plugin ran it, with its text (see {@link #text}) and the rule that answered. */
    public record Run(List<String> command, Map<String, String> environment, Duration timeout, String text,
            String rule) {
    }

    private record Rule(String name, Predicate<String> matches, List<Result> answers, int[] used) {
        Result next() {
            return answers.get(Math.min(used[0]++, answers.size() - 1));
        }
    }

    private final List<Rule> rules = new ArrayList<>();
    private final List<Run> runs = new ArrayList<>();

    /** Adds a rule after the others: commands whose text {@code matches} get the {@code answers}. */
    public ScriptedRunner on(String name, Predicate<String> matches, Result... answers) {
        rules.add(new Rule(name, matches, List.of(answers), new int[1]));
        return this;
    }

    @Override
    public Result run(List<String> command, Map<String, String> environment, Duration timeout) {
        String text = text(command);
        for (Rule rule : rules) {
            if (rule.matches().test(text)) {
                runs.add(new Run(List.copyOf(command), Map.copyOf(environment), timeout, text, rule.name()));
                return rule.next();
            }
        }
        throw new AssertionError("no answer scripted for: " + text);
    }

    /** The commands that were answered, in order. */
    public List<Run> runs() {
        return Collections.unmodifiableList(runs);
    }

    /** The names of the rules that answered, in order. */
    public List<String> answered() {
        return runs.stream().map(Run::rule).toList();
    }

    /** How many commands the rule of that name answered. */
    public long count(String rule) {
        return runs.stream().filter(r -> r.rule().equals(rule)).count();
    }

    /** The script of a PowerShell command, or the command line of any other program. */
    public static String text(List<String> command) {
        int at = command.indexOf("-EncodedCommand");
        return at < 0 ? String.join(" ", command)
                : new String(Base64.getDecoder().decode(command.get(at + 1)), StandardCharsets.UTF_16LE);
    }

    public static Result ok(String output) {
        return new Result(0, output);
    }

    public static Result failed(String output) {
        return new Result(1, output);
    }

    /** Matches text that contains all the parts. */
    public static Predicate<String> has(String... parts) {
        return text -> List.of(parts).stream().allMatch(text::contains);
    }
}
