package dev.rlhfloop.llm.rlhf;

/**
 * The Bradley–Terry objective both the reward model and DPO minimise: the mean over pairs of
 * −log σ(s_chosen − s_rejected) for scores s, with its gradient. For the reward model the scores
 * are its outputs; for DPO they are the implicit rewards β·(log π − log π_ref).
 */
public record PairwiseLogistic(double loss, double[] dChosen, double[] dRejected, double accuracy, double margin,
                               double meanChosen, double meanRejected) {

    /** {@code scores} holds the chosen scores in {@code [0, n)} and the rejected ones in {@code [n, 2n)}. */
    public static PairwiseLogistic of(double[] scores) {
        int n = scores.length / 2;
        double[] dChosen = new double[n];
        double[] dRejected = new double[n];
        double loss = 0;
        double correct = 0;
        double margin = 0;
        double chosen = 0;
        double rejected = 0;
        for (int i = 0; i < n; i++) {
            double z = scores[i] - scores[n + i];
            loss += softplus(-z);
            double g = sigmoid(-z) / n; // d(−log σ(z))/dz = −σ(−z)
            dChosen[i] = -g;
            dRejected[i] = g;
            correct += z > 0 ? 1 : 0;
            margin += z;
            chosen += scores[i];
            rejected += scores[n + i];
        }
        return new PairwiseLogistic(loss / n, dChosen, dRejected, correct / n, margin / n, chosen / n, rejected / n);
    }

    /** The gradient per score, chosen then rejected, scaled by {@code factor}. */
    public double[] scoreGradient(double factor) {
        int n = dChosen.length;
        double[] gradient = new double[2 * n];
        for (int i = 0; i < n; i++) {
            gradient[i] = factor * dChosen[i];
            gradient[n + i] = factor * dRejected[i];
        }
        return gradient;
    }

    /** log(1 + e^x) without overflow. */
    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
