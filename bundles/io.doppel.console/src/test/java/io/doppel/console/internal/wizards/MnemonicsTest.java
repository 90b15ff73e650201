package io.doppel.console.internal.wizards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class MnemonicsTest {

    /** What the Scripts and applications page uses itself: Run before, Run after, Step timeout, Back, Next, Finish. */
    private static Set<Character> page() {
        return new HashSet<>(Set.of('r', 'a', 't', 'b', 'n', 'f'));
    }

    @Test
    void eachLabelGetsItsFirstLetterThatIsStillFree() {
        Set<Character> taken = page();
        assertEquals(List.of("&dataDirectory:", "data&Source:", "s&ervice:"),
                Mnemonics.assign(List.of("dataDirectory:", "dataSource:", "service:"), taken));
        assertEquals(Set.of('r', 'a', 't', 'b', 'n', 'f', 'd', 's', 'e'), taken);
    }

    @Test
    void aLabelWhoseLettersEarlierOnesTookGetsOneByMovingThem() {
        // the PostgreSQL plugin's settings beside the script plugin's form (Start command, Health command):
        // first free letters alone would leave 'port' without one (o to 'log', p to 'options'): 'options'
        // moves on to its next free letter
        Set<Character> taken = page();
        taken.addAll(Set.of('c', 'h'));
        List<String> labels = Mnemonics.assign(List.of("bin:", "datadir:", "listen:", "log:", "options:", "port:",
                "socketdir:"), taken);
        assertEquals(List.of("b&in:", "&datadir:", "&listen:", "l&og:", "option&s:", "&port:", "soc&ketdir:"), labels);
        Set<Character> mnemonics = new HashSet<>();
        labels.forEach(l -> mnemonics.add(Mnemonics.of(l)));
        assertEquals(7, mnemonics.size(), "all different: " + labels);
    }

    @Test
    void aLabelWithoutAFreeLetterOfItsOwnGetsAFreeDigitAfterIt() {
        // the shares plugin: 'nfs' and 'start' both have only the s left
        Set<Character> taken = page();
        taken.addAll(Set.of('c', 'h'));
        List<String> labels = Mnemonics.assign(List.of("config:", "host:", "nfs:", "smb:", "start:"), taken);
        assertEquals(List.of("conf&ig:", "h&ost:", "nf&s:", "s&mb:", "start (&1):"), labels);
    }

    @Test
    void aLiteralAmpersandStaysLiteral() {
        Set<Character> taken = new HashSet<>(Set.of('x'));
        assertEquals(List.of("x && &y:", "x && y (&1):"), Mnemonics.assign(List.of("x & y:", "x & y:"), taken));
    }

    @Test
    void theMnemonicOfATextIsTheLetterAfterASingleAmpersand() {
        assertEquals('n', Mnemonics.of("&Next >"));
        assertEquals('b', Mnemonics.of("< &Back"));
        assertEquals(0, Mnemonics.of("Tom && Jerry"));
        assertEquals('j', Mnemonics.of("Tom && &Jerry"));
    }
}
