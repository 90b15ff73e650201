package io.doppel.engine.internal.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The default excludes compared character by character decide as their patterns do, for any name. */
class DefaultExcludesTest {

    @Test
    void namesAreExcludedExactlyAsThePatternsSay() {
        List<String> names = new ArrayList<>(List.of("", "a", "~", "a~", "~a", ".swp", "x.swp", "x.swq", "x.swa",
                "x.sw", "swp", "x.SWP", ".#x", ".#", "#", "##", "#a#", "#a", "a#", ".~lock.#", ".~lock.x#", ".~lock.x",
                ".~lock#", "a\nb.swp", "a\n~", "\n~", "~\n", "#\n#", ".#\n", ".~lock.\n#", "a\u2028b~", "é.swk",
                "dir.swp.d", "lost+found", "report.odt"));
        Random random = new Random(11);
        String alphabet = ".swpaqz~#lock\n\r\u0085é";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(10);
            for (int j = 0; j < length; j++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            names.add(b.toString());
        }
        int excluded = 0;
        for (String name : names) {
            boolean expected = DefaultExcludes.byPattern(name);
            assertEquals(expected, DefaultExcludes.excludedName(name), () -> "'" + name.replace("\n", "\\n") + "'");
            excluded += expected ? 1 : 0;
        }
        assertTrue(excluded > 1_000, "the random names should exclude some: " + excluded);
        assertTrue(DefaultExcludes.excludedName("notes.txt.swo"));
        assertFalse(DefaultExcludes.excludedName("a\nb.swp"), "a pattern's . does not match a line terminator");
    }
}
