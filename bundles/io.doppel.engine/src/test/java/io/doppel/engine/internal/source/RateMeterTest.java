package io.doppel.engine.internal.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RateMeterTest {

    @Test
    void averagesTheLastCompleteSecondsAndForgetsOlderOnes() {
        long[] now = {1_000_000_000_000L};
        RateMeter m = new RateMeter(() -> now[0]);
        for (int s = 0; s < 5; s++) {
            m.add(1000);
            now[0] += 1_000_000_000L;
        }
        assertEquals(1000, m.perSecond());
        assertEquals(5000, m.total());
        now[0] += 10_000_000_000L;
        assertEquals(0, m.perSecond(), "idle for longer than the window");
        assertEquals(5000, m.total());
    }
}
