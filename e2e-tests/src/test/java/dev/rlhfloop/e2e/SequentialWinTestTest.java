package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.e2e.SequentialWinTest.Decision;
import org.junit.jupiter.api.Test;

class SequentialWinTestTest {

    @Test
    void decidesOnTheLikelihoodRatioAndFallsBackToTheBinomialTestAtTheEnd() {
        SequentialWinTest test = new SequentialWinTest(0.7, 0.001, 0.001, 200);
        // ln(999) / ln(1.4) = 20.5: 21 straight wins decide; ln(999) / ln(5/3) = 13.5: 14 straight losses.
        assertEquals(Decision.UNDECIDED, test.decide(20, 0));
        assertEquals(Decision.LEARNED, test.decide(21, 0));
        assertEquals(Decision.UNDECIDED, test.decide(0, 13));
        assertEquals(Decision.NOT_LEARNED, test.decide(0, 14));
        assertEquals(Decision.UNDECIDED, test.decide(30, 15));
        // Stopped early: 60 of 100 is p = 0.028 one-sided, 67 of 100 is p = 0.0004.
        assertEquals(Decision.NOT_LEARNED, test.finish(60, 40));
        assertEquals(Decision.LEARNED, test.finish(67, 33));
        assertEquals(Decision.NOT_LEARNED, test.finish(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SequentialWinTest(0.5, 0.001, 0.001, 10));
    }

    @Test
    void binomialTailMatchesHandComputedValues() {
        assertEquals(1.0, SequentialWinTest.binomialUpperTail(0, 5), 1e-12);
        assertEquals(1.0 / 32, SequentialWinTest.binomialUpperTail(5, 5), 1e-12);
        assertEquals(6.0 / 32, SequentialWinTest.binomialUpperTail(4, 5), 1e-12);
        assertEquals(386.0 / 1024, SequentialWinTest.binomialUpperTail(6, 10), 1e-12);
    }

    /**
     * The exact walk agrees with enumerating all 2^14 win/loss sequences, each with its own
     * probability, and the decision where its walk first stops (what follows does not matter).
     */
    @Test
    void learnedProbabilityMatchesEnumeration() {
        SequentialWinTest test = new SequentialWinTest(0.75, 0.05, 0.05, 14);
        for (double p : new double[] {0.3, 0.5, 0.8}) {
            double learned = 0;
            for (int bits = 0; bits < 1 << 14; bits++) {
                int wins = Integer.bitCount(bits);
                Decision decision = Decision.UNDECIDED;
                for (int i = 0, w = 0; i < 14 && decision == Decision.UNDECIDED; i++) {
                    w += bits >> i & 1;
                    decision = test.decide(w, i + 1 - w);
                }
                if (decision == Decision.LEARNED) learned += Math.pow(p, wins) * Math.pow(1 - p, 14 - wins);
            }
            assertEquals(learned, test.learnedProbability(p), 1e-12, "p = " + p);
        }
    }

    /** The numbers LoopIT's comment quotes: its test's error rates, computed exactly. */
    @Test
    void loopItsTestRarelyPassesALoopThatLearnedNothingAndRarelyFailsOneThatLearned() {
        SequentialWinTest test = LoopIT.JUDGING;
        double passesUnlearned = test.learnedProbability(0.5);
        double failsAt65 = 1 - test.learnedProbability(0.65);
        double failsAt70 = 1 - test.learnedProbability(0.7);
        System.out.printf("[sprt] P(LEARNED | p=0.5) = %.2e; P(NOT_LEARNED | p=0.65) = %.2e; P(NOT_LEARNED | p=0.7) = %.2e%n",
                passesUnlearned, failsAt65, failsAt70);
        assertTrue(passesUnlearned < 0.002, "a loop that learned nothing passes: " + passesUnlearned);
        assertTrue(failsAt65 < 1e-5, "a loop whose versions win 65% fails: " + failsAt65);
        assertTrue(failsAt70 < 1e-9, "a loop whose versions win 70% fails: " + failsAt70);
    }
}
