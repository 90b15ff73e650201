package io.doppel.cli.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A command's own arguments: positional words and {@code --flag value} / {@code --switch} options. */
final class Args {

    final List<String> positional = new ArrayList<>();
    final Map<String, String> flags = new HashMap<>();
    /** Every value of each option, in order, for options that may repeat. */
    final Map<String, List<String>> all = new HashMap<>();

    static Args parse(List<String> words, Set<String> valued, Set<String> switches) throws CliException {
        Args a = new Args();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith("--")) {
                String name = w.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (switches.contains(name) && value == null) {
                    a.flags.put(name, "true");
                } else if (valued.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= words.size()) {
                            throw new CliException(Exit.USAGE, "--" + name + " needs a value");
                        }
                        value = words.get(++i);
                    }
                    a.flags.put(name, value);
                    a.all.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                } else {
                    throw new CliException(Exit.USAGE, "unknown option --" + name);
                }
            } else {
                a.positional.add(w);
            }
        }
        return a;
    }

    String positional(int index, String what) throws CliException {
        if (positional.size() <= index) {
            throw new CliException(Exit.USAGE, "missing " + what);
        }
        return positional.get(index);
    }

    void noMorePositional(int count) throws CliException {
        if (positional.size() > count) {
            throw new CliException(Exit.USAGE, "unexpected argument '" + positional.get(count) + "'");
        }
    }
}
