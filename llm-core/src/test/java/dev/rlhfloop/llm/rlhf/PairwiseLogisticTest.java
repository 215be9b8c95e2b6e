package dev.rlhfloop.llm.rlhf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PairwiseLogisticTest {

    @Test
    void lossAndMetricsMatchTheirDefinitions() {
        double[] scores = {2.0, -1.0, 0.5, 0.0, 1.0, 0.5}; // chosen 2, -1, 0.5; rejected 0, 1, 0.5
        PairwiseLogistic result = PairwiseLogistic.of(scores);
        double expected = (-Math.log(sigmoid(2)) - Math.log(sigmoid(-2)) - Math.log(0.5)) / 3;
        assertEquals(expected, result.loss(), 1e-12);
        assertEquals(1.0 / 3, result.accuracy(), 1e-12); // a tie is not a win
        assertEquals(0.0, result.margin(), 1e-12);
        assertEquals(0.5, result.meanChosen(), 1e-12);
        assertEquals(0.5, result.meanRejected(), 1e-12);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        assertGradientMatchesFiniteDifferences(new double[] {3.0, -0.7, 40.0, 0.2, 1.1, -45.0}, null, 2.0);
    }

    /** {@code factor ×} the loss's gradient per score against central differences (weights null: all 1). */
    static void assertGradientMatchesFiniteDifferences(double[] scores, double[] weights, double factor) {
        double[] gradient = PairwiseLogistic.of(scores, weights).scoreGradient(factor);
        double h = 1e-6;
        for (int i = 0; i < scores.length; i++) {
            double[] plus = scores.clone();
            double[] minus = scores.clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = factor * (PairwiseLogistic.of(plus, weights).loss() - PairwiseLogistic.of(minus, weights).loss()) / (2 * h);
            assertEquals(numeric, gradient[i], 1e-7, "score " + i);
        }
    }

    @Test
    void staysFiniteForHugeMargins() {
        PairwiseLogistic result = PairwiseLogistic.of(new double[] {-1000, 1000});
        assertEquals(2000, result.loss(), 1e-9);
        assertEquals(-1, result.dChosen()[0], 1e-12);
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
