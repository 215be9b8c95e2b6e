package dev.rlhfloop.e2e;

/**
 * Wald's sequential probability ratio test of a win rate: after each decisive comparison, the log
 * likelihood ratio of "wins with probability {@code p1}" against "wins half the time" (what a model
 * that learned nothing does against itself) says LEARNED, NOT_LEARNED or not yet. Where it has not
 * decided by {@code maxTrials} (or when the caller runs out of time), a one-sided binomial test at
 * level {@code alpha} decides instead, so every run ends with a verdict.
 *
 * <p>Its error rates are computed exactly by {@link #learnedProbability} (a walk over every
 * win/loss count), not estimated: a test that states its chance of failing must rest on numbers.
 *
 * @param p1 the win rate of a model that learned, which the test is sized to recognise
 * @param alpha chance that the sequential part says LEARNED when the true rate is 0.5
 * @param beta chance that the sequential part says NOT_LEARNED when the true rate is {@code p1}
 * @param maxTrials decisive comparisons after which the fixed-sample test decides
 */
record SequentialWinTest(double p1, double alpha, double beta, int maxTrials) {

    enum Decision { LEARNED, NOT_LEARNED, UNDECIDED }

    SequentialWinTest {
        if (!(p1 > 0.5 && p1 < 1) || !(alpha > 0 && alpha < 0.5) || !(beta > 0 && beta < 0.5) || maxTrials < 1) {
            throw new IllegalArgumentException("need 0.5 < p1 < 1, 0 < alpha, beta < 0.5, maxTrials >= 1: "
                    + p1 + ", " + alpha + ", " + beta + ", " + maxTrials);
        }
    }

    /** The decision after {@code wins} and {@code losses}, checked after every decisive comparison. */
    Decision decide(int wins, int losses) {
        double llr = wins * Math.log(p1 / 0.5) + losses * Math.log((1 - p1) / 0.5);
        if (llr >= Math.log((1 - beta) / alpha)) return Decision.LEARNED;
        if (llr <= Math.log(beta / (1 - alpha))) return Decision.NOT_LEARNED;
        return wins + losses >= maxTrials ? finish(wins, losses) : Decision.UNDECIDED;
    }

    /** The fixed-sample verdict when the comparisons stop before the sequential part decides. */
    Decision finish(int wins, int losses) {
        return wins + losses > 0 && binomialUpperTail(wins, wins + losses) <= alpha ? Decision.LEARNED : Decision.NOT_LEARNED;
    }

    /** P(at least {@code wins} of {@code n} fair coin flips). */
    static double binomialUpperTail(int wins, int n) {
        double tail = 0;
        for (int k = wins; k <= n; k++) tail += Math.exp(logChoose(n, k) - n * Math.log(2));
        return Math.min(1, tail);
    }

    private static double logChoose(int n, int k) {
        double s = 0;
        for (int i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
        return s;
    }

    /**
     * The exact chance that the test ends with LEARNED when each decisive comparison is won with
     * probability {@code p} independently, and the comparisons go on to {@code maxTrials}.
     */
    double learnedProbability(double p) {
        double[] undecided = {1.0};          // undecided[k]: chance of k wins among n trials so far, nothing decided
        double learned = 0;
        for (int n = 1; n <= maxTrials; n++) {
            double[] next = new double[n + 1];
            for (int k = 0; k < undecided.length; k++) {
                if (undecided[k] == 0) continue;
                next[k + 1] += undecided[k] * p;
                next[k] += undecided[k] * (1 - p);
            }
            for (int k = 0; k <= n; k++) {
                if (next[k] == 0) continue;
                Decision d = decide(k, n - k);
                if (d == Decision.LEARNED) learned += next[k];
                if (d != Decision.UNDECIDED) next[k] = 0;
            }
            undecided = next;
        }
        return learned;
    }
}
