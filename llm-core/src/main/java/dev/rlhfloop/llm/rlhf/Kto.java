package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Kahneman–Tversky Optimization (Ethayarajh et al., 2024) from ratings of single answers. With
 * the implicit reward r = log π(y|x) − log π_ref(y|x) (summed over the answer) and the reference
 * point z = max(0, mean over the batch of r(x_i, y_{i+1})) — each prompt with the next rating's
 * answer, an estimate of KL(π ‖ π_ref) that is treated as a constant (no gradient) — the loss of
 * a liked answer is λ_D·(1 − σ(β·(r − z))), of a disliked one λ_U·(1 − σ(β·(z − r))), averaged
 * over the batch. Gains and losses are measured from z, so the policy cannot lower every answer's
 * probability to satisfy the thumbs down.
 */
public final class Kto {

    /**
     * Means over a batch: the loss; β·r of the liked and of the disliked answers (NaN where a batch
     * has none); the reference point z (in nats, unscaled); the share of answers on their side of z.
     */
    public record Metrics(double loss, double desirableReward, double undesirableReward, double referencePoint, double accuracy) {

        /** The rating-weighted mean of several batches' metrics (rewards weighted by their own counts). */
        static Metrics mean(List<Metrics> batches, List<Rows> rows) {
            double total = 0, loss = 0, z = 0, accuracy = 0, liked = 0, likedN = 0, disliked = 0, dislikedN = 0;
            for (int i = 0; i < batches.size(); i++) {
                Metrics m = batches.get(i);
                int n = rows.get(i).size();
                int up = rows.get(i).desirableCount();
                total += n;
                loss += n * m.loss;
                z += n * m.referencePoint;
                accuracy += n * m.accuracy;
                if (up > 0) {
                    liked += up * m.desirableReward;
                    likedN += up;
                }
                if (n - up > 0) {
                    disliked += (n - up) * m.undesirableReward;
                    dislikedN += n - up;
                }
            }
            return new Metrics(loss / total, likedN == 0 ? Double.NaN : liked / likedN, dislikedN == 0 ? Double.NaN : disliked / dislikedN,
                    z / total, accuracy / total);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "loss %.4f, liked %.3f, disliked %.3f, reference point %.4f, accuracy %.3f",
                    loss, desirableReward, undesirableReward, referencePoint, accuracy);
        }
    }

    /**
     * Ratings collated for one forward pass: rows {@code [0, n)} hold prompt i + its answer, rows
     * {@code [n, 2n)} prompt i + the answer of rating (i + 1) mod n, the mismatched pairs the
     * reference point is estimated on.
     */
    public record Rows(PairBatch pairs, boolean[] desirable) {

        public static Rows collate(List<TokenizedFeedback> ratings, int padId, int maxLength) {
            int n = ratings.size();
            if (n < 2) {
                throw new IllegalArgumentException("KTO needs at least two ratings per batch (the reference point pairs each prompt "
                        + "with another rating's answer), got " + n);
            }
            List<TokenizedPreference> rows = new ArrayList<>(n);
            boolean[] desirable = new boolean[n];
            for (int i = 0; i < n; i++) {
                TokenizedFeedback rating = ratings.get(i);
                rows.add(new TokenizedPreference(rating.prompt(), rating.completion(), ratings.get((i + 1) % n).completion()));
                desirable[i] = rating.desirable();
            }
            return new Rows(PairBatch.collate(rows, padId, maxLength), desirable);
        }

        public int size() {
            return desirable.length;
        }

        int desirableCount() {
            int up = 0;
            for (boolean d : desirable) {
                up += d ? 1 : 0;
            }
            return up;
        }
    }

    private final Gpt policy;
    private final Gpt reference;
    private final KtoSettings settings;

    public Kto(Gpt policy, Gpt reference, KtoSettings settings) {
        if (policy == reference) {
            throw new IllegalArgumentException("the reference must be a separate, frozen copy of the policy (see Gpt.copy)");
        }
        if (!policy.config().equals(reference.config())) {
            throw new IllegalArgumentException("policy and reference differ in shape: " + policy.config() + " vs " + reference.config());
        }
        this.policy = policy;
        this.reference = reference;
        this.settings = settings;
    }

    /** log π_ref(answer | prompt) of every row, matched then mismatched. */
    public double[] referenceLogProbs(Rows rows) {
        boolean was = reference.isTraining();
        reference.setTraining(false);
        double[] sums = rows.pairs().sequenceSums(reference.tokenLogProbs(rows.pairs().batch()));
        reference.setTraining(was);
        return sums;
    }

    /** The loss and metrics of a batch, without gradients; z from this forward pass. */
    public Metrics evaluate(Rows rows, double[] referenceLogProbs) {
        double[] logRatios = logRatios(rows, referenceLogProbs);
        return loss(rows, logRatios, referencePoint(logRatios, rows.size()), null, 0);
    }

    /** The loss at a given reference point z (the constant the gradient treats it as), without gradients. */
    Metrics evaluateAt(Rows rows, double[] referenceLogProbs, double referencePoint) {
        return loss(rows, logRatios(rows, referenceLogProbs), referencePoint, null, 0);
    }

    /**
     * Forward and backward of {@code scale ×} the batch's mean KTO loss, adding into the policy's
     * gradients (zero them first unless accumulating); z comes from the same forward pass and gets no gradient.
     */
    public Metrics forwardBackward(Rows rows, double[] referenceLogProbs, double scale) {
        double[] logRatios = logRatios(rows, referenceLogProbs);
        double[] dRows = new double[logRatios.length];
        Metrics metrics = loss(rows, logRatios, referencePoint(logRatios, rows.size()), dRows, scale);
        policy.backwardLogProbs(rows.pairs().perTokenGradient(dRows));
        return metrics;
    }

    private double[] logRatios(Rows rows, double[] referenceLogProbs) {
        double[] policyLogProbs = rows.pairs().sequenceSums(policy.tokenLogProbs(rows.pairs().batch()));
        if (policyLogProbs.length != referenceLogProbs.length) {
            throw new IllegalArgumentException("reference log-probabilities are for " + referenceLogProbs.length
                    + " rows, the batch has " + policyLogProbs.length);
        }
        double[] ratios = new double[policyLogProbs.length];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = policyLogProbs[i] - referenceLogProbs[i];
        }
        return ratios;
    }

    private static double referencePoint(double[] logRatios, int n) {
        double sum = 0;
        for (int i = n; i < 2 * n; i++) {
            sum += logRatios[i];
        }
        return Math.max(0, sum / n);
    }

    /** The mean loss; fills {@code dRows} (matched rows only) with {@code scale ×} d loss / d log π when given. */
    private Metrics loss(Rows rows, double[] logRatios, double z, double[] dRows, double scale) {
        int n = rows.size();
        double beta = settings.beta();
        double loss = 0, liked = 0, disliked = 0, right = 0;
        int up = 0;
        for (int i = 0; i < n; i++) {
            double margin = beta * (logRatios[i] - z);
            if (rows.desirable()[i]) {
                double s = sigmoid(margin);
                loss += settings.desirableWeight() * (1 - s) / n;
                liked += beta * logRatios[i];
                up++;
                right += margin > 0 ? 1 : 0;
                if (dRows != null) {
                    dRows[i] = -scale * settings.desirableWeight() * beta * s * (1 - s) / n;
                }
            } else {
                double s = sigmoid(-margin);
                loss += settings.undesirableWeight() * (1 - s) / n;
                disliked += beta * logRatios[i];
                right += margin < 0 ? 1 : 0;
                if (dRows != null) {
                    dRows[i] = scale * settings.undesirableWeight() * beta * s * (1 - s) / n;
                }
            }
        }
        return new Metrics(loss, up == 0 ? Double.NaN : liked / up, up == n ? Double.NaN : disliked / (n - up), z, right / n);
    }

    private static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
