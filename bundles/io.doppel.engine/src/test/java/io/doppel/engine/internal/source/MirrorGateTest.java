package io.doppel.engine.internal.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.doppel.api.op.Op;
import io.doppel.api.op.RelPath;

/** The gate between a running mirror and live changes. */
class MirrorGateTest {

    private static RelPath p(String s) {
        return RelPath.of(s);
    }

    private static Op write(String path) {
        return new Op.Write(p(path), 0, new byte[] {1});
    }

    private static Op rename(String from, String to) {
        return new Op.Rename(p(from), p(to), Op.RenameMode.REPLACE);
    }

    private static int byComponents(RelPath a, RelPath b) {
        List<String> x = a.components();
        List<String> y = b.components();
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            int c = x.get(i).compareTo(y.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.size(), y.size());
    }

    private static RelPath randomPath(java.util.Random random, String alphabet) {
        StringBuilder b = new StringBuilder();
        int length = random.nextInt(7);
        for (int i = 0; i < length; i++) {
            char c = alphabet.charAt(random.nextInt(alphabet.length()));
            boolean boundary = b.isEmpty() || b.charAt(b.length() - 1) == '/';
            b.append(c == '/' && (boundary || i == length - 1) ? 'a' : c);
        }
        String s = b.toString();
        return RelPath.problemWith(s) == null ? RelPath.of(s) : RelPath.of("a");
    }

    @Test
    void theWalkOrderPutsADirectoryBeforeWhatItHoldsAndComparesNamesNotStrings() {
        assertTrue(MirrorGate.compare(p("a"), p("a/b")) < 0);
        assertTrue(MirrorGate.compare(p("a/z"), p("a-b")) < 0, "component-wise, unlike string order");
        assertTrue(MirrorGate.compare(p(""), p("a")) < 0);
        assertEquals(0, MirrorGate.compare(p("a/b"), p("a/b")));
        // the same order as comparing the lists of components, over random paths of a small alphabet
        // (with characters below and above '/') that share prefixes often
        java.util.Random random = new java.util.Random(7);
        String alphabet = "-.a/zÿ€";
        for (int i = 0; i < 200_000; i++) {
            RelPath x = randomPath(random, alphabet);
            RelPath y = randomPath(random, alphabet);
            assertEquals(Integer.signum(byComponents(x, y)), Integer.signum(MirrorGate.compare(x, y)), x + " against " + y);
        }
    }

    private static Op create(String path) {
        return new Op.Create(p(path), 0644, 0, 0);
    }

    @Test
    void aNameMadeBetweenThePositionAndTheEntryChosenNextTravelsForTheWalkDoesNotComeBackForIt() {
        // The walk is in 'work', at 'work/f-544.bin', and has chosen 'work/f-86.bin' as its next entry
        // (names in string order). A file made now as 'work/f-547.bin' lies between the two: the walk
        // has passed that place, so the file's creation must travel, not wait for a walk that never comes.
        MirrorGate gate = new MirrorGate();
        gate.begin(null, Set.of());
        gate.advance(p(""), false);
        gate.advance(p("work"), false);
        gate.advance(p("work/f-544.bin"), true);
        gate.approach(p("work/f-86.bin"));
        assertEquals(List.of(create("work/f-547.bin")), gate.filter(create("work/f-547.bin"), 1));
        assertEquals(Set.of(), gate.drainDiscovered(p("work")), "nothing for the walk to take up");
        assertEquals(List.of(), gate.filter(write("work/f-86.bin"), 2), "the chosen entry is not visited before it is walked");
        assertEquals(List.of(), gate.filter(create("work/f-9.bin"), 3), "after the chosen entry: dropped");
        assertEquals(Set.of("f-9.bin"), gate.drainDiscovered(p("work")), "and taken up by the walk");
        gate.advance(p("work/f-86.bin"), true);
        assertEquals(List.of(write("work/f-86.bin")), gate.filter(write("work/f-86.bin"), 4));
        assertEquals(List.of(), gate.filter(create("work/f-87.bin"), 5), "the choice ends when the walk begins the entry");
    }

    @Test
    void changesBeforeThePositionTravelAndChangesAfterItAreDropped() {
        MirrorGate gate = new MirrorGate();
        assertEquals(List.of(write("x")), gate.filter(write("x"), 1), "no mirror: everything travels");
        gate.begin(null, Set.of());
        assertEquals(List.of(), gate.filter(write("a"), 2), "nothing is visited before the walk begins");
        gate.advance(p(""), false);
        gate.advance(p("b"), false);
        gate.advance(p("b/c"), true);
        assertEquals(List.of(write("a")), gate.filter(write("a"), 3));
        assertEquals(List.of(write("b/c")), gate.filter(write("b/c"), 4));
        assertEquals(List.of(), gate.filter(write("b/d"), 5));
        assertEquals(List.of(), gate.filter(write("c"), 6));
        gate.advance(p("b"), true);
        assertEquals(List.of(write("b/d")), gate.filter(write("b/d"), 7), "a finished directory is visited whole");
        gate.end();
        assertEquals(List.of(write("z")), gate.filter(write("z"), 8));
    }

    @Test
    void movesAcrossThePositionBecomeRemovalsAndWalksAgain() {
        MirrorGate gate = new MirrorGate();
        gate.begin(null, Set.of());
        gate.advance(p(""), false);
        gate.advance(p("m"), true);
        // visited to unvisited: the old name goes, the walk finds the new one later
        assertEquals(List.of(new Op.Remove(p("a"))), gate.filter(rename("a", "z"), 1));
        // unvisited to visited: the new name goes and is walked again after the main walk
        assertEquals(List.of(new Op.Remove(p("b"))), gate.filter(rename("y", "b"), 2));
        assertFalse(gate.visited(p("b/inside")), "a pending name is unvisited until walked again");
        assertEquals(List.of(), gate.filter(write("b"), 3));
        // a pending name inside a directory moved between visited names moves with it
        assertEquals(List.of(new Op.Remove(p("c/x"))), gate.filter(rename("y2", "c/x"), 4));
        assertEquals(List.of(rename("c", "d")), gate.filter(rename("c", "d"), 5));
        assertTrue(gate.visited(p("c/x")));
        assertFalse(gate.visited(p("d/x")));
        gate.walkDone();
        assertEquals(p("b"), gate.nextPending());
        assertFalse(gate.visited(p("b")));
        gate.advance(p("b"), true);
        assertTrue(gate.visited(p("b")));
        gate.walkDone();
        assertEquals(p("d/x"), gate.nextPending());
    }

    @Test
    void aRenameTheWalkSawBeforeItWasCapturedMakesItsNewNameWalkedAgain() {
        // The writer renamed w5 to r1 and hands the rename over only after the walk found w5 gone
        // and went past r1's place: the target has neither name, so r1 must be walked again.
        MirrorGate gate = new MirrorGate();
        gate.begin(null, Set.of());
        gate.advance(p(""), false);
        gate.listing(p(""));
        gate.listed(p(""));
        gate.advance(p("a"), true);
        assertEquals(List.of(write("a")), gate.filter(write("a"), 1), "a listing affects only the next change");
        gate.advance(p("w5"), true);
        gate.gone(p("w5"));
        assertEquals(List.of(new Op.Remove(p("w5")), new Op.Remove(p("r1"))), gate.filter(rename("w5", "r1"), 2));
        assertFalse(gate.visited(p("r1")), "pending");
        assertEquals(List.of(rename("a", "b")), gate.filter(rename("a", "b"), 3),
                "a rename after the next change is judged by position again");
        // a rename captured while the walk lists the directory it leaves
        gate.listing(p("d"));
        gate.advance(p("d"), true);
        assertEquals(List.of(new Op.Remove(p("d/x")), new Op.Remove(p("c"))), gate.filter(rename("d/x", "c"), 4));
        assertEquals(List.of(new Op.Remove(p("d/y")), new Op.Remove(p("c2"))), gate.filter(rename("d/y", "c2"), 5),
                "every change captured while the listing runs");
        gate.listed(p("d"));
        gate.filter(write("a"), 6);
        assertEquals(List.of(rename("d/z", "c3")), gate.filter(rename("d/z", "c3"), 7));
        gate.walkDone();
        assertEquals(p("c"), gate.nextPending());
    }

    /** A gate whose walk has just left its last directory {@code w} (and the root) with a last look. */
    private static MirrorGate walkedToTheEnd() {
        MirrorGate gate = new MirrorGate();
        gate.begin(null, Set.of());
        gate.advance(p(""), false);
        gate.listing(p(""));
        gate.listed(p(""));
        gate.advance(p("w"), false);
        gate.listing(p("w"));
        gate.listed(p("w"));
        gate.advance(p("w"), true);
        gate.advance(p(""), true);
        return gate;
    }

    @Test
    void theWalksEndWithTheGateSoThatNoLaterChangeIsLeftPending() {
        // Left open after the walks, the gate judges the first change after the walk's last look as
        // overtaken: the new name is removed on the target and pending, for a walk that never comes.
        MirrorGate open = walkedToTheEnd();
        open.walkDone();
        assertEquals(null, open.nextPending());
        assertEquals(List.of(new Op.Remove(p("w/f-1")), new Op.Remove(p("w/r-9"))),
                open.filter(rename("w/f-1", "w/r-9"), 1));
        assertEquals(Set.of(p("w/r-9")), open.pending(), "pending, with the walks already over");

        // Ended in the same step as the last look for pending walks, it lets every change travel.
        MirrorGate gate = walkedToTheEnd();
        assertTrue(gate.finishWalks());
        assertFalse(gate.active());
        assertEquals(List.of(rename("w/f-1", "w/r-9")), gate.filter(rename("w/f-1", "w/r-9"), 1));
        assertTrue(gate.pending().isEmpty());

        // With a pending walk left, the walks are not over and the gate stays
        MirrorGate more = walkedToTheEnd();
        more.filter(rename("w/f-2", "w/r-10"), 1);
        assertFalse(more.finishWalks());
        assertTrue(more.active());
        assertEquals(p("w/r-10"), more.nextPending());
    }

    @Test
    void movingTheDirectoryTheWalkIsInsideRemovesItAndNewNamesThereAreRemembered() {
        MirrorGate gate = new MirrorGate();
        gate.begin(null, Set.of());
        gate.advance(p(""), false);
        gate.advance(p("d"), false);
        gate.advance(p("d/m"), true);
        assertEquals(List.of(), gate.filter(new Op.Create(p("d/z"), 0644, -1, -1), 1));
        assertEquals(Set.of("z"), gate.drainDiscovered(p("d")), "created after the position: walked, not lost");
        assertEquals(List.of(new Op.Create(p("d/a"), 0644, -1, -1)), gate.filter(new Op.Create(p("d/a"), 0644, -1, -1), 2));
        assertEquals(Set.of(), gate.drainDiscovered(p("d")));
        // the walk is inside d: the target holds part of it only
        assertEquals(List.of(new Op.Remove(p("d")), new Op.Remove(p("a"))), gate.filter(rename("d", "a"), 3));
        assertFalse(gate.visited(p("a/m")));
    }

    @Test
    void theGateRemembersWhatChangedSinceASequence() {
        MirrorGate gate = new MirrorGate();
        gate.begin(null, Set.of());
        gate.filter(write("a/f"), 10);
        gate.filter(rename("a", "b"), 11);
        assertTrue(gate.contentChangedSince(p("a/f"), 9));
        assertFalse(gate.contentChangedSince(p("a/f"), 10));
        assertTrue(gate.namesChangedSince(p("a/f"), 10), "a directory above was renamed");
        assertFalse(gate.namesChangedSince(p("c/f"), 10));
    }

    @Test
    void theNamesOfALinkedFileFollowRenamesOfVisitedDirectories() {
        MirrorGate gate = new MirrorGate();
        gate.begin(null, Set.of());
        gate.advance(p(""), false);
        gate.advance(p("a"), false);
        gate.advance(p("a/f"), true);
        Object inode = "inode-1";
        gate.linked(inode, p("a/f"));
        gate.advance(p("a"), true);
        gate.advance(p("b"), true);
        assertEquals(List.of(p("a/f")), gate.linkedNames(inode));
        // a visited directory renamed over another visited name: the linked name moves with it
        assertEquals(List.of(rename("a", "b")), gate.filter(rename("a", "b"), 1));
        assertEquals(List.of(p("b/f")), gate.linkedNames(inode));
        // moved into what the walk has not reached: the name is not offered any more
        gate.filter(rename("b", "z"), 2);
        assertEquals(List.of(), gate.linkedNames(inode));
        assertEquals(List.of(), gate.linkedNames("another inode"));
    }
}
