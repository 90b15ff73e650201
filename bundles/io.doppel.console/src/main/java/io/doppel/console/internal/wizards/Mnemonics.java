package io.doppel.console.internal.wizards;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;

/**
 * Mnemonics for labels made at run time (a field per setting a plugin declares): a letter or digit of
 * the label that no other control of the page, nor a button of the dialog, uses.
 */
final class Mnemonics {

    /** The keys for a text none of whose own letters is free, in order of preference. */
    private static final String EXTRA_KEYS = "1234567890abcdefghijklmnopqrstuvwxyz";

    private Mnemonics() {
    }

    /** The mnemonic of a label or button text, lower case, or 0 for none. */
    static char of(String text) {
        if (text == null) {
            return 0;
        }
        for (int i = 0; i < text.length() - 1; i++) {
            if (text.charAt(i) == '&') {
                if (text.charAt(i + 1) == '&') {
                    i++;
                    continue;
                }
                return Character.toLowerCase(text.charAt(i + 1));
            }
        }
        return 0;
    }

    /** The mnemonics used by the labels and buttons in {@code root} and by {@code others} (e.g. dialog buttons). */
    static Set<Character> taken(Composite root, String... others) {
        Set<Character> taken = new HashSet<>();
        collect(root, taken);
        for (String other : others) {
            char m = of(other);
            if (m != 0) {
                taken.add(m);
            }
        }
        return taken;
    }

    private static void collect(Composite parent, Set<Character> taken) {
        for (Control c : parent.getChildren()) {
            char m = c instanceof Label l ? of(l.getText()) : c instanceof Button b ? of(b.getText()) : 0;
            if (m != 0) {
                taken.add(m);
            }
            if (c instanceof Composite inner) {
                collect(inner, taken);
            }
        }
    }

    /**
     * The texts, each with a mnemonic on one of its letters or digits that is not in {@code taken} and not
     * given to another of them (then taken too); a literal '&amp;' is doubled. Each gets its first free letter
     * where it can; a text whose letters are all used by earlier ones gets one by moving an earlier text
     * to another of its letters, so that as many as possible have one. A text for which none of its own
     * letters remains gets a free digit after it, e.g. "start (&amp;1):".
     */
    static List<String> assign(List<String> texts, Set<Character> taken) {
        List<List<Character>> candidates = new ArrayList<>();
        for (String text : texts) {
            List<Character> letters = new ArrayList<>();
            for (char ch : text.toCharArray()) {
                char key = Character.toLowerCase(ch);
                if (Character.isLetterOrDigit(ch) && key < 128 && !taken.contains(key) && !letters.contains(key)) {
                    letters.add(key);
                }
            }
            candidates.add(letters);
        }
        Map<Character, Integer> owner = new HashMap<>();
        for (int i = 0; i < texts.size(); i++) {
            match(i, candidates, owner, new HashSet<>());
        }
        Character[] chosen = new Character[texts.size()];
        owner.forEach((key, i) -> chosen[i] = key);
        taken.addAll(owner.keySet());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            if (chosen[i] != null) {
                out.add(withMnemonic(texts.get(i), chosen[i]));
            } else {
                out.add(withExtraKey(texts.get(i), taken));
            }
        }
        return out;
    }

    /**
     * A text none of whose letters is free: a free digit (else letter) shown after it in brackets, as
     * workbenches do for labels without a usable letter, e.g. "start (&amp;1):"; none if all are used.
     */
    private static String withExtraKey(String text, Set<Character> taken) {
        String escaped = text.replace("&", "&&");
        for (char key : EXTRA_KEYS.toCharArray()) {
            if (taken.add(key)) {
                String mark = " (&" + key + ")";
                return escaped.endsWith(":") ? escaped.substring(0, escaped.length() - 1) + mark + ":"
                        : escaped + mark;
            }
        }
        return escaped;
    }

    /**
     * An augmenting path: text {@code i} gets its first free letter, or else a letter another text had, which
     * then gets another of its own the same way.
     */
    private static boolean match(int i, List<List<Character>> candidates, Map<Character, Integer> owner,
            Set<Character> visited) {
        for (char key : candidates.get(i)) {
            if (!owner.containsKey(key) && visited.add(key)) {
                owner.put(key, i);
                return true;
            }
        }
        for (char key : candidates.get(i)) {
            if (visited.add(key)) {
                Integer before = owner.get(key);
                if (before == null || match(before, candidates, owner, visited)) {
                    owner.put(key, i);
                    return true;
                }
            }
        }
        return false;
    }

    private static String withMnemonic(String text, Character key) {
        String escaped = text.replace("&", "&&");
        if (key == null) {
            return escaped;
        }
        for (int i = 0; i < escaped.length(); i++) {
            char ch = escaped.charAt(i);
            if (ch == '&') {
                i++;
            } else if (Character.toLowerCase(ch) == key) {
                return escaped.substring(0, i) + "&" + escaped.substring(i);
            }
        }
        return escaped;
    }
}
