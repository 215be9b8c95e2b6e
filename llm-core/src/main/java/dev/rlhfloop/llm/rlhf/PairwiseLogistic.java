package dev.rlhfloop.llm.rlhf;

/**
 * The Bradley–Terry objective both the reward model and DPO minimise: the mean over pairs of
 * −log σ(s_chosen − s_rejected) for scores s, with its gradient. For the reward model the scores
 * are its outputs; for DPO they are the implicit rewards β·(log π − log π_ref). With weights the
 * loss is the mean of wᵢ·ℓᵢ (weights of 1 give the plain mean, bit for bit). It is divided by the
 * batch's size, not by Σ wᵢ, so a batch of unreliable raters' pairs weighs less than another;
 * {@link PolicyUpdate} scales an update's weights to a mean of 1, which makes the whole update's
 * objective the weighted mean Σ wᵢ·ℓᵢ / Σ wᵢ. Accuracy, margin and the means stay plain means:
 * they describe the pairs, not the objective.
 */
public record PairwiseLogistic(double loss, double[] dChosen, double[] dRejected, double accuracy, double margin,
                               double meanChosen, double meanRejected) {

    /** {@code scores} holds the chosen scores in {@code [0, n)} and the rejected ones in {@code [n, 2n)}. */
    public static PairwiseLogistic of(double[] scores) {
        return of(scores, null);
    }

    /** As {@link #of(double[])}, each pair's term weighted by {@code weights[i]} (null: all 1). */
    public static PairwiseLogistic of(double[] scores, double[] weights) {
        int n = scores.length / 2;
        if (weights != null && weights.length != n) {
            throw new IllegalArgumentException("need one weight per pair: " + n + ", got " + weights.length);
        }
        double[] dChosen = new double[n];
        double[] dRejected = new double[n];
        double loss = 0;
        double correct = 0;
        double margin = 0;
        double chosen = 0;
        double rejected = 0;
        for (int i = 0; i < n; i++) {
            double z = scores[i] - scores[n + i];
            double w = weights == null ? 1.0 : weights[i];
            loss += w * softplus(-z);
            double g = w * sigmoid(-z) / n; // d(−log σ(z))/dz = −σ(−z)
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
