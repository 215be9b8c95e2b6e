package dev.rlhfloop.feedback.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WilsonIntervalTest {
    @Test
    void matchesTheTextbookValues() {
        // 8 of 10: the 95% Wilson interval is [0.4902, 0.9433] (Newcombe 1998, method 3)
        WilsonInterval w = WilsonInterval.of(8, 10);
        assertEquals(0.8, w.rate(), 1e-12);
        assertEquals(0.4902, w.low(), 5e-5);
        assertEquals(0.9433, w.high(), 5e-5);
    }

    @Test
    void staysInsideZeroAndOne() {
        WilsonInterval none = WilsonInterval.of(0, 5);
        assertEquals(0, none.low(), 1e-15);
        assertEquals(0.4345, none.high(), 5e-5);
        WilsonInterval all = WilsonInterval.of(5, 5);
        assertEquals(0.5655, all.low(), 5e-5);
        assertEquals(1, all.high(), 1e-15);
    }

    @Test
    void narrowsWithMoreVotes() {
        WilsonInterval few = WilsonInterval.of(6, 10);
        WilsonInterval many = WilsonInterval.of(600, 1000);
        assertEquals(true, many.high() - many.low() < (few.high() - few.low()) / 5);
    }

    @Test
    void refusesImpossibleCounts() {
        assertThrows(IllegalArgumentException.class, () -> WilsonInterval.of(3, 2));
    }
}
